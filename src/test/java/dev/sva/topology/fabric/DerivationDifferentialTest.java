package dev.sva.topology.fabric;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random fabrics (seeded) against the naive {@link ReferenceDerivation}. The routing invariant over the same fabrics
 * (every peer a DMA reaches lies in the requester's group) is {@link PeerIsolationTest}.
 */
class DerivationDifferentialTest {

    private static final Map<ReferenceDerivation.Step, Integer> STEPS = new EnumMap<>(ReferenceDerivation.Step.class);

    static LongStream seeds() {
        return LongStream.range(0, 300);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void derivationMatchesTheNaiveReference(long seed) {
        List<PciFunction> fs = RandomFabrics.generate(seed);
        Fabric fabric = Fabric.of(fs);
        Derivation d = GroupDerivation.derive(fabric);
        ReferenceDerivation ref = new ReferenceDerivation(fs);
        Set<Set<PciAddress>> expected = ref.run();
        Set<Set<PciAddress>> actual = new HashSet<>();
        for (DerivedGroup g : d.groups()) {
            actual.add(new HashSet<>(g.members()));
        }
        assertThat(actual).as("seed %d: %s", seed, fabric).isEqualTo(expected);
        synchronized (STEPS) {
            ref.decided.values().forEach(s -> STEPS.merge(s, 1, Integer::sum));
        }
    }

    @AfterAll
    static void everyCaseKindWasExercised() {
        if (STEPS.isEmpty()) {
            return; // a single test method ran alone
        }
        assertThat(STEPS.keySet()).as("steps decided: %s", STEPS).containsExactlyInAnyOrder(
                ReferenceDerivation.Step.values());
        assertThat(STEPS.values()).allMatch(n -> n >= 5);
    }
}
