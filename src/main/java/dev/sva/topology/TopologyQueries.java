package dev.sva.topology;

import dev.sva.core.Address;
import dev.sva.core.Problems;
import dev.sva.device.Bar;
import dev.sva.device.Device;
import dev.sva.device.DeviceService;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import dev.sva.topology.TopologyViews.IsolationReason;
import dev.sva.topology.fabric.DerivedGroup;
import dev.sva.topology.fabric.Fabric;
import dev.sva.topology.fabric.PasidPath;
import dev.sva.topology.fabric.PasidPaths;
import dev.sva.topology.fabric.PciAddress;
import dev.sva.topology.fabric.PciFunction;
import dev.sva.topology.fabric.PeerPath;
import dev.sva.topology.fabric.Routing;
import io.swagger.v3.oas.annotations.media.Schema;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Reads of a node's topology: the fabric as a tree, and why a device is not alone in its group. */
@Service
class TopologyQueries {

    private final NodeService nodes;
    private final DeviceService devices;
    private final TopologyStore store;

    TopologyQueries(NodeService nodes, DeviceService devices, TopologyStore store) {
        this.nodes = nodes;
        this.devices = devices;
        this.store = store;
    }

    record AcsView(List<String> cap, List<String> ctl) {
    }

    record FunctionBarView(int index, String base, long size) {
    }

    @Schema(description = "One function as the host reported it, with its group and control-plane device (null when "
            + "the host gives it no group, such as the IOMMU's own function)")
    record PciFunctionView(String bdf, @Schema(nullable = true) String vendorId, @Schema(nullable = true) String deviceId,
                        @Schema(nullable = true) String subsystemVendorId, @Schema(nullable = true) String subsystemDeviceId,
                        String type, @Schema(nullable = true) Boolean multifunction, @Schema(nullable = true) Integer secondaryBus,
                        @Schema(nullable = true) Integer subordinateBus, @Schema(nullable = true) AcsView acs, boolean acsUnknown,
                        List<String> dmaAliases, List<FunctionBarView> bars, int pasidBits, boolean pri, boolean ats,
                        @Schema(nullable = true) String driver, boolean virtualFunction, @Schema(nullable = true) String className,
                        @Schema(nullable = true) String groupId, @Schema(nullable = true) String device) {
    }

    @Schema(description = "A bus: the bridge above it and the bus that bridge sits on (null for a root bus), its "
            + "functions, and the buses below its bridges, by name (each listed in the tree's buses)")
    record PciBus(@Schema(example = "0000:01") String bus, @Schema(nullable = true) String bridge,
                   @Schema(nullable = true, example = "0000:00") String parent, List<PciFunctionView> functions,
                   @Schema(example = "[\"0000:02\"]") List<String> buses) {
    }

    @Schema(description = "The fabric as a tree: the root buses by name, and every bus (depth first from the roots) with "
            + "its functions and the names of the buses below it. Flat, so that a chain of 256 bridges reads back whole. "
            + "divergences and warnings are those of the last import that changed the node: every group on which the "
            + "host's report and the derivation disagree, and every warning (about the input text, the derivation and "
            + "the host's report)")
    record TopologyTree(String node, @Schema(allowableValues = {"LSPCI", "FUNCTIONS"}) String source, boolean hostReport,
                    int functionCount, List<String> roots, List<PciBus> buses,
                    List<TopologyViews.DivergenceView> divergences, List<TopologyViews.TopologyWarning> warnings) {
    }

    record PasidPathView(boolean isolated, @Schema(nullable = true) String bridge, List<String> missing) {
    }

    record ReachablePeer(@Schema(nullable = true) String deviceId, String bdf, int bar, List<String> via) {
    }

    record DeviceIsolation(String groupId, List<TopologyViews.GroupMember> members, List<IsolationReason> reasons,
                         PasidPathView pasidPath, List<ReachablePeer> reachablePeers) {
    }

    /** The node's fabric as a tree (root buses → bridges → functions); {@code 404} when it has no topology. */
    @Transactional(readOnly = true)
    public TopologyTree tree(String nodeName) {
        Node node = nodes.get(nodeName);
        TopologyStore.Stored stored = store.load(node.id()).orElseThrow(() -> noTopology(node));
        // the last import's analysis, recomputed from what it stored: the same fabric and host report give the same
        // divergences and warnings; what it said about its input text is stored as it said it
        Analysis analysis = Analysis.of(stored.source(), stored.functions(), stored.hostGroups(), stored.inputWarnings());
        Fabric fabric = analysis.fabric();
        Map<String, Device> byBdf = new HashMap<>();
        devices.ofNode(node).forEach(d -> byBdf.put(d.bdf(), d));
        // bus key (domain << 8 | bus) → its functions, in BDF order
        TreeMap<Integer, List<PciFunction>> buses = new TreeMap<>();
        for (PciFunction f : fabric.functions()) {
            buses.computeIfAbsent(busKey(f.address().domain(), f.address().bus()), k -> new ArrayList<>()).add(f);
        }
        List<String> roots = new ArrayList<>();
        List<PciBus> views = new ArrayList<>();
        // depth first without recursion: a bus chain may be 256 bridges deep
        java.util.ArrayDeque<Object[]> stack = new java.util.ArrayDeque<>();
        for (Map.Entry<Integer, List<PciFunction>> e : buses.descendingMap().entrySet()) {
            if (fabric.bridgeAbove(e.getValue().get(0).address()).isEmpty()) {
                stack.push(new Object[]{e.getKey(), null});
            }
        }
        java.util.Set<Integer> done = new java.util.HashSet<>();
        while (!stack.isEmpty()) {
            Object[] top = stack.pop();
            int key = (Integer) top[0];
            PciFunction bridge = (PciFunction) top[1];
            if (!done.add(key)) {
                continue;
            }
            if (bridge == null) {
                roots.add(busName(key));
            }
            List<PciFunctionView> functions = new ArrayList<>();
            List<String> below = new ArrayList<>();
            List<Object[]> children = new ArrayList<>();
            for (PciFunction f : buses.get(key)) {
                functions.add(view(f, byBdf.get(f.address().toString())));
                if (f.isBridge() && f.secondaryBus() != null) {
                    int child = busKey(f.address().domain(), f.secondaryBus());
                    if (child != key && buses.containsKey(child) && !done.contains(child)) {
                        below.add(busName(child));
                        children.add(new Object[]{child, f});
                    }
                }
            }
            for (int i = children.size() - 1; i >= 0; i--) {
                stack.push(children.get(i));
            }
            views.add(new PciBus(busName(key), bridge == null ? null : bridge.address().toString(),
                    bridge == null ? null : busName(busKey(bridge.address().domain(), bridge.address().bus())), functions, below));
        }
        return new TopologyTree(node.name(), stored.source(), stored.hostReport(), stored.functions().size(), roots, views,
                analysis.enforced().divergences().stream().map(TopologyViews.DivergenceView::of).toList(),
                analysis.warnings().stream().map(TopologyViews.TopologyWarning::of).toList());
    }

