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

    /**
     * Two switches: the lower port has RR, the upper one does not. RR at 04:00.0 closes peer-to-peer at the lower
     * switch only; the redirected request leaves it and the upper switch routes it again, to its sibling port's window.
     */
    @Test
    void aRequestRedirectedUpstreamIsRoutedAgainByTheNextSwitchUp() {
        Fabric f = fabric(acs(rp("00:01.0", 1, 6)), up("01:00.0", 2, 6),
                acs(dp("02:00.0", 3, 5), "SV RR CR UF", "SV CR UF"), acs(dp("02:01.0", 6, 6)),
                up("03:00.0", 4, 5), acs(dp("04:00.0", 5, 5)), bar(ep("05:00.0"), 0, 0xa000_0000L, 0x1000),
                bar(ep("06:00.0"), 0, 0xb000_0000L, 0x1000));
        assertThat(peers(f, "05:00.0")).containsExactly(a("06:00.0"));
        assertThat(Routing.route(f, a("05:00.0"), 0xb000_0000L).orElseThrow().via())
                .containsExactly(a("04:00.0"), a("03:00.0"), a("02:00.0"), a("02:01.0"));
    }

    /**
     * A port without Upstream Forwarding sends a request that came up from below with an address in its own window
     * back down: function 01:00.0 redirects (its own ACS has RR), the root port returns the request to 01:00.1.
     */
    @Test
    void aPortWithoutUpstreamForwardingSendsARedirectedRequestBackDown() {
        Fabric noUf = fabric(acs(rp("00:01.0", 1, 1), "SV RR CR UF", "SV RR CR"),
                bar(acs(ep("01:00.0")), 0, 0xa000_0000L, 0x1000), bar(ep("01:00.1"), 0, 0xa000_1000L, 0x1000));
        assertThat(peers(noUf, "01:00.0")).containsExactly(a("01:00.1"));
        Fabric uf = fabric(acs(rp("00:01.0", 1, 1)),
                bar(acs(ep("01:00.0")), 0, 0xa000_0000L, 0x1000), bar(ep("01:00.1"), 0, 0xa000_1000L, 0x1000));
        assertThat(peers(uf, "01:00.0")).isEmpty();
        // The kernel groups them for the same reason: UF is one of pci_device_group()'s REQ_ACS_FLAGS on the path.
        assertThat(Fx.derive(noUf.functions().toArray(PciFunction[]::new)).groupOf(a("01:00.0")).orElseThrow()
                .members()).contains(a("01:00.1"));
    }
}
