package dev.sva.node;

import dev.sva.support.PostgresTest;

@PostgresTest
class NodePostgresTest extends NodeTests {
}
