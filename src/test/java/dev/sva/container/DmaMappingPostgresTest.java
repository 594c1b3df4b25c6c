package dev.sva.container;

import dev.sva.support.PostgresTest;

@PostgresTest
class DmaMappingPostgresTest extends DmaMappingTests {
}
