package dev.sva.race;

import dev.sva.support.PostgresTest;

/** {@link MixedLoadTests} on PostgreSQL under the default policy, STRICT. */
@PostgresTest
class MixedLoadPostgresTest extends MixedLoadTests {
}
