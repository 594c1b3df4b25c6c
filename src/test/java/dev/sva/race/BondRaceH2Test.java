package dev.sva.race;

class BondRaceH2Test extends BondRaceTests {
}
