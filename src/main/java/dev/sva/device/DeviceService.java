package dev.sva.device;

import dev.sva.core.Ids;
import dev.sva.core.PageRequest;
import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.core.Problems;
import dev.sva.core.RevokeReason;
import dev.sva.core.StateChange;
import dev.sva.event.EventLog;
import dev.sva.event.EventType;
import dev.sva.node.Node;
import dev.sva.security.CurrentCaller;
import dev.sva.node.NodeService;
import dev.sva.policy.Isolation;
import dev.sva.policy.SvaProperties;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Devices: hot-plug (with or without a group), driver binding, hot-unplug. Every mutation locks the
 * device's node first, so a hot-plug and a bind into the same group are serialised (rules 1 and 5).
 */
@Service
public class DeviceService {

    /** What a caller asks to plug in; BDF and BARs already parsed. */
    public record NewDevice(String node, Bdf bdf, String groupId, String driver, int pasidBits, boolean pri,
                            boolean ats, List<Bar> bars) {
    }

    private final DeviceRepository devices;
    private final GroupRepository groups;
    private final NodeService nodes;
    private final DeviceBonds bonds;
    private final EventLog events;
    private final SvaProperties properties;

    DeviceService(DeviceRepository devices, GroupRepository groups, NodeService nodes, DeviceBonds bonds,
                  EventLog events, SvaProperties properties) {
        this.devices = devices;
        this.groups = groups;
        this.nodes = nodes;
        this.bonds = bonds;
        this.events = events;
        this.properties = properties;
    }

    /**
     * Plugs a device in. Without a group it gets a new singleton group; with one it is hot-plugged
     * into it (rule 5): it joins the group's container domain, gets no bond, and under {@code STRICT}
     * the group's bonds are revoked because the group is no longer a singleton.
     */
    @Transactional
    public Device add(NewDevice request) {
        CurrentCaller.requireNode(request.node() == null ? Node.DEFAULT : request.node());
        Node node = nodes.lock(request.node());
        requireDeclared(node, request.groupId() == null
                ? "a device with a hand-made group" : "a device in group " + request.groupId());
        if (devices.existsByNodeIdAndBdf(node.id(), request.bdf().toString())) {
            throw new ProblemException(ProblemType.DUPLICATE,
                    "device " + request.bdf() + " already exists on node " + node.name()).with("bdf", request.bdf().toString());
        }
        IommuGroup group;
        if (request.groupId() == null) {
            group = newGroup(node);
        } else {
            group = groups.findById(Ids.GROUP.parse(request.groupId()))
                    .orElseThrow(() -> Ids.GROUP.notFound(request.groupId()));
            if (group.nodeId() != node.id()) {
                throw Problems.crossNode(node.name(), "group", request.groupId(), nodes.byId(group.nodeId()).name());
            }
            if (group.isAttached() && Device.isHostDriver(request.driver())) {
                throw groupOwned(group, request.driver());
            }
        }
        return plugInto(node, group, new Device(node.id(), group.id(), request.bdf(), request.driver(),
                request.pasidBits(), request.pri(), request.ats(), request.bars()));
    }

    /** A new, empty group of the node ({@code GROUP_CREATED}); the caller holds the node's lock. */
    @Transactional(propagation = Propagation.MANDATORY)
    public IommuGroup newGroup(Node node) {
        IommuGroup group = groups.save(new IommuGroup(node.id()));
        events.record(node, EventType.GROUP_CREATED, "group", group.publicId(), Map.of());
        return group;
    }

