package dev.sva.topology;

import dev.sva.bond.Bond;
import dev.sva.bond.BondService;
import dev.sva.core.RevokeReason;
import dev.sva.core.StateChange;
import dev.sva.device.Bar;
import dev.sva.device.Bdf;
import dev.sva.device.Device;
import dev.sva.device.DeviceService;
import dev.sva.device.GroupService;
import dev.sva.device.IommuGroup;
import dev.sva.event.EventLog;
import dev.sva.event.EventType;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import dev.sva.policy.Isolation;
import dev.sva.policy.SvaProperties;
import dev.sva.topology.TopologyViews.DivergenceView;
import dev.sva.topology.TopologyViews.EnforcedGroup;
import dev.sva.topology.TopologyViews.GroupMember;
import dev.sva.topology.TopologyViews.IsolationReason;
import dev.sva.topology.TopologyViews.Regrouped;
import dev.sva.topology.TopologyViews.RevokedBond;
import dev.sva.topology.TopologyViews.TopologyChanges;
import dev.sva.topology.TopologyViews.TopologyImportResult;
import dev.sva.topology.TopologyViews.TopologyWarning;
import dev.sva.topology.fabric.DerivedGroup;
import dev.sva.topology.fabric.Fabric;
import dev.sva.topology.fabric.PasidPath;
import dev.sva.topology.fabric.PasidPaths;
import dev.sva.topology.fabric.PciAddress;
import dev.sva.topology.fabric.PciFunction;
import dev.sva.topology.fabric.Routing;
import dev.sva.topology.fabric.Warning;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.interceptor.TransactionAspectSupport;

/**
 * Imports a host's topology into its node (TOPOLOGY.md "Reconciling a node with a new topology"). The whole import runs
 * under the node's lock in one transaction, and every change goes through the device, group and bond services, so a
 * plug, an unplug, a revocation or a detach records the same events and feeds the engine the same way as when a
 * client asks for it by hand.
 */
@Service
public class TopologyService {

    private final NodeService nodes;
    private final DeviceService devices;
    private final GroupService groups;
    private final BondService bonds;
    private final EventLog events;
    private final TopologyStore store;
    private final SvaProperties properties;

    TopologyService(NodeService nodes, DeviceService devices, GroupService groups, BondService bonds, EventLog events,
                    TopologyStore store, SvaProperties properties) {
        this.nodes = nodes;
        this.devices = devices;
        this.groups = groups;
        this.bonds = bonds;
        this.events = events;
        this.store = store;
        this.properties = properties;
    }

