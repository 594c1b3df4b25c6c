package dev.sva.race;

/** {@link MixedLoadTests} on H2 under the default policy, STRICT. */
class MixedLoadH2Test extends MixedLoadTests {
}
