package dev.sva.bond;

import dev.sva.support.PostgresTest;
import org.springframework.test.context.TestPropertySource;

@PostgresTest
// a small pool: these tests send one request at a time, and the cached context keeps its connections
@TestPropertySource(properties = {"sva.isolation=GROUP_AWARE", "spring.datasource.hikari.maximum-pool-size=4"})
class GroupAwareBondPostgresTest extends GroupAwareBondTests {
}
