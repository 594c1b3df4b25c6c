package dev.sva.translation;

import dev.sva.support.PostgresTest;
import org.springframework.test.context.TestPropertySource;

@PostgresTest
// the same properties as GroupAwareBondPostgresTest, so a full run shares its cached context
@TestPropertySource(properties = {"sva.isolation=GROUP_AWARE", "spring.datasource.hikari.maximum-pool-size=4"})
class RevocationDmaGroupAwarePostgresTest extends RevocationDmaGroupAwareTests {
}
