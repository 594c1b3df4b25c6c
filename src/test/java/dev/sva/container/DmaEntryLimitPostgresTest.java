package dev.sva.container;

import dev.sva.support.PostgresTest;

@PostgresTest
class DmaEntryLimitPostgresTest extends DmaEntryLimitTests {
}
