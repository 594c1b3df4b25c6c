package dev.sva.core;

import dev.sva.support.PostgresTest;

@PostgresTest
class NoServerErrorFuzzPostgresTest extends NoServerErrorFuzzTests {
}
