package dev.sva.core;

import dev.sva.support.PostgresTest;

@PostgresTest
class ProblemFormatPostgresTest extends ProblemFormatTests {
}
