package dev.sva.event;

import dev.sva.support.PostgresTest;

@PostgresTest
class ListThenWatchPostgresTest extends ListThenWatchTests {
}