    /**
     * Plugs a new device, built for {@code group}, into it: by hand ({@link #add}) or by a topology import. When the
     * group has other devices this is a hot-plug (rule 5): the device joins the group's container domain, gets no
     * bond, and under {@code STRICT} the group's bonds are revoked because the group is no longer a singleton. The
     * caller holds the node's lock and has checked rule 6.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Device plugInto(Node node, IommuGroup group, Device fresh) {
        return plugInto(node, group, fresh, devices.findByGroupIdOrderById(group.id()), true);
    }

    /**
     * As {@link #plugInto(Node, IommuGroup, Device)}, for a caller that tracks the group's members itself (a topology
     * import plugging thousands of devices, where a query per device would flush the whole persistence context each
     * time): {@code peers} are all the devices the group holds now; {@code peersMayBeBound} is false when every one of
     * them was plugged in this transaction, so none can have a bond and the bond checks are skipped.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Device plugInto(Node node, IommuGroup group, Device fresh, List<Device> peers, boolean peersMayBeBound) {
        Device device = devices.save(fresh);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("bdf", device.bdf());
        data.put("groupId", group.publicId());
        data.put("driver", device.driver());
        data.put("hotplug", !peers.isEmpty());
        events.record(node, group.tenant(), EventType.DEVICE_ADDED, "device", device.publicId(), data, devicePut(device));
        if (!peers.isEmpty() && peersMayBeBound) {
            List<Long> peerIds = peers.stream().map(Device::id).toList();
            if (properties.isolation() == Isolation.STRICT) {
                bonds.revokeOnDevices(node, peerIds, RevokeReason.GROUP_NO_LONGER_SINGLETON);
            } else if (bonds.countOnDevices(peerIds) > 0) {
                events.record(node, group.tenant(), EventType.ISOLATION_WARNING, "group", group.publicId(), Map.of(
                        "reason", "DEVICE_JOINED_BOUND_GROUP",
                        "deviceId", device.publicId(),
                        "detail", "device joined a group whose bonds are kept under GROUP_AWARE; it can reach its peers without the IOMMU"));
            }
        }
        return device;
    }

    /**
     * Binds a driver ({@code null} unbinds). A host driver on a device whose group is attached to a
     * container is refused: {@code 409 GROUP_OWNED} ({@code -EBUSY}, rule 6).
     */
    @Transactional
    public Device setDriver(String id, String driver) {
        Device device = lockAndGet(id);
        Node node = nodes.byId(device.nodeId());
        CurrentCaller.requireNode(node.name());
        IommuGroup group = groups.findById(device.groupId()).orElseThrow();
        if (group.isAttached() && Device.isHostDriver(driver)) {
            throw groupOwned(group, driver);
        }
        String previous = device.driver();
        device.bindDriver(driver);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("driver", driver);
        data.put("previousDriver", previous);
        events.record(node, group.tenant(), EventType.DEVICE_UPDATED, "device", device.publicId(), data);
        return device;
    }

    /** Hot-unplug: the device's bonds are revoked and it leaves its group. */
    @Transactional
    public void remove(String id) {
        Device device = lockAndGet(id);
        Node node = nodes.byId(device.nodeId());
        CurrentCaller.requireNode(node.name());
        requireDeclared(node, "unplugging device " + id + " by hand");
        unplug(node, device);
    }

    /** Hot-unplug of a device of {@code node}, whose lock the caller holds: bonds revoked, then gone from its group. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void unplug(Node node, Device device) {
        String tenant = tenantOf(device);
        bonds.revokeOnDevices(node, List.of(device.id()), RevokeReason.DEVICE_REMOVED);
        devices.delete(device);
        devices.flush();
        events.record(node, tenant, EventType.DEVICE_REMOVED, "device", device.publicId(),
                Map.of("bdf", device.bdf(), "groupId", Ids.GROUP.format(device.groupId())),
                        new StateChange.DeviceRemoved(device.id()));
    }

    /**
     * Moves a device to another group of its node (a topology import re-formed its group): {@code DEVICE_UPDATED}
     * with the new and previous group, and the engine learns the new group. The caller holds the node's lock and
     * has revoked the device's bonds.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void move(Node node, Device device, IommuGroup to) {
        long from = device.groupId();
        device.moveTo(to.id());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("groupId", to.publicId());
        data.put("previousGroupId", Ids.GROUP.format(from));
        events.record(node, to.tenant(), EventType.DEVICE_UPDATED, "device", device.publicId(), data, devicePut(device));
    }

    /** Records what a topology import changed on a device ({@code DEVICE_UPDATED}) and tells the engine. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void reported(Node node, Device device) {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("driver", device.driver());
        data.put("pasidBits", device.pasidBits());
        data.put("pri", device.pri());
        data.put("ats", device.ats());
        events.record(node, tenantOf(device), EventType.DEVICE_UPDATED, "device", device.publicId(), data,
                devicePut(device));
    }

    /** The devices of a group, by id. */
    @Transactional(readOnly = true)
    public List<Device> inGroup(long groupId) {
        return devices.findByGroupIdOrderById(groupId);
    }

