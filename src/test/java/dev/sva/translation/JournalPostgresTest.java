package dev.sva.translation;

import dev.sva.support.PostgresTest;

@PostgresTest
class JournalPostgresTest extends JournalTests {
}
