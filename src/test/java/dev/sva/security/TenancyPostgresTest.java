package dev.sva.security;

import dev.sva.support.PostgresTest;

@PostgresTest
class TenancyPostgresTest extends TenancyTests {
}