    /**
     * Reconciles the node with {@code analysis}: functions that appear are plugged into their group (rules 5, 6),
     * those that disappear are unplugged, groups whose membership changed otherwise are re-formed (detached, bonds
     * revoked with {@code TOPOLOGY_CHANGED}, {@code GROUP_REFORMED}), unchanged groups keep their ids. A dry run
     * answers the same plan and writes nothing; so does a re-import of an unchanged host (no event either).
     */
    @Transactional
    public TopologyImportResult importTopology(String nodeName, Analysis analysis, boolean dryRun) {
        Node node = nodes.lock(nodeName);
        Fabric fabric = analysis.fabric();
        Optional<TopologyStore.Stored> stored = store.load(node.id());
        List<Device> current = devices.ofNode(node);
        Map<Long, IommuGroup> groupsById = new LinkedHashMap<>();
        groups.ofNode(node).forEach(g -> groupsById.put(g.id(), g));
        Reconciliation.Plan plan = Reconciliation.plan(rows(current), List.copyOf(groupsById.keySet()), analysis.groups());
        Map<PciAddress, Device> byBdf = new HashMap<>();
        current.forEach(d -> byBdf.put(PciAddress.parse(d.bdf()), d));
        List<RevokedBond> revoked = revocations(plan, byBdf);

        boolean unchanged = node.topologyManaged() && stored.isPresent()
                && stored.get().functions().equals(fabric.functions())
                && Analysis.normalise(stored.get().hostGroups()).equals(analysis.hostGroups())
                && !plan.changesGroups()
                && byBdf.entrySet().stream().allMatch(e -> fabric.function(e.getKey()).isEmpty() || matches(e.getValue(), fabric, e.getKey()));
        if (dryRun || unchanged) {
            if (dryRun) {
                TransactionAspectSupport.currentTransactionStatus().setRollbackOnly();
            }
            return result(node, !dryRun, analysis, plan, revoked, byBdf, idsOfKept(plan), List.of());
        }
        // whose each device was before: a group that a change fills from several tenants' groups is released (rule 22)
        Map<PciAddress, String> tenantOfBdf = new HashMap<>();
        byBdf.forEach((a, d) -> {
            String t = groupsById.get(d.groupId()).tenant();
            if (t != null) {
                tenantOfBdf.put(a, t);
            }
        });
        // The import's events are written in one batch at its end (EventLog.batched): one seq allocation instead of
        // a flush of the persistence context per event, which made importing thousands of devices quadratic.
        List<Warning> warnings = new ArrayList<>();
        Map<Long, String> groupIdOfTarget = new HashMap<>();
        events.batched(node, () -> {
            // 1. re-formed groups lose their bonds and their container first (TOPOLOGY.md)
            for (Map.Entry<Long, List<PciAddress>> e : plan.reformed().entrySet()) {
                List<Long> members = current.stream().filter(d -> d.groupId() == e.getKey()).map(Device::id).toList();
                bonds.revokeOnDevices(node, members, RevokeReason.TOPOLOGY_CHANGED);
                groups.detach(node, groupsById.get(e.getKey()));
            }
            // 2. hot-unplug what the host no longer has
            for (Reconciliation.Current c : plan.unplugged()) {
                devices.unplug(node, byBdf.remove(c.bdf()));
            }
            // 3. every enforced group: kept or new; moved devices, plugged ones, and what the host says of the rest.
            // Members are tracked here so that plugging needs no query per device; only devices that were there
            // before this import can hold bonds.
            Map<Long, List<Device>> membersOf = new HashMap<>();
            java.util.Set<Long> holdsEarlierDevices = new java.util.HashSet<>();
            for (Device d : byBdf.values()) {
                membersOf.computeIfAbsent(d.groupId(), k -> new ArrayList<>()).add(d);
                holdsEarlierDevices.add(d.groupId());
            }
            Map<PciAddress, Long> groupOfBdf = new HashMap<>();
            for (int t = 0; t < plan.targets().size(); t++) {
                Reconciliation.Target target = plan.targets().get(t);
                IommuGroup group = target.keptGroupId() != null ? groupsById.get(target.keptGroupId()) : devices.newGroup(node);
                groupIdOfTarget.put((long) t, group.publicId());
                for (PciAddress a : target.members()) {
                    groupOfBdf.put(a, group.id());
                    Device d = byBdf.get(a);
                    if (d == null) {
                        continue;
                    }
                    if (report(d, fabric, a)) {
                        devices.reported(node, d);
                    }
                    if (d.groupId() != group.id()) {
                        membersOf.getOrDefault(d.groupId(), new ArrayList<>()).remove(d);
                        devices.move(node, d, group);
                        membersOf.computeIfAbsent(group.id(), k -> new ArrayList<>()).add(d);
                        holdsEarlierDevices.add(group.id());
                    }
                }
                for (PciAddress a : target.plugged()) {
                    PciFunction f = fabric.function(a).orElseThrow();
                    Device fresh = new Device(node.id(), group.id(), Bdf.parse(a.toString()), f.driver(), f.pasidBits(), f.pri(),
                            f.ats(), bars(f));
                    report(fresh, fabric, a);
                    if (group.isAttached() && fresh.hasHostDriver()) {
                        // the host says so; VFIO would now see the group as not viable (vfio_group_has_device)
                        warnings.add(new Warning("GROUP_NOT_VIABLE", a, "plugged with host driver " + fresh.driver()
                                + " into group " + group.publicId() + ", which is attached to a container"));
                    }
                    List<Device> members = membersOf.computeIfAbsent(group.id(), k -> new ArrayList<>());
                    Device plugged = devices.plugInto(node, group, fresh, List.copyOf(members),
                            holdsEarlierDevices.contains(group.id()));
                    members.add(plugged);
                    byBdf.put(a, plugged);
                }
                Set<String> formerTenants = new TreeSet<>();
                if (group.tenant() != null) {
                    formerTenants.add(group.tenant());
                }
                target.members().stream().map(tenantOfBdf::get).filter(Objects::nonNull).forEach(formerTenants::add);
                groups.settleAllocation(node, group, formerTenants, "topology import");
            }
            // 4. the re-formed and emptied groups go
            for (Map.Entry<Long, List<PciAddress>> e : plan.reformed().entrySet()) {
                IommuGroup old = groupsById.get(e.getKey());
                Map<String, Object> data = new LinkedHashMap<>();
                data.put("before", TopologyViews.bdfs(e.getValue()));
                data.put("groups", e.getValue().stream().map(a -> groupOfBdf.get(a)).filter(g -> g != null).distinct()
                        .map(dev.sva.core.Ids.GROUP::format).toList());
                data.put("reason", RevokeReason.TOPOLOGY_CHANGED.name());
                events.record(node, old.tenant(), EventType.GROUP_REFORMED, "group", old.publicId(), data);
                groups.removeEmpty(node, old);
            }
            for (long g : plan.emptied()) {
                groups.removeEmpty(node, groupsById.get(g));
            }
            // 5. the engine routes peer-to-peer as the fabric does
            for (PeerRoute r : routes(fabric, byBdf)) {
                events.record(node, new StateChange.PeerRoutes(r.deviceId(), r.peers(), r.bars()));
            }
            store.save(node.id(), analysis.source(), fabric.functions(), analysis.hostGroups(), analysis.inputWarnings());
            nodes.manageTopology(node);
            Map<String, Object> data = new LinkedHashMap<>();
            data.put("functions", fabric.functions().size());
            data.put("groups", plan.targets().size());
            data.put("plugged", plan.targets().stream().mapToInt(t -> t.plugged().size()).sum());
            data.put("unplugged", plan.unplugged().size());
            data.put("regrouped", plan.reformed().keySet().stream().map(dev.sva.core.Ids.GROUP::format).toList());
            data.put("revokedBonds", revoked.size());
            data.put("divergences", analysis.enforced().divergences().size());
            events.record(node, EventType.TOPOLOGY_IMPORTED, "node", node.name(), data);
            return null;
        });
        Map<Long, String> ids = new HashMap<>();
        groupIdOfTarget.forEach(ids::put);
        return result(node, true, analysis, plan, revoked, byBdf, ids, warnings);
    }

