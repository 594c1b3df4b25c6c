package dev.sva.race;

import org.springframework.test.context.TestPropertySource;

/** {@link MixedLoadTests} on H2 under GROUP_AWARE. */
@TestPropertySource(properties = "sva.isolation=GROUP_AWARE")
class MixedLoadGroupAwareH2Test extends MixedLoadTests {
}
