package dev.sva.topology.fabric;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The property that makes groups worth having: every peer a DMA reaches without the IOMMU ({@link Routing}) lies in
 * the requester's group ({@link GroupDerivation}), over seeded random fabrics and the real published hosts. The one
 * exception is the kernel's own: pci_device_group() checks only the requester's path, so below a switch downstream
 * port without Request Redirect a DMA reaches a sibling port's subtree that Linux groups apart — allowed only when
 * the route turns at exactly such a port, the derivation warned about that port, and the peer is not below it.
 */
class PeerIsolationTest {

    private static final Map<String, Integer> CASES = new HashMap<>();

    static Stream<Arguments> fabrics() {
        Stream<Arguments> random = Stream.iterate(0L, s -> s + 1).limit(300)
                .map(s -> Arguments.of("seed " + s, RandomFabrics.generate(s)));
        Stream<Arguments> hosts = Stream.of("nxp-ls1028a", "asus-z790-tb4", "lenovo-x13s", "imac-comet-lake")
                .map(h -> Arguments.of(h, LspciParser.parse(listing(h)).functions()));
        return Stream.concat(hosts, random);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fabrics")
    void everyPeerReachableWithoutTheIommuIsInTheRequestersGroup(String name, List<PciFunction> functions) {
        Fabric f = Fabric.of(functions);
        Derivation d = GroupDerivation.derive(f);
        Set<PciAddress> warned = new HashSet<>();
        for (Warning w : d.warnings()) {
            if (GroupDerivation.PEER_TO_PEER_ACROSS_GROUPS.equals(w.kind())) {
                warned.add(w.bdf());
            }
        }
        AcsRules rules = new AcsRules(f);
        for (PciFunction r : f.functions()) {
            if (d.groupOf(r.address()).isEmpty()) {
                continue; // no group on a host (the AMD IOMMU's own function)
            }
            Set<PciAddress> mine = new HashSet<>(d.groupOf(r.address()).orElseThrow().members());
            for (PeerPath p : Routing.reachablePeers(f, r.address())) {
                if (mine.contains(p.peer())) {
                    count("in the requester's group");
                    continue;
                }
                PciFunction turn = turningPoint(f, r, p);
                assertThat(turn).as("%s: %s reaches %s outside its group %s via %s", name, r.address(), p.peer(),
                        mine, p.via()).isNotNull();
                assertThat(turn.type()).as("%s: %s reaches %s outside its group, turning at %s", name, r.address(),
                        p.peer(), turn.address()).isEqualTo(PortType.DOWNSTREAM_PORT);
                assertThat(rules.enabled(turn, AcsFlag.RR.bit())).isFalse();
                assertThat(warned).as("%s: the port %s is warned", name, turn.address()).contains(turn.address());
                assertThat(below(f, turn, p.peer())).isFalse();
                count("across a downstream port without RR (the kernel's gap)");
            }
        }
    }

    /** The highest bridge on the route that is above the requester: where the request turns down again. */
    private static PciFunction turningPoint(Fabric f, PciFunction r, PeerPath p) {
        PciFunction turn = null;
        for (PciAddress v : p.via()) {
            PciFunction b = f.function(v).orElseThrow();
            if (below(f, b, r.address())) {
                turn = b;
            }
        }
        return turn;
    }

    private static boolean below(Fabric f, PciFunction bridge, PciAddress a) {
        if (!bridge.isBridge() || bridge.address().domain() != a.domain()) {
            return false;
        }
        return a.bus() >= bridge.secondaryBus() && a.bus() <= bridge.subordinateBus();
    }

    private static void count(String k) {
        synchronized (CASES) {
            CASES.merge(k, 1, Integer::sum);
        }
    }

    @AfterAll
    static void bothKindsOfReachWereExercised() {
        if (CASES.isEmpty()) {
            return;
        }
        assertThat(CASES).as("reaches: %s", CASES).containsKeys("in the requester's group",
                "across a downstream port without RR (the kernel's gap)");
    }

    static String listing(String host) {
        try (InputStream in = PeerIsolationTest.class.getResourceAsStream("/hosts/" + host + "/lspci.txt")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
