package dev.sva.device;

import dev.sva.core.Problems;
import dev.sva.core.RevokeReason;
import dev.sva.security.CurrentCaller;
import java.util.LinkedHashMap;
import java.util.Set;
import dev.sva.core.Ids;
import dev.sva.core.PageRequest;
import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.core.StateChange;
import dev.sva.event.EventLog;
import dev.sva.event.EventType;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** IOMMU groups: created empty (to hot-plug into) or with a device, removed only when empty. */
@Service
public class GroupService {

    /** The longest tenant name, as the {@code tenant} columns hold it. */
    public static final int TENANT_MAX = 128;

    /** A group with what a client asks of it: members, owner, whether it is a singleton and viable. */
    public record GroupState(IommuGroup group, String node, List<Device> devices, long bondCount) {
        public boolean singleton() {
            return devices.size() == 1;
        }

        /** No device bound to a host driver ({@code VFIO_GROUP_FLAGS_VIABLE}). */
        public boolean viable() {
            return devices.stream().noneMatch(Device::hasHostDriver);
        }
    }

    private final GroupRepository groups;
    private final DeviceRepository devices;
    private final NodeService nodes;
    private final DeviceBonds bonds;
    private final EventLog events;

    GroupService(GroupRepository groups, DeviceRepository devices, NodeService nodes, DeviceBonds bonds,
                 EventLog events) {
        this.groups = groups;
        this.devices = devices;
        this.nodes = nodes;
        this.bonds = bonds;
        this.events = events;
    }

    @Transactional
    public GroupState create(String nodeName) {
        Node node = nodes.lock(nodeName);
        DeviceService.requireDeclared(node, "a hand-made group");
        IommuGroup group = groups.save(new IommuGroup(node.id()));
        events.record(node, EventType.GROUP_CREATED, "group", group.publicId(), Map.of());
        return new GroupState(group, node.name(), List.of(), 0);
    }

    /**
     * Removes an empty group, detaching it from its container first; {@code 409 GROUP_BUSY} while it
     * has devices.
     */
    @Transactional
    public void remove(String id) {
        long key = Ids.GROUP.parse(id);
        Node node = nodes.lockOwnerOf(IommuGroup.class, key).orElseThrow(() -> Ids.GROUP.notFound(id));
        IommuGroup group = groups.findById(key).orElseThrow(() -> Ids.GROUP.notFound(id));
        long count = devices.countByGroupId(key);
        if (count > 0) {
            throw new ProblemException(ProblemType.GROUP_BUSY, "group " + id + " still has " + count + " device(s)")
                    .with("groupId", id)
                    .with("devices", devices.findByGroupIdOrderById(key).stream().map(Device::summary).toList());
        }
        removeEmpty(node, group);
    }

    /**
     * Detaches a group from its container ({@code GROUP_DETACHED}); no-op when not attached. The caller holds the
     * node's lock and has revoked the bonds the detach ends.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void detach(Node node, IommuGroup group) {
        if (group.isAttached()) {
            events.record(node, group.tenant(), EventType.GROUP_DETACHED, "group", group.publicId(),
                    Map.of("containerId", Ids.CONTAINER.format(group.containerId())),
                            new StateChange.GroupDetached(group.id()));
            group.detach();
        }
    }

    /** Removes a group that has no devices, detaching it first ({@code GROUP_REMOVED}); under the node's lock. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void removeEmpty(Node node, IommuGroup group) {
        detach(node, group);
        groups.delete(group);
        events.record(node, group.tenant(), EventType.GROUP_REMOVED, "group", group.publicId(), Map.of());
    }

    /**
     * Allocates a group, whole, to {@code tenant} ({@code GROUP_ALLOCATED}, rule 19); allocating it again to the
     * same tenant changes nothing. {@code 409 GROUP_BUSY} while it is allocated to another tenant, or attached
     * to a container, or its devices hold bonds: members in use cannot change hands.
     */
    @Transactional
    public GroupState allocate(String id, String tenant) {
        if (tenant == null || tenant.isBlank() || tenant.length() > TENANT_MAX || tenant.chars().anyMatch(Character::isISOControl)) {
            throw Problems.invalid("tenant", "must be 1 to " + TENANT_MAX + " characters, not blank, without control characters");
        }
        long key = Ids.GROUP.parse(id);
        Node node = nodes.lockOwnerOf(IommuGroup.class, key).orElseThrow(() -> Ids.GROUP.notFound(id));
        IommuGroup group = groups.findById(key).orElseThrow(() -> Ids.GROUP.notFound(id));
        if (tenant.equals(group.tenant())) {
            return states(List.of(group), node.name()).get(0);
        }
        if (group.isAllocated()) {
            throw new ProblemException(ProblemType.GROUP_BUSY, "group " + id + " is allocated to tenant " + group.tenant()
                    + "; release it first").with("groupId", id).with("tenant", group.tenant());
        }
        long bondCount = bonds.countOnDevices(memberIds(group));
        if (group.isAttached() || bondCount > 0) {
            throw inUse(group, bondCount, "allocated");
        }
        group.allocateTo(tenant);
        events.record(node, tenant, EventType.GROUP_ALLOCATED, "group", id, Map.of("tenant", tenant));
        return states(List.of(group), node.name()).get(0);
    }

