package dev.sva.topology.fabric;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Random fabrics (seeded) against the naive {@link ReferenceDerivation}, plus the routing invariant: every peer a
 * DMA reaches without the IOMMU lies in the requester's derived group — except through a switch's downstream port
 * without Request Redirect, which pci_device_group() does not group and the derivation must warn about.
 */
class DerivationDifferentialTest {

    private static final Map<ReferenceDerivation.Step, Integer> STEPS = new EnumMap<>(ReferenceDerivation.Step.class);
    private static final Map<String, Integer> REACHES = new HashMap<>();

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

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void everyPeerRoutingReachesLiesInTheRequestersGroup(long seed) {
        Fabric fabric = Fabric.of(RandomFabrics.generate(seed));
        Derivation d = GroupDerivation.derive(fabric);
        Set<PciAddress> warnedPorts = new HashSet<>();
        for (Warning w : d.warnings()) {
            if (GroupDerivation.PEER_TO_PEER_ACROSS_GROUPS.equals(w.kind())) {
                warnedPorts.add(w.bdf());
            }
        }
        for (PciFunction r : fabric.functions()) {
            DerivedGroup mine = d.groupOf(r.address()).orElseThrow();
            for (PeerPath p : Routing.reachablePeers(fabric, r.address())) {
                if (mine.members().contains(p.peer())) {
                    count("in group");
                    continue;
                }
                assertThat(p.via()).as("seed %d: %s reaches %s outside its group %s", seed, r.address(), p.peer(),
                        mine.members()).anyMatch(warnedPorts::contains);
                count("across a warned downstream port");
            }
        }
    }

    private static void count(String k) {
        synchronized (REACHES) {
            REACHES.merge(k, 1, Integer::sum);
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
        if (!REACHES.isEmpty()) {
            assertThat(REACHES).as("reaches: %s", REACHES).containsKeys("in group", "across a warned downstream port");
        }
    }
}
