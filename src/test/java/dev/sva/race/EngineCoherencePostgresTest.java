package dev.sva.race;

import dev.sva.support.PostgresTest;

@PostgresTest
class EngineCoherencePostgresTest extends EngineCoherenceTests {
}