    /**
     * Ends a group's allocation ({@code GROUP_RELEASED}); a group not allocated is left as it is. While it is
     * attached or its devices hold bonds, {@code 409 GROUP_BUSY} unless {@code force}, which revokes the bonds
     * ({@code GROUP_RELEASED}) and detaches it first, each with its event (rule 22).
     */
    @Transactional
    public void release(String id, boolean force) {
        long key = Ids.GROUP.parse(id);
        Node node = nodes.lockOwnerOf(IommuGroup.class, key).orElseThrow(() -> Ids.GROUP.notFound(id));
        IommuGroup group = groups.findById(key).orElseThrow(() -> Ids.GROUP.notFound(id));
        if (!group.isAllocated()) {
            return;
        }
        long bondCount = bonds.countOnDevices(memberIds(group));
        if (!force && (group.isAttached() || bondCount > 0)) {
            throw inUse(group, bondCount, "released (force=true detaches it and revokes the bonds)");
        }
        releaseNow(node, group, Map.of("reason", force ? "FORCED" : "RELEASED"));
    }

    /**
     * After a change of membership (a hot-plug, or a topology import that merged groups): {@code formerTenants}
     * are the tenants the group's members were allocated to before. One tenant: the group is (still) that
     * tenant's. Several: no member may stay with any of them, so the group is released, its bonds revoked and
     * an {@code ISOLATION_WARNING} per former tenant says why (rule 22). The caller holds the node's lock.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void settleAllocation(Node node, IommuGroup group, Set<String> formerTenants, String why) {
        if (formerTenants.size() == 1) {
            String tenant = formerTenants.iterator().next();
            if (!tenant.equals(group.tenant())) {
                // a kept group of no tenant changing hands: what its old holder had of it goes first (rule 20)
                List<Long> members = memberIds(group);
                if (group.isAttached() || bonds.countOnDevices(members) > 0) {
                    bonds.revokeOnDevices(node, members, RevokeReason.GROUP_RELEASED);
                    detach(node, group);
                }
                group.allocateTo(tenant);
                events.record(node, tenant, EventType.GROUP_ALLOCATED, "group", group.publicId(),
                        Map.of("tenant", tenant, "reason", why));
            }
            return;
        }
        if (formerTenants.size() > 1) {
            for (String tenant : formerTenants) {
                events.record(node, tenant, EventType.ISOLATION_WARNING, "group", group.publicId(), Map.of(
                        "reason", "GROUP_MIXES_TENANTS",
                        "detail", why + ": the group now holds devices allocated to " + formerTenants.size()
                                + " tenants; it was released and its bonds revoked"));
            }
            releaseNow(node, group, Map.of("reason", "GROUP_MIXES_TENANTS"));
        }
    }

    private void releaseNow(Node node, IommuGroup group, Map<String, Object> data) {
        String tenant = group.tenant();
        bonds.revokeOnDevices(node, memberIds(group), RevokeReason.GROUP_RELEASED);
        detach(node, group);
        group.allocateTo(null);
        if (tenant != null) { // a group a merge made of several tenants' groups was never allocated: its warnings say why
            Map<String, Object> released = new LinkedHashMap<>(data);
            released.put("tenant", tenant);
            events.record(node, tenant, EventType.GROUP_RELEASED, "group", group.publicId(), released);
        }
    }

    private List<Long> memberIds(IommuGroup group) {
        return devices.findByGroupIdOrderById(group.id()).stream().map(Device::id).toList();
    }

    private static ProblemException inUse(IommuGroup group, long bondCount, String what) {
        return new ProblemException(ProblemType.GROUP_BUSY, "group " + group.publicId() + " is in use"
                + (group.isAttached() ? ", attached to container " + Ids.CONTAINER.format(group.containerId()) : "")
                + (bondCount > 0 ? ", with " + bondCount + " bond(s)" : "") + ", and cannot be " + what)
                .with("groupId", group.publicId())
                .with("containerId", Ids.CONTAINER.formatNullable(group.containerId()))
                .with("bondCount", bondCount);
    }

    /** Every group of the node, for a topology import; the caller holds the node's lock. */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<IommuGroup> ofNode(Node node) {
        return groups.findByNodeIdOrderById(node.id());
    }

    @Transactional(readOnly = true)
    public GroupState get(String id) {
        IommuGroup group = groups.findById(Ids.GROUP.parse(id)).filter(g -> CurrentCaller.sees(g.tenant()))
                .orElseThrow(() -> Ids.GROUP.notFound(id));
        return states(List.of(group), nodes.byId(group.nodeId()).name()).get(0);
    }

    @Transactional(readOnly = true)
    public List<GroupState> page(String nodeName, PageRequest page) {
        Node node = nodes.get(nodeName);
        return states(groups.page(node.id(), CurrentCaller.tenantScope(), page.cursorKey(0), page.probe()), node.name());
    }

    /** The groups with their members and bond counts, in a fixed number of statements however many they are. */
    private List<GroupState> states(List<IommuGroup> page, String nodeName) {
        List<Long> ids = page.stream().map(IommuGroup::id).toList();
        Map<Long, List<Device>> members = ids.isEmpty() ? Map.of()
                : devices.findByGroupIdInOrderById(ids).stream().collect(Collectors.groupingBy(Device::groupId));
        Map<Long, Long> bondCounts = bonds.countByGroups(ids);
        return page.stream()
                .map(g -> new GroupState(g, nodeName, members.getOrDefault(g.id(), List.of()), bondCounts.getOrDefault(g.id(), 0L)))
                .toList();
    }
}
