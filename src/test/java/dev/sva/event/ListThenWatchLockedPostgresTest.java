package dev.sva.event;

import dev.sva.support.PostgresTest;
import org.springframework.test.context.TestPropertySource;

/** The same, with every list read under the node's row lock (the path taken when commits keep overtaking a read). */
@PostgresTest
@TestPropertySource(properties = "sva.lists.optimistic-reads=0")
class ListThenWatchLockedPostgresTest extends ListThenWatchTests {
}
