package dev.sva.race;

import dev.sva.support.PostgresTest;
import org.springframework.test.context.TestPropertySource;

/** {@link MixedLoadTests} on PostgreSQL under GROUP_AWARE. */
@PostgresTest
@TestPropertySource(properties = "sva.isolation=GROUP_AWARE")
class MixedLoadGroupAwarePostgresTest extends MixedLoadTests {
}
