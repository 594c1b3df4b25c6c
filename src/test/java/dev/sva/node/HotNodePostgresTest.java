package dev.sva.node;

import dev.sva.support.PostgresTest;

@PostgresTest
class HotNodePostgresTest extends HotNodeTests {
}
