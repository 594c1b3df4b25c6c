package dev.sva.topology;

import dev.sva.support.PostgresTest;

@PostgresTest
class TopologyInputPostgresTest extends TopologyInputTests {
}
