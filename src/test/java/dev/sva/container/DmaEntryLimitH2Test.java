package dev.sva.container;

class DmaEntryLimitH2Test extends DmaEntryLimitTests {
}