    /** A device's peer routes: the devices and BAR indexes its DMA reaches without the IOMMU. */
    record PeerRoute(long deviceId, long[] peers, int[] bars) {
    }

    /**
     * The routes of every device of a fabric ({@link Routing}), by device key. One routing table serves every device,
     * so the whole fabric costs O(functions × depth + routes), not a subtree walk per device.
     */
    static List<PeerRoute> routes(Fabric fabric, Map<PciAddress, Device> byBdf) {
        List<PeerRoute> out = new ArrayList<>(byBdf.size());
        Routing.Table table = Routing.table(fabric);
        for (Map.Entry<PciAddress, Device> e : byBdf.entrySet()) {
            if (fabric.function(e.getKey()).isEmpty()) {
                continue;
            }
            int n = 0;
            List<PciFunction> reached = table.reachableFunctions(e.getKey());
            for (PciFunction p : reached) {
                if (byBdf.containsKey(p.address())) {
                    n += p.bars().size();
                }
            }
            long[] peers = new long[n];
            int[] bars = new int[n];
            int i = 0;
            for (PciFunction p : reached) {
                Device peer = byBdf.get(p.address());
                if (peer == null) {
                    continue;
                }
                for (dev.sva.topology.fabric.Bar b : p.bars()) {
                    peers[i] = peer.id();
                    bars[i++] = b.index();
                }
            }
            out.add(new PeerRoute(e.getValue().id(), peers, bars));
        }
        return out;
    }

    private static boolean matches(Device d, Fabric fabric, PciAddress a) {
        PciFunction f = fabric.function(a).orElseThrow();
        PasidPath path = PasidPaths.check(fabric, a);
        String blockedBy = path.isolated() || path.bridge() == null ? null : path.bridge().toString();
        String missing = blockedBy == null ? null : TopologyStore.flags(path.missing());
        return d.matches(f.driver(), f.pasidBits(), f.pri(), f.ats(), bars(f), f.isBridge(), blockedBy, missing);
    }

    /** Takes the host's word about a function into its device; true when anything changed. */
    static boolean report(Device d, Fabric fabric, PciAddress a) {
        PciFunction f = fabric.function(a).orElseThrow();
        PasidPath path = PasidPaths.check(fabric, a);
        String blockedBy = path.isolated() || path.bridge() == null ? null : path.bridge().toString();
        String missing = blockedBy == null ? null : TopologyStore.flags(path.missing());
        return d.reportedAs(f.driver(), f.pasidBits(), f.pri(), f.ats(), bars(f), f.isBridge(), blockedBy, missing);
    }

    private static List<Bar> bars(PciFunction f) {
        return f.bars().stream().map(b -> new Bar(b.index(), b.base(), b.size())).toList();
    }

