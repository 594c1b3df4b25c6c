package dev.sva.event;

class EventLogH2Test extends EventLogTests {
}
