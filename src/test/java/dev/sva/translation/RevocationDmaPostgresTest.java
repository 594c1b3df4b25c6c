package dev.sva.translation;

import dev.sva.support.PostgresTest;

@PostgresTest
class RevocationDmaPostgresTest extends RevocationDmaTests {
}