    /** Every device of the node, for a topology import (under the node's lock) or a read. */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<Device> ofNode(Node node) {
        return devices.findByNodeIdOrderById(node.id());
    }

    @Transactional(readOnly = true)
    public Device get(String id) {
        String tenant = CurrentCaller.tenantScope();
        long key = Ids.DEVICE.parse(id);
        if (tenant != null && !devices.isAllocatedTo(key, tenant)) {
            throw Ids.DEVICE.notFound(id);
        }
        return devices.findById(key).orElseThrow(() -> Ids.DEVICE.notFound(id));
    }

    /** The node of device {@code key}; empty when there is no such device. */
    @Transactional(readOnly = true)
    public java.util.Optional<Long> nodeOf(long key) {
        return devices.findById(key).map(Device::nodeId);
    }

    /** Whether device {@code key} is in a group allocated to {@code tenant}. */
    @Transactional(readOnly = true)
    public boolean isAllocatedTo(long key, String tenant) {
        return devices.isAllocatedTo(key, tenant);
    }

    /** The keys of node {@code nodeId}'s devices in groups allocated to {@code tenant}. */
    @Transactional(readOnly = true)
    public java.util.Set<Long> allocatedKeys(long nodeId, String tenant) {
        return java.util.Set.copyOf(devices.allocatedKeys(nodeId, tenant));
    }

    /** The scope of a device list: the node, and the group filter's key. */
    public NodeService.ListScope scope(String nodeName, String groupId) {
        return nodes.scope(nodeName, NodeService.Filter.of(IommuGroup.class, Ids.GROUP, groupId));
    }

    @Transactional(readOnly = true)
    public List<Device> page(NodeService.ListScope scope, PageRequest page) {
        long after = page.cursorKey(0);
        Long group = scope.key(0);
        if (group == null) {
            return devices.page(scope.node().id(), CurrentCaller.tenantScope(), after, page.probe());
        }
        return devices.pageInGroup(scope.node().id(), group, after, page.probe());
    }

    /** The engine's view of a device. */
    public static StateChange.DevicePut devicePut(Device device) {
        List<Bar> bars = device.bars();
        int[] index = new int[bars.size()];
        long[] base = new long[bars.size()];
        long[] size = new long[bars.size()];
        for (int i = 0; i < bars.size(); i++) {
            index[i] = bars.get(i).index();
            base[i] = bars.get(i).base();
            size[i] = bars.get(i).size();
        }
        return new StateChange.DevicePut(device.nodeId(), device.id(), device.groupId(), device.pasidBits(),
                device.pri(), index, base, size);
    }

    /** The tenant a device is allocated to with its group; {@code null} when its group is unallocated. */
    private String tenantOf(Device device) {
        return groups.findById(device.groupId()).map(IommuGroup::tenant).orElse(null);
    }

    private Device lockAndGet(String id) {
        long key = Ids.DEVICE.parse(id);
        nodes.lockOwnerOf(Device.class, key).orElseThrow(() -> Ids.DEVICE.notFound(id));
        return devices.findById(key).orElseThrow(() -> Ids.DEVICE.notFound(id));
    }

    /**
     * On a node with an imported topology the devices and groups are the host's: {@code 409 TOPOLOGY_MANAGED}
     * ({@code EBUSY}) for anything made by hand; re-import the host's fabric instead (TOPOLOGY.md).
     */
    public static void requireDeclared(Node node, String what) {
        if (node.topologyManaged()) {
            throw new ProblemException(ProblemType.TOPOLOGY_MANAGED, "node " + node.name()
                    + " takes its devices and groups from its imported topology; " + what
                    + " is refused: import the host's topology again (PUT /api/v1/nodes/" + node.name() + "/topology)")
                    .with("node", node.name());
        }
    }

    private static ProblemException groupOwned(IommuGroup group, String driver) {
        return new ProblemException(ProblemType.GROUP_OWNED, "group " + group.publicId() + " is attached to container "
                + Ids.CONTAINER.format(group.containerId()) + "; host driver " + driver + " cannot take one of its devices")
                .with("groupId", group.publicId())
                .with("containerId", Ids.CONTAINER.format(group.containerId()))
                .with("driver", driver);
    }
}