    /** The bonds the plan ends and why, in the order the import revokes them. */
    public List<RevokedBond> revocations(Reconciliation.Plan plan, Map<PciAddress, Device> byBdf) {
        List<RevokedBond> out = new ArrayList<>();
        List<Long> reformed = byBdf.values().stream().filter(d -> plan.reformed().containsKey(d.groupId())).map(Device::id).toList();
        bonds.onDevices(reformed).forEach(b -> out.add(RevokedBond.of(b, RevokeReason.TOPOLOGY_CHANGED.name())));
        List<Long> unplugged = plan.unplugged().stream().map(Reconciliation.Current::deviceId)
                .filter(id -> !reformed.contains(id)).toList();
        bonds.onDevices(unplugged).forEach(b -> out.add(RevokedBond.of(b, RevokeReason.DEVICE_REMOVED.name())));
        if (properties.isolation() == Isolation.STRICT) {
            for (Reconciliation.Target t : plan.targets()) {
                if (t.keptGroupId() != null && !t.plugged().isEmpty()) {
                    List<Long> survivors = t.members().stream().map(byBdf::get).filter(d -> d != null).map(Device::id).toList();
                    for (Bond b : bonds.onDevices(survivors)) {
                        out.add(RevokedBond.of(b, RevokeReason.GROUP_NO_LONGER_SINGLETON.name()));
                    }
                }
            }
        }
        return out;
    }

    private static List<Reconciliation.Current> rows(List<Device> devices) {
        return devices.stream().map(d -> new Reconciliation.Current(d.id(), PciAddress.parse(d.bdf()), d.groupId())).toList();
    }

    private static Map<Long, String> idsOfKept(Reconciliation.Plan plan) {
        Map<Long, String> ids = new HashMap<>();
        for (int t = 0; t < plan.targets().size(); t++) {
            Long kept = plan.targets().get(t).keptGroupId();
            if (kept != null) {
                ids.put((long) t, dev.sva.core.Ids.GROUP.format(kept));
            }
        }
        return ids;
    }

    private static TopologyImportResult result(Node node, boolean applied, Analysis analysis, Reconciliation.Plan plan,
                                       List<RevokedBond> revoked, Map<PciAddress, Device> byBdf, Map<Long, String> groupIds,
                                       List<Warning> extra) {
        List<EnforcedGroup> views = new ArrayList<>();
        List<GroupMember> plugged = new ArrayList<>();
        Map<PciAddress, String> groupOf = new HashMap<>();
        for (int t = 0; t < plan.targets().size(); t++) {
            Reconciliation.Target target = plan.targets().get(t);
            DerivedGroup g = analysis.enforced().groups().get(t);
            String id = groupIds.get((long) t);
            List<GroupMember> refs = target.members().stream().map(a -> ref(a, byBdf)).toList();
            target.members().forEach(a -> groupOf.put(a, id));
            views.add(new EnforcedGroup(id, refs, g.reasons().stream().map(IsolationReason::of).toList()));
            target.plugged().forEach(a -> plugged.add(ref(a, byBdf)));
        }
        List<GroupMember> unplugged = plan.unplugged().stream()
                .map(c -> new GroupMember(dev.sva.core.Ids.DEVICE.format(c.deviceId()), c.bdf().toString())).toList();
        List<Regrouped> regrouped = new ArrayList<>();
        plan.reformed().forEach((g, before) -> {
            Map<String, List<String>> after = new LinkedHashMap<>();
            for (Reconciliation.Target t : plan.targets()) {
                if (before.stream().anyMatch(t.members()::contains)) {
                    after.put(t.members().get(0).toString(), TopologyViews.bdfs(t.members()));
                }
            }
            regrouped.add(new Regrouped(dev.sva.core.Ids.GROUP.format(g), TopologyViews.bdfs(before), List.copyOf(after.values())));
        });
        return new TopologyImportResult(node.name(), applied, views, new TopologyChanges(plugged, unplugged, regrouped, revoked),
                analysis.enforced().divergences().stream().map(DivergenceView::of).toList(),
                java.util.stream.Stream.concat(analysis.warnings().stream(), extra.stream()).map(TopologyWarning::of)
                        .collect(Collectors.toList()));
    }

    private static GroupMember ref(PciAddress a, Map<PciAddress, Device> byBdf) {
        Device d = byBdf.get(a);
        return new GroupMember(d == null ? null : d.publicId(), a.toString());
    }
}
