package dev.sva.translation;

class RevocationDmaH2Test extends RevocationDmaTests {
}
