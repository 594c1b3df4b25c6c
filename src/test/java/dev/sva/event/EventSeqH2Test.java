package dev.sva.event;

class EventSeqH2Test extends EventSeqTests {
}
