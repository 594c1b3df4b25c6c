package dev.sva.container;

import dev.sva.support.PostgresTest;

@PostgresTest
class ContainerPostgresTest extends ContainerTests {
}
