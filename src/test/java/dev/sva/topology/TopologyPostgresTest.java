package dev.sva.topology;

import dev.sva.support.PostgresTest;

@PostgresTest
class TopologyPostgresTest extends TopologyTests {
}
