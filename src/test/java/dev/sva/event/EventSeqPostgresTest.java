package dev.sva.event;

import dev.sva.support.PostgresTest;

@PostgresTest
class EventSeqPostgresTest extends EventSeqTests {
}
