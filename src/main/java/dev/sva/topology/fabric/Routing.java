package dev.sva.topology.fabric;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * PCIe routing of a DMA without the IOMMU (TOPOLOGY.md; issue 9 "Routing follows the fabric"): which peer BARs a
 * request reaches before it gets to the root complex, where the IOMMU would translate it.
 *
 * <p>The model, in the order a request meets the fabric:
 * <ol>
 * <li>Functions of one multifunction slot reach each other internally when neither passes
 *     {@code pci_acs_enabled(·, RR)} (the symmetric rule of {@code get_pci_function_alias_group}).</li>
 * <li>A conventional PCI bus segment (the secondary bus of a PCI or PCIe-to-PCI bridge) is shared: every function
 *     on it sees the request, and a bridge on it forwards the addresses of its window downstream.</li>
 * <li>A switch's downstream port without Request Redirect routes the request by address: to a function on the
 *     switch's internal bus or to a sibling port whose window — modelled as the BARs below it — holds the address
 *     (PCIe r6.0 6.12.1.1). With RR it redirects upstream, and peer-to-peer never crosses that point.</li>
 * <li>Upstream ports and PCI-to-PCIe bridges pass the request to their primary bus.</li>
 * <li>A root port: with RR the request goes to the root complex. Without RR we decide conservatively in the sense
 *     of the kernel's groups: it reaches only below the other root ports of its own multifunction slot that also
 *     lack RR. Whether a root complex routes between root ports is implementation-specific (PCIe r6.0 1.3.1);
 *     {@code pci_device_group()} isolates root ports of different slots, and so do we. The root bus is inside
 *     the root complex, never a shared segment.</li>
 * </ol>
 * Every answer is in routing order; {@link #route} takes the first BAR holding the address.
 */
public final class Routing {

    private Routing() {
    }

    /** Every peer BAR a DMA from {@code requester} can reach without the IOMMU, in routing order. */
    public static List<PeerPath> reachablePeers(Fabric f, PciAddress requester) {
        PciFunction r = f.function(requester).orElseThrow(() -> new FabricException(requester.toString(), "bdf",
                "no such function"));
        return new Walk(f, r).run();
    }

    /** The peer BAR a DMA to {@code address} from {@code requester} lands in without the IOMMU, if any. */
    public static Optional<PeerPath> route(Fabric f, PciAddress requester, long address) {
        for (PeerPath p : reachablePeers(f, requester)) {
            PciFunction peer = f.function(p.peer()).orElseThrow();
            for (Bar b : peer.bars()) {
                if (b.index() == p.bar() && b.contains(address)) {
                    return Optional.of(p);
                }
            }
        }
        return Optional.empty();
    }

    private static final class Walk {
        private final Fabric f;
        private final PciFunction requester;
        private final AcsRules rules;
        private final List<PeerPath> out = new ArrayList<>();
        private final Set<PciAddress> seen = new HashSet<>();

        Walk(Fabric f, PciFunction requester) {
            this.f = f;
            this.requester = requester;
            this.rules = new AcsRules(f);
            seen.add(requester.address());
        }

        List<PeerPath> run() {
            int rr = AcsFlag.RR.bit();
            // 1. Inside a multifunction device.
            if (f.isMultifunction(requester) && !rules.enabled(requester, rr)) {
                for (PciFunction t : f.onBus(requester.address().busKey())) {
                    if (t != requester && t.address().device() == requester.address().device()
                            && !t.virtualFunction() && !rules.enabled(t, rr)) {
                        reach(t, List.of());
                        if (t.isBridge()) {
                            below(t, List.of(t.address()));
                        }
                    }
                }
            }
            // 2..5. Up the buses.
            List<PciAddress> up = new ArrayList<>();
            PciFunction from = requester;
            int bus = requester.address().busKey();
            for (int guard = 0; guard <= 512; guard++) {
                if (f.isRootBus(bus)) {
                    break;
                }
                PciFunction self = f.busSelf(bus);
                if (self == null) {
                    bus = f.parentBus(bus); // a virtual bus of VFs: transparent, its requests leave through the PF's link
                    continue;
                }
                if (isConventionalSegment(self)) {
                    for (PciFunction t : f.onBus(bus)) {
                        if (t != from && t != requester) {
                            reach(t, up);
                            if (t.isBridge()) {
                                below(t, append(up, t.address()));
                            }
                        }
                    }
                }
                up = append(up, self.address());
                switch (self.type()) {
                    case DOWNSTREAM_PORT -> {
                        if (rules.enabled(self, rr)) {
                            return out; // Request Redirect: upstream to the root complex, no peer-to-peer from here
                        }
                        for (PciFunction t : f.onBus(self.address().busKey())) {
                            if (t == self) {
                                continue;
                            }
                            reach(t, up);
                            if (t.isBridge()) {
                                below(t, append(up, t.address()));
                            }
                        }
                    }
                    case ROOT_PORT -> {
                        if (rules.enabled(self, rr)) {
                            return out;
                        }
                        if (f.isMultifunction(self)) {
                            for (PciFunction t : f.onBus(self.address().busKey())) {
                                if (t != self && t.address().device() == self.address().device()
                                        && !rules.enabled(t, rr)) {
                                    reach(t, up);
                                    if (t.isBridge()) {
                                        below(t, append(up, t.address()));
                                    }
                                }
                            }
                        }
                        return out; // the root complex: no peer-to-peer between slots
                    }
                    default -> {
                        // upstream ports, PCI-to-PCIe, PCIe-to-PCI and PCI bridges forward to their primary bus
                    }
                }
                from = self;
                bus = self.address().busKey();
            }
            return out;
        }

        /** A bus whose bridge has a conventional PCI secondary interface: a shared segment. */
        private static boolean isConventionalSegment(PciFunction self) {
            return self.type() == PortType.PCI_BRIDGE || self.type() == PortType.PCIE_TO_PCI_BRIDGE;
        }

        private void reach(PciFunction t, List<PciAddress> via) {
            if (t == requester || !seen.add(t.address())) {
                return;
            }
            for (Bar b : t.bars()) {
                out.add(new PeerPath(t.address(), b.index(), via));
            }
        }

        /** Everything below a bridge: its window is the BARs below it. Iterative over the bus range. */
        private void below(PciFunction bridge, List<PciAddress> via) {
            List<PciFunction> stack = new ArrayList<>();
            List<List<PciAddress>> vias = new ArrayList<>();
            stack.add(bridge);
            vias.add(via);
            while (!stack.isEmpty()) {
                PciFunction b = stack.remove(stack.size() - 1);
                List<PciAddress> v = vias.remove(vias.size() - 1);
                int sec = (b.address().domain() << 8) | b.secondaryBus();
                for (PciFunction t : f.onBus(sec)) {
                    reach(t, v);
                    if (t.isBridge()) {
                        stack.add(t);
                        vias.add(append(v, t.address()));
                    }
                }
                // VFs on virtual buses below this bridge's range hang off a PF on one of its buses.
                for (int vb = b.secondaryBus() + 1; vb <= b.subordinateBus(); vb++) {
                    int key = (b.address().domain() << 8) | vb;
                    if (f.busSelf(key) == null && !f.isRootBus(key) && f.parentBus(key) == sec) {
                        for (PciFunction t : f.onBus(key)) {
                            reach(t, v);
                        }
                    }
                }
            }
        }

        private static List<PciAddress> append(List<PciAddress> l, PciAddress a) {
            List<PciAddress> n = new ArrayList<>(l.size() + 1);
            n.addAll(l);
            n.add(a);
            return n;
        }
    }
}