    /**
     * Why a device is not alone: its group, each reason, whether its path allows PASID, and the peers its DMA reaches
     * without the IOMMU. On a node without a topology the group is the caller's declaration ({@code DECLARED}).
     */
    @Transactional(readOnly = true)
    public DeviceIsolation isolation(String deviceId) {
        Device device = devices.get(deviceId);
        Node node = nodes.byId(device.nodeId());
        List<Device> members = devices.inGroup(device.groupId());
        List<TopologyViews.GroupMember> refs = members.stream().map(d -> new TopologyViews.GroupMember(d.publicId(), d.bdf())).toList();
        String groupId = dev.sva.core.Ids.GROUP.format(device.groupId());
        var stored = store.load(node.id());
        if (stored.isEmpty()) {
            // the engine's rule for declared groups (DOMAIN step 0): every BAR of every other member
            List<ReachablePeer> peers = new ArrayList<>();
            for (Device m : members) {
                if (m.id() != device.id()) {
                    for (Bar b : m.bars()) {
                        peers.add(new ReachablePeer(m.publicId(), m.bdf(), b.index(), List.of()));
                    }
                }
            }
            List<IsolationReason> reasons = List.of(new IsolationReason("DECLARED", null, List.of(), members.size() > 1
                    ? "the group was declared by the caller (POST /devices with groupId); node " + node.name() + " has no topology"
                    : "the group was declared by the caller; node " + node.name() + " has no topology to derive it from"));
            return new DeviceIsolation(groupId, refs, reasons, new PasidPathView(true, null, List.of()), peers);
        }
        Analysis analysis = Analysis.of(stored.get().source(), stored.get().functions(), stored.get().hostGroups(), List.of());
        PciAddress self = PciAddress.parse(device.bdf());
        DerivedGroup group = analysis.enforced().groupOf(self).orElseThrow();
        PasidPath path = PasidPaths.check(analysis.fabric(), self);
        Map<String, Device> byBdf = new HashMap<>();
        devices.ofNode(node).forEach(d -> byBdf.put(d.bdf(), d));
        List<ReachablePeer> peers = new ArrayList<>();
        for (PeerPath p : Routing.reachablePeers(analysis.fabric(), self)) {
            Device peer = byBdf.get(p.peer().toString());
            peers.add(new ReachablePeer(peer == null ? null : peer.publicId(), p.peer().toString(), p.bar(), TopologyViews.bdfs(p.via())));
        }
        return new DeviceIsolation(groupId, refs, group.reasons().stream().map(IsolationReason::of).toList(),
                new PasidPathView(path.isolated(), path.bridge() == null ? null : path.bridge().toString(),
                        TopologyViews.flags(path.missing())), peers);
    }

    private static String busName(int key) {
        return String.format("%04x:%02x", key >>> 8, key & 0xff);
    }

    private static int busKey(int domain, int bus) {
        return domain << 8 | bus;
    }

    static PciFunctionView view(PciFunction f, Device device) {
        return new PciFunctionView(f.address().toString(), hex(f.vendorId()), hex(f.deviceId()), hex(f.subsystemVendorId()),
                hex(f.subsystemDeviceId()), f.type().name(), f.multifunction(), f.secondaryBus(), f.subordinateBus(),
                f.acs() == null ? null : new AcsView(TopologyViews.flags(f.acs().cap()), TopologyViews.flags(f.acs().ctl())),
                f.acsUnknown(), f.dmaAliases().stream().map(d -> String.format("%02x.%d", d >>> 3, d & 7)).toList(),
                f.bars().stream().map(b -> new FunctionBarView(b.index(), Address.format(b.base()), b.size())).toList(),
                f.pasidBits(), f.pri(), f.ats(), f.driver(), f.virtualFunction(), f.className(),
                device == null ? null : dev.sva.core.Ids.GROUP.format(device.groupId()), device == null ? null : device.publicId());
    }

    private static String hex(Integer id) {
        return id == null ? null : String.format("%04x", id);
    }

    static RuntimeException noTopology(Node node) {
        return Problems.notFound("topology", node.name()).with("node", node.name());
    }
}
