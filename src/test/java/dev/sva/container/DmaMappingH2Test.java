package dev.sva.container;

class DmaMappingH2Test extends DmaMappingTests {
}
