package dev.sva.bond;

import org.springframework.test.context.TestPropertySource;

// a small pool: these tests send one request at a time, and the cached context keeps its connections
@TestPropertySource(properties = {"sva.isolation=GROUP_AWARE", "spring.datasource.hikari.maximum-pool-size=4"})
class GroupAwareBondH2Test extends GroupAwareBondTests {
}
