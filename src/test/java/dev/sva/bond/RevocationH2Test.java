package dev.sva.bond;

class RevocationH2Test extends RevocationTests {
}
