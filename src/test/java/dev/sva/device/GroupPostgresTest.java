package dev.sva.device;

import dev.sva.support.PostgresTest;

@PostgresTest
class GroupPostgresTest extends GroupTests {
}
