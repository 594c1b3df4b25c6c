package dev.sva.core;

import dev.sva.support.PostgresTest;

@PostgresTest
class RequestHygienePostgresTest extends RequestHygieneTests {
}
