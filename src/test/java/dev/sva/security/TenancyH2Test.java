package dev.sva.security;

class TenancyH2Test extends TenancyTests {
}
