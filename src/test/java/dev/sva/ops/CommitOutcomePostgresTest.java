package dev.sva.ops;

import dev.sva.support.PostgresTest;

@PostgresTest
class CommitOutcomePostgresTest extends CommitOutcomeTests {
}
