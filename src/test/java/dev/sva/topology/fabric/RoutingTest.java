package dev.sva.topology.fabric;

import static dev.sva.topology.fabric.Fx.a;
import static dev.sva.topology.fabric.Fx.acs;
import static dev.sva.topology.fabric.Fx.bar;
import static dev.sva.topology.fabric.Fx.bridge;
import static dev.sva.topology.fabric.Fx.dp;
import static dev.sva.topology.fabric.Fx.ep;
import static dev.sva.topology.fabric.Fx.fabric;
import static dev.sva.topology.fabric.Fx.fn;
import static dev.sva.topology.fabric.Fx.rp;
import static dev.sva.topology.fabric.Fx.up;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Peer-to-peer routing without the IOMMU follows the fabric. */
class RoutingTest {

    private static List<PciAddress> peers(Fabric f, String requester) {
        return Routing.reachablePeers(f, a(requester)).stream().map(PeerPath::peer).distinct().toList();
    }

    /** A switch below an isolated root port; port 02:01.0's ACS as given. */
    private static Fabric switchWith(PciFunction port1) {
        return fabric(acs(rp("00:01.0", 1, 4)), up("01:00.0", 2, 4), acs(dp("02:00.0", 3, 3)), port1,
                bar(ep("03:00.0"), 0, 0xa000_0000L, 0x100_0000L), bar(ep("04:00.0"), 0, 0xb000_0000L, 0x100_0000L));
    }

    @Test
    void aDownstreamPortWithoutRequestRedirectForwardsToASiblingsWindow() {
        Fabric f = switchWith(acs(dp("02:01.0", 4, 4), "SV RR CR UF", "SV CR UF"));
        assertThat(peers(f, "04:00.0")).containsExactly(a("03:00.0"));
        PeerPath p = Routing.route(f, a("04:00.0"), 0xa000_1000L).orElseThrow();
        assertThat(p.peer()).isEqualTo(a("03:00.0"));
        assertThat(p.via()).containsExactly(a("02:01.0"), a("02:00.0"));
        assertThat(Routing.route(f, a("04:00.0"), 0xc000_0000L)).isEmpty();
        // The sibling's own port has RR: its device cannot reach back.
        assertThat(peers(f, "03:00.0")).isEmpty();
    }

    @Test
    void requestRedirectStopsPeerToPeer() {
        Fabric f = switchWith(acs(dp("02:01.0", 4, 4)));
        assertThat(peers(f, "04:00.0")).isEmpty();
    }

    @Test
    void multifunctionSiblingsWithoutAcsReachEachOther() {
        Fabric f = fabric(acs(rp("00:01.0", 1, 1)), bar(ep("01:00.0"), 0, 0xa000_0000L, 0x1000),
                bar(ep("01:00.1"), 0, 0xa000_1000L, 0x1000), bar(acs(ep("01:00.2")), 0, 0xa000_2000L, 0x1000));
        assertThat(peers(f, "01:00.0")).containsExactly(a("01:00.1"));
        assertThat(peers(f, "01:00.2")).isEmpty();
    }

    @Test
    void aConventionalBusSegmentIsShared() {
        Fabric f = fabric(acs(rp("00:01.0", 1, 2)), bridge("01:00.0", PortType.PCIE_TO_PCI_BRIDGE, 2, 2),
                bar(fn("02:00.0", PortType.PCI), 0, 0xa000_0000L, 0x1000),
                bar(fn("02:01.0", PortType.PCI), 0, 0xa000_1000L, 0x1000));
        assertThat(peers(f, "02:00.0")).containsExactly(a("02:01.0"));
    }

    @Test
    void rootPortsReachOnlyWithinTheirMultifunctionSlot() {
        Fabric f = fabric(rp("00:1c.0", 1, 1), rp("00:1c.4", 2, 2), rp("00:03.0", 3, 3),
                bar(ep("01:00.0"), 0, 0xa000_0000L, 0x1000), bar(ep("02:00.0"), 0, 0xb000_0000L, 0x1000),
                bar(ep("03:00.0"), 0, 0xc000_0000L, 0x1000));
        assertThat(peers(f, "01:00.0")).containsExactly(a("02:00.0"));
        assertThat(peers(f, "03:00.0")).isEmpty();
    }

    @Test
    void aRequesterNeverReachesItself() {
        Fabric f = fabric(rp("00:1c.0", 1, 1), bar(ep("01:00.0"), 0, 0xa000_0000L, 0x1000));
        assertThat(Routing.route(f, a("01:00.0"), 0xa000_0000L)).isEmpty();
    }
}
