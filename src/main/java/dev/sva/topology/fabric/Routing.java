package dev.sva.topology.fabric;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * PCIe routing of a DMA without the IOMMU (TOPOLOGY.md; issue 9 "Routing follows the fabric"): which peer BARs a
 * request reaches before it gets to the root complex, where the IOMMU would translate it.
 *
 * <p>The model, in the order a request meets the fabric, with the ACS flag of {@code pci_device_group()}'s
 * {@code REQ_ACS_FLAGS} that closes each way:
 * <ol>
 * <li>Functions of one multifunction slot reach each other internally when neither passes
 *     {@code pci_acs_enabled(·, RR)} (the symmetric rule of {@code get_pci_function_alias_group}).</li>
 * <li>A conventional PCI bus segment (the secondary bus of a PCI or PCIe-to-PCI bridge) is shared: every function
 *     on it sees the request, and a bridge on it forwards the addresses of its window downstream (no ACS at all).</li>
 * <li>A switch's downstream port without Request Redirect (RR) routes the request by address: to a function on the
 *     switch's internal bus or to a sibling port whose window — modelled as the BARs below it — holds the address
 *     (PCIe r6.0 6.12.1.1). With RR it redirects the request to the upstream port. Either way a request whose address
 *     is outside the switch goes on upstream, where the next switch routes it again: one port with RR closes peer-to-
 *     peer at its own switch only, which is why {@code pci_acs_path_enabled()} checks every bridge to the root.</li>
 * <li>A root or downstream port without Upstream Forwarding (UF) sends a request that came up from below with an
 *     address in its own window (redirected by a port or a function below it) back down: everything below the port
 *     is reachable. With UF it forwards such a request upstream.</li>
 * <li>Upstream ports and PCI-to-PCIe bridges pass the request to their primary bus.</li>
 * <li>A root port: with RR the request goes to the root complex. Without RR we decide conservatively in the sense
 *     of the kernel's groups: it reaches only below the other root ports of its own multifunction slot that also
 *     lack RR. Whether a root complex routes between root ports is implementation-specific (PCIe r6.0 1.3.1);
 *     {@code pci_device_group()} isolates root ports of different slots, and so do we. The root bus is inside
 *     the root complex, never a shared segment.</li>
 * </ol>
 * Every way but the third's sibling route is closed by a flag the derivation requires on the requester's path, so its
 * peers are in the requester's group; a downstream port without RR is the kernel's own gap (warned
 * {@code PEER_TO_PEER_ACROSS_GROUPS}, see docs/topology.md). Every answer is in routing order; {@link #route} takes
 * the first BAR holding the address.
 *
 * <p>Cost: a {@link Table} computes each bus's and each bridge's reachable set once and hands every requester the
 * concatenation of the few sets on its path, so routing a whole fabric costs O(functions × depth + answer size), not
 * a subtree walk per requester. A table is not thread-safe; it is built for one fabric and thrown away.
 */
public final class Routing {

    private Routing() {
    }

    /** Every peer BAR a DMA from {@code requester} can reach without the IOMMU, in routing order. */
    public static List<PeerPath> reachablePeers(Fabric f, PciAddress requester) {
        return table(f).reachablePeers(requester);
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

    /** A routing table over one fabric: answers many requesters, sharing the per-bus and per-bridge work. */
    public static Table table(Fabric f) {
        return new Table(f);
    }

    /** Receives each reachable function once per requester, with the bridges it is reached through. */
    interface Sink {
        void reach(PciFunction peer, List<PciAddress> up, List<PciAddress> down);
    }

    /** One function reachable from a bus or a bridge, with the bridges below the turning point that lead to it. */
    private record Entry(PciFunction peer, PciFunction branch, List<PciAddress> down) {
    }

    /** See {@link Routing}. */
    public static final class Table {
        private final Fabric f;
        private final AcsRules rules;
        /** busKey → everything on the bus and below its bridges, each with the function on the bus it hangs off. */
        private final Map<Integer, List<Entry>> busMemo = new HashMap<>();
        /** bridge → everything below it. */
        private final Map<PciAddress, List<Entry>> subtreeMemo = new HashMap<>();

        private Table(Fabric f) {
            this.f = f;
            this.rules = new AcsRules(f);
        }

        /** Every peer BAR a DMA from {@code requester} can reach without the IOMMU, in routing order. */
        public List<PeerPath> reachablePeers(PciAddress requester) {
            List<PeerPath> out = new ArrayList<>();
            walk(requester, (t, up, down) -> {
                List<PciAddress> via;
                if (down.isEmpty()) {
                    via = up;
                } else {
                    via = new ArrayList<>(up.size() + down.size());
                    via.addAll(up);
                    via.addAll(down);
                }
                for (Bar b : t.bars()) {
                    out.add(new PeerPath(t.address(), b.index(), via));
                }
            });
            return out;
        }

        /** The functions (not BARs) a DMA from {@code requester} reaches, each once, in routing order. */
        public List<PciFunction> reachableFunctions(PciAddress requester) {
            List<PciFunction> out = new ArrayList<>();
            walk(requester, (t, up, down) -> out.add(t));
            return out;
        }

        private void walk(PciAddress requesterAddress, Sink sink) {
            PciFunction r = f.function(requesterAddress).orElseThrow(() -> new FabricException(
                    requesterAddress.toString(), "bdf", "no such function"));
            Set<PciAddress> seen = new HashSet<>();
            seen.add(r.address());
            Sink once = (t, up, down) -> {
                if (seen.add(t.address())) {
                    sink.reach(t, up, down);
                }
            };
            int rr = AcsFlag.RR.bit();
            int uf = AcsFlag.UF.bit();
            // 1. Inside a multifunction device.
            if (f.isMultifunction(r) && !rules.enabled(r, rr)) {
                slotPeers(r, List.of(), once);
            }
            // 2..6. Up the buses.
            List<PciAddress> up = List.of();
            PciFunction from = r;
            int bus = r.address().busKey();
            for (int guard = 0; guard <= 512 && !f.isRootBus(bus); guard++) {
                PciFunction self = f.busSelf(bus);
                if (self == null) {
                    bus = f.parentBus(bus); // a virtual bus of VFs: transparent, its requests leave through the PF's link
                    continue;
                }
                if (self.type() == PortType.PCI_BRIDGE || self.type() == PortType.PCIE_TO_PCI_BRIDGE) {
                    for (Entry e : bus(bus)) { // a shared conventional segment
                        if (e.branch() != from) {
                            once.reach(e.peer(), up, e.down());
                        }
                    }
                }
                up = append(up, self.address());
                if (self.type() == PortType.DOWNSTREAM_PORT || self.type() == PortType.ROOT_PORT) {
                    if (!rules.enabled(self, uf)) {
                        for (Entry e : subtree(self)) { // a redirected request routed back down its own link
                            once.reach(e.peer(), up, e.down());
                        }
                    }
                }
                if (self.type() == PortType.DOWNSTREAM_PORT && !rules.enabled(self, rr)) {
                    for (Entry e : bus(self.address().busKey())) { // the switch routes by address: the kernel's gap
                        if (e.branch() != self) {
                            once.reach(e.peer(), up, e.down());
                        }
                    }
                }
                if (self.type() == PortType.ROOT_PORT) {
                    if (!rules.enabled(self, rr) && f.isMultifunction(self)) {
                        slotPeers(self, up, once);
                    }
                    return; // the root complex: the IOMMU translates from here on
                }
                from = self;
                bus = self.address().busKey();
            }
        }

        /** The other functions of {@code x}'s slot that also fail RR, and everything below those that are bridges. */
        private void slotPeers(PciFunction x, List<PciAddress> up, Sink sink) {
            int rr = AcsFlag.RR.bit();
            for (PciFunction t : f.onBus(x.address().busKey())) {
                if (t != x && t.address().device() == x.address().device() && !t.virtualFunction()
                        && !rules.enabled(t, rr)) {
                    sink.reach(t, up, List.of());
                    if (t.isBridge()) {
                        for (Entry e : subtree(t)) {
                            sink.reach(e.peer(), up, prepend(t.address(), e.down()));
                        }
                    }
                }
            }
        }

        /** Everything on a bus and below its bridges (a bridge's window is the BARs below it), computed once. */
        private List<Entry> bus(int busKey) {
            List<Entry> memo = busMemo.get(busKey);
            if (memo != null) {
                return memo;
            }
            List<Entry> out = new ArrayList<>();
            for (PciFunction t : f.onBus(busKey)) {
                out.add(new Entry(t, t, List.of()));
                if (t.isBridge()) {
                    for (Entry e : subtree(t)) {
                        out.add(new Entry(e.peer(), t, prepend(t.address(), e.down())));
                    }
                }
            }
            busMemo.put(busKey, out);
            return out;
        }

        /**
         * Everything below a bridge, computed once per bridge from its children's answers; iterative over the bus
         * range so that hostile nesting cannot overflow the stack (bridges deeper first, then their parents).
         */
        private List<Entry> subtree(PciFunction bridge) {
            List<Entry> memo = subtreeMemo.get(bridge.address());
            if (memo != null) {
                return memo;
            }
            // Resolve the bridges below first, deepest first, so every child answer is memoised when it is needed.
            List<PciFunction> order = new ArrayList<>();
            List<PciFunction> stack = new ArrayList<>();
            stack.add(bridge);
            while (!stack.isEmpty()) {
                PciFunction b = stack.remove(stack.size() - 1);
                order.add(b);
                for (PciFunction t : f.onBus(secondaryKey(b))) {
                    if (t.isBridge() && !subtreeMemo.containsKey(t.address())) {
                        stack.add(t);
                    }
                }
            }
            for (int i = order.size() - 1; i >= 0; i--) {
                PciFunction b = order.get(i);
                if (subtreeMemo.containsKey(b.address())) {
                    continue;
                }
                int sec = secondaryKey(b);
                List<Entry> out = new ArrayList<>();
                for (PciFunction t : f.onBus(sec)) {
                    out.add(new Entry(t, b, List.of()));
                    if (t.isBridge()) {
                        List<PciAddress> via = List.of(t.address());
                        for (Entry e : subtreeMemo.get(t.address())) {
                            out.add(new Entry(e.peer(), b, e.down().isEmpty() ? via : prepend(t.address(), e.down())));
                        }
                    }
                }
                // VFs on virtual buses below this bridge's range hang off a PF on its secondary bus.
                for (int vb = b.secondaryBus() + 1; vb <= b.subordinateBus(); vb++) {
                    int key = (b.address().domain() << 8) | vb;
                    if (f.busSelf(key) == null && !f.isRootBus(key) && f.parentBus(key) == sec) {
                        for (PciFunction t : f.onBus(key)) {
                            out.add(new Entry(t, b, List.of()));
                        }
                    }
                }
                subtreeMemo.put(b.address(), out);
            }
            return subtreeMemo.get(bridge.address());
        }

        private static int secondaryKey(PciFunction b) {
            return (b.address().domain() << 8) | b.secondaryBus();
        }
    }

    private static List<PciAddress> append(List<PciAddress> l, PciAddress a) {
        List<PciAddress> n = new ArrayList<>(l.size() + 1);
        n.addAll(l);
        n.add(a);
        return n;
    }

    private static List<PciAddress> prepend(PciAddress a, List<PciAddress> l) {
        List<PciAddress> n = new ArrayList<>(l.size() + 1);
        n.add(a);
        n.addAll(l);
        return n;
    }
}
