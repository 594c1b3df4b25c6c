package dev.sva.bond;

import dev.sva.support.PostgresTest;

@PostgresTest
class ContainerBindCoveragePostgresTest extends ContainerBindCoverageTests {
}
