package dev.sva.translation;

import org.springframework.test.context.TestPropertySource;

// the same properties as GroupAwareBondH2Test, so a full run shares its cached context
@TestPropertySource(properties = {"sva.isolation=GROUP_AWARE", "spring.datasource.hikari.maximum-pool-size=4"})
class RevocationDmaGroupAwareH2Test extends RevocationDmaGroupAwareTests {
}
