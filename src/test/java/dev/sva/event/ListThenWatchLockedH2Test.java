package dev.sva.event;

import org.springframework.test.context.TestPropertySource;

/** The same, with every list read under the node's row lock (the path taken when commits keep overtaking a read). */
@TestPropertySource(properties = "sva.lists.optimistic-reads=0")
class ListThenWatchLockedH2Test extends ListThenWatchTests {
}
