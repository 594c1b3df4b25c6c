package dev.sva.security;

import dev.sva.support.PostgresTest;

@PostgresTest
class TenancyRacePostgresTest extends TenancyRaceTests {
}
