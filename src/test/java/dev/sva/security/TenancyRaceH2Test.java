package dev.sva.security;

class TenancyRaceH2Test extends TenancyRaceTests {
}
