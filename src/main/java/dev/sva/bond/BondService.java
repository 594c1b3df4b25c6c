package dev.sva.bond;

import dev.sva.addressspace.AddressSpace;
import dev.sva.addressspace.AddressSpaceBonds;
import dev.sva.addressspace.AddressSpaceQueries;
import dev.sva.container.Container;
import dev.sva.container.ContainerBonds;
import dev.sva.container.ContainerQueries;
import dev.sva.core.Ids;
import dev.sva.core.PageRequest;
import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.core.RevokeReason;
import dev.sva.core.Problems;
import dev.sva.core.StateChange;
import dev.sva.device.Device;
import dev.sva.device.DeviceBonds;
import dev.sva.device.DeviceQueries;
import dev.sva.device.IommuGroup;
import dev.sva.event.EventLog;
import dev.sva.event.EventType;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import dev.sva.policy.Isolation;
import dev.sva.policy.SvaProperties;
import dev.sva.security.CurrentCaller;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * Binds, unbinds and revokes. Public mutations lock the node first; the revocation and replay
 * methods are called by other features inside their own locked transaction.
 */
@Service
public class BondService implements DeviceBonds, ContainerBonds, AddressSpaceBonds {

    public static final int DRIVER_DATA_MAX = 4096;

    public record BindResult(Bond bond, boolean created) {
    }

    /** {@code node} names the container's node, which a link to the bonds must carry. */
    public record ContainerBindResult(String node, int pasid, List<Bond> bonds, boolean created) {
    }

    private final BondRepository bonds;
    private final ContainerBondRepository containerBonds;
    private final DeviceQueries devices;
    private final ContainerQueries containers;
    private final AddressSpaceQueries spaces;
    private final NodeService nodes;
    private final EventLog events;
    private final SvaProperties properties;
    private final RevokedBondRepository revoked;

    BondService(BondRepository bonds, ContainerBondRepository containerBonds, DeviceQueries devices,
                ContainerQueries containers, AddressSpaceQueries spaces, NodeService nodes,
                EventLog events, SvaProperties properties, RevokedBondRepository revoked) {
        this.revoked = revoked;
        this.bonds = bonds;
        this.containerBonds = containerBonds;
        this.devices = devices;
        this.containers = containers;
        this.spaces = spaces;
        this.nodes = nodes;
        this.events = events;
        this.properties = properties;
    }

    /**
     * Binds one device to an address space ({@code iommu_sva_bind_device}). Idempotent: a second bind
     * answers the existing bond (rule 10); {@code 409 DUPLICATE} when that bond was made with the
     * other iopf, which a repeat cannot change. Refused, whatever the policy, when the device's group has
     * other devices (rule 1); then when the device has no PASID support, iopf without PRI, or no PASID
     * fits (rules 8, 9, 11).
     */
    @Transactional
    public BindResult bindDevice(String deviceId, String addressSpaceId, boolean iopf, String driverData) {
        checkDriverData(driverData);
        long key = Ids.DEVICE.parse(deviceId);
        Node node = nodes.lockOwnerOf(Device.class, key).orElseThrow(() -> Ids.DEVICE.notFound(deviceId));
        Device device = devices.device(key).orElseThrow(() -> Ids.DEVICE.notFound(deviceId));
        AddressSpace space = addressSpace(node, addressSpaceId);
        requireSameTenant(devices.group(device.groupId()).orElseThrow().tenant(), space,
                "device " + deviceId + "'s group " + Ids.GROUP.format(device.groupId()));
        var existing = bonds.findByDeviceIdAndAddressSpaceId(device.id(), space.id());
        if (existing.isPresent()) {
            return new BindResult(sameIopf(existing.get(), iopf), false);
        }
        if (devices.countInGroup(device.groupId()) != 1) {
            List<Device> members = devices.members(device.groupId());
            throw new ProblemException(ProblemType.GROUP_NOT_SINGLETON, "device " + deviceId + " shares group "
                    + Ids.GROUP.format(device.groupId()) + " with " + (members.size() - 1)
                    + " other device(s); bind the container that holds the group instead")
                    .with("groupId", Ids.GROUP.format(device.groupId()))
                    .with("devices", members.stream().map(Device::summary).toList());
        }
        requireCapable(List.of(device), iopf);
        int pasid = pasidFor(node, space, List.of(device));
        Bond bond = create(node, device, space, null, pasid, iopf, driverData);
        return new BindResult(bond, true);
    }

    /**
     * Binds every device of every group attached to a container ({@code bind_group()}), all or
     * nothing (rules 2 and 3). Idempotent per (container, address space): a repeated bind answers the
     * existing bind ({@code created == false}, with the driverData it was made with), after checking
     * the container again and binding any device it does not cover (one hot-plugged into an attached
     * group, which rule 5 gives no bond; an unplug and re-plug; a bond revoked under {@code STRICT}),
     * so an answered container bind always covers every device; under {@code STRICT} a container that now holds a multi-device
     * group is refused again. A bind, or a device bond it would take over, made with the other iopf
     * is {@code 409 DUPLICATE}.
     */
    @Transactional
    public ContainerBindResult bindContainer(String containerId, String addressSpaceId, boolean iopf, String driverData) {
        checkDriverData(driverData);
        Container container = lockContainer(containerId);
        Node node = nodes.byId(container.nodeId());
        AddressSpace space = addressSpace(node, addressSpaceId);
        requireSameTenant(container.tenant(), space, "container " + containerId);
        var existing = containerBonds.findByContainerIdAndAddressSpaceId(container.id(), space.id());
        if (existing.isPresent() && existing.get().iopf() != iopf) {
            throw new ProblemException(ProblemType.DUPLICATE, "container " + containerId + " is already bound to "
                    + addressSpaceId + " with iopf " + existing.get().iopf() + "; unbind it to bind with iopf " + iopf)
                    .with("iopf", existing.get().iopf());
        }
        String bindData = existing.map(ContainerBond::driverData).orElse(driverData);
        List<IommuGroup> attached = devices.attachedTo(container.id());
        List<Device> members = devices.members(attached.stream().map(IommuGroup::id).toList());
        if (members.isEmpty()) {
            if (existing.isPresent()) {
                return new ContainerBindResult(node.name(), space.pasid(), List.of(), false);
            }
            throw new ProblemException(ProblemType.CONTAINER_EMPTY, "container " + containerId + " has no device to bind")
                    .with("containerId", containerId);
        }
        List<Map<String, Object>> multi = multiDeviceGroups(attached, members);
        if (!multi.isEmpty() && properties.isolation() == Isolation.STRICT) {
            throw new ProblemException(ProblemType.UNSAFE_GROUP_BIND, "container " + containerId + " holds " + multi.size()
                    + " group(s) of several devices, which are not isolated from each other (isolation STRICT)")
                    .with("groups", multi);
        }
        requireCapable(members, iopf);
        int pasid = pasidFor(node, space, members);
        List<Bond> made = new ArrayList<>();
        for (Device device : members) {
            made.add(bindInContainer(node, device, space, container.id(), pasid, iopf, bindData));
        }
        if (existing.isPresent()) {
            return new ContainerBindResult(node.name(), pasid, made, false);
        }
        containerBonds.save(new ContainerBond(container.id(), space.id(), iopf, driverData));
        if (!multi.isEmpty()) {
            events.record(node, container.tenant(), EventType.ISOLATION_WARNING, "container", container.publicId(), Map.of(
                    "reason", "MULTI_DEVICE_GROUP_BOUND",
                    "groups", multi,
                    "detail", "GROUP_AWARE: devices of one group can reach each other's BARs without the IOMMU"));
        }
        return new ContainerBindResult(node.name(), pasid, made, true);
    }

    /** Unbinds an address space from a container; {@code 404 NOT_FOUND} ({@code ESRCH}) when not bound. */
    @Transactional
    public void unbindContainer(String containerId, String addressSpaceId) {
        Container container = lockContainer(containerId);
        Node node = nodes.byId(container.nodeId());
        long asKey = Ids.ADDRESS_SPACE.parse(addressSpaceId);
        ContainerBond cb = containerBonds.findByContainerIdAndAddressSpaceId(container.id(), asKey)
                .orElseThrow(() -> new ProblemException(ProblemType.NOT_FOUND, "ESRCH", "address space " + addressSpaceId
                        + " is not bound to container " + containerId).with("addressSpaceId", addressSpaceId));
        for (Bond bond : bonds.findByContainerIdAndAddressSpaceIdOrderById(container.id(), asKey)) {
            remove(node, bond, null);
        }
        containerBonds.delete(cb);
    }

    /**
     * Explicit unbind of one bond ({@code BOND_REMOVED}). A bond a container bind made is the
     * container's: removing it alone would leave the bind silently short of a device (rule 2 binds
     * every device, all or nothing), so it is {@code 409 BOND_OF_CONTAINER} ({@code EBUSY}) naming
     * the container unbind to use, as VFIO owns the bonds it made for {@code VFIO_IOMMU_BIND_PROCESS}.
     * A bond already revoked answers {@code 404 NOT_FOUND} with why: {@code ESRCH} after a process
     * exit (the seed's unbind of an exited mm), {@code ENOENT} otherwise, as for an id never issued.
     */
    @Transactional
    public void unbind(String bondId) {
        long key = Ids.BOND.parse(bondId);
        Node node = nodes.lockOwnerOf(Bond.class, key).orElseThrow(() -> gone(bondId, key));
        Bond bond = bonds.findById(key).orElseThrow(() -> gone(bondId, key));
        if (bond.containerId() != null) {
            var bind = containerBonds.findByContainerIdAndAddressSpaceId(bond.containerId(), bond.addressSpaceId());
            if (bind.isPresent()) {
                String ctr = Ids.CONTAINER.format(bond.containerId());
                String as = Ids.ADDRESS_SPACE.format(bond.addressSpaceId());
                throw new ProblemException(ProblemType.BOND_OF_CONTAINER, "bond " + bondId + " was made by the bind of "
                        + as + " to container " + ctr + "; unbinding one device would leave that bind short of it. "
                        + "Unbind the container: DELETE /api/v1/containers/" + ctr + "/bonds/" + as)
                        .with("containerId", ctr)
                        .with("addressSpaceId", as)
                        .with("unbind", "/api/v1/containers/" + ctr + "/bonds/" + as);
            }
        }
        remove(node, bond, null);
    }

    /** Why a bond id names nothing: revoked (and why), or never a bond ({@code ENOENT}). */
    private ProblemException gone(String bondId, long key) {
        return revoked.findById(key).filter(r -> CurrentCaller.sees(r.tenant()))
                .map(r -> new ProblemException(ProblemType.NOT_FOUND, r.reason() == RevokeReason.PROCESS_EXIT ? "ESRCH" : "ENOENT",
                        "bond " + bondId + " was revoked (" + r.reason() + ") at " + r.revokedAt())
                        .with("id", bondId)
                        .with("revokedBy", r.reason().name())
                        .with("revokedAt", r.revokedAt().toString()))
                .orElseGet(() -> Ids.BOND.notFound(bondId));
    }

    @Transactional(readOnly = true)
    public Bond get(String bondId) {
        return bonds.findById(Ids.BOND.parse(bondId)).filter(b -> CurrentCaller.sees(b.tenant()))
                .orElseThrow(() -> Ids.BOND.notFound(bondId));
    }

    @Transactional(readOnly = true)
    public List<Bond> page(String nodeName, String deviceId, String addressSpaceId, String containerId, PageRequest page) {
        NodeService.ListScope scope = nodes.scope(nodeName, NodeService.Filter.of(Device.class, Ids.DEVICE, deviceId),
                NodeService.Filter.of(AddressSpace.class, Ids.ADDRESS_SPACE, addressSpaceId),
                NodeService.Filter.of(Container.class, Ids.CONTAINER, containerId));
        return bonds.page(scope.node().id(), page.cursorKey(0), scope.key(0), scope.key(1), scope.key(2),
                CurrentCaller.tenantScope(), page.probe());
    }

    // ---- called by other features inside their locked transaction ----

    /** Revokes every bond on these devices. */
    @Transactional(propagation = Propagation.MANDATORY)
    @Override
    public void revokeOnDevices(Node node, Collection<Long> deviceIds, RevokeReason reason) {
        for (Bond bond : bonds.findByDeviceIdInOrderById(deviceIds)) {
            remove(node, bond, reason);
        }
    }

    /** Revokes the bonds a container made on these devices (detach, container deletion: rule 13). */
    @Transactional(propagation = Propagation.MANDATORY)
    @Override
    public void revokeContainerBonds(Node node, long containerId, Collection<Long> deviceIds, RevokeReason reason) {
        if (deviceIds.isEmpty()) {
            return;
        }
        for (Bond bond : bonds.findByContainerIdAndDeviceIdInOrderById(containerId, deviceIds)) {
            remove(node, bond, reason);
        }
    }

    /** Process exit: revokes every bond of the address space and forgets its container binds (rule 12). */
    @Transactional(propagation = Propagation.MANDATORY)
    @Override
    public void revokeAddressSpace(Node node, long addressSpaceId) {
        for (Bond bond : bonds.findByAddressSpaceIdOrderById(addressSpaceId)) {
            remove(node, bond, RevokeReason.PROCESS_EXIT);
        }
        containerBonds.deleteAll(containerBonds.findByAddressSpaceId(addressSpaceId));
    }

    /** Forgets a deleted container's binds; its device bonds were revoked by the detaches before. */
    @Transactional(propagation = Propagation.MANDATORY)
    @Override
    public void forgetContainer(Node node, long containerId) {
        containerBonds.deleteAll(containerBonds.findByContainerIdOrderById(containerId));
    }

    @Transactional(propagation = Propagation.MANDATORY)
    @Override
    public boolean containerHasBonds(long containerId) {
        return containerBonds.existsByContainerId(containerId);
    }

    /** Every bond of the devices ({@code null}: of every device) as a {@code Bound}, by id: to rebuild the engine. Answers how many. */
    @Transactional(readOnly = true)
    public long replayBonds(Collection<Long> deviceIds, java.util.function.Consumer<StateChange> sink) {
        long n = 0;
        for (Bond bond : deviceIds == null ? bonds.everything() : bonds.findByDeviceIdInOrderById(deviceIds)) {
            sink.accept(new StateChange.Bound(bond.deviceId(), bond.pasid(), bond.addressSpaceId(), bond.iopf()));
            n++;
        }
        return n;
    }

    /**
     * Replays a container's binds onto the devices of a group being attached (rule 13): every device
     * must take every bind, else the whole attach fails naming the devices.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    @Override
    public void replayOnAttach(Node node, long containerId, List<Device> members) {
        List<ContainerBond> binds = containerBonds.findByContainerIdOrderById(containerId);
        if (binds.isEmpty() || members.isEmpty()) {
            return;
        }
        for (ContainerBond cb : binds) {
            requireCapable(members, cb.iopf());
        }
        for (ContainerBond cb : binds) {
            AddressSpace space = spaces.space(cb.addressSpaceId()).orElseThrow();
            int pasid = pasidFor(node, space, members);
            for (Device device : members) {
                bindInContainer(node, device, space, containerId, pasid, cb.iopf(), cb.driverData());
            }
        }
    }

    /** The bonds on these devices, by id: what a revocation of them would end. */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<Bond> onDevices(Collection<Long> deviceIds) {
        return deviceIds.isEmpty() ? List.of() : bonds.findByDeviceIdInOrderById(deviceIds);
    }

    @Override
    public long countOnDevices(Collection<Long> deviceIds) {
        return deviceIds.isEmpty() ? 0 : bonds.countByDeviceIdIn(deviceIds);
    }

    /** The number of bonds on each of these groups' devices, by group; groups without bonds are absent. */
    @Override
    public Map<Long, Long> countByGroups(Collection<Long> groupIds) {
        Map<Long, Long> counts = new HashMap<>();
        if (!groupIds.isEmpty()) {
            bonds.countByGroupIds(groupIds).forEach(row -> counts.put((Long) row[0], (Long) row[1]));
        }
        return counts;
    }

    // ---- rules ----

    /**
     * The address space's PASID, allocated at its first bind as the lowest free value from 1 that
     * every binding device can carry (rule 8); {@code PASID_OUT_OF_RANGE} when its PASID does not fit
     * a device, {@code PASID_EXHAUSTED} when none is free (rule 9).
     */
    private int pasidFor(Node node, AddressSpace space, List<Device> binding) {
        if (space.pasid() != null) {
            int pasid = space.pasid();
            List<Map<String, Object>> misfit = binding.stream().filter(d -> !d.carries(pasid)).map(BondService::withWidth).toList();
            if (!misfit.isEmpty()) {
                throw new ProblemException(ProblemType.PASID_OUT_OF_RANGE, "PASID " + pasid + " of address space "
                        + space.publicId() + " does not fit " + misfit.size() + " device(s)")
                        .with("pasid", pasid)
                        .with("devices", misfit);
            }
            return pasid;
        }
        int width = node.pasidBits();
        for (Device d : binding) {
            width = Math.min(width, d.pasidBits());
        }
        int limit = 1 << width;
        int candidate = spaces.lowestFreePasid(node.id());
        if (candidate >= limit) {
            throw new ProblemException(ProblemType.PASID_EXHAUSTED, "no free PASID below " + limit + " on node " + node.name())
                    .with("pasidBits", width);
        }
        spaces.assignPasid(space, candidate);
        return candidate;
    }

    /** SVA and iopf capability of every device; the refusal names all incapable ones (rule 3). */
    private static void requireCapable(List<Device> devices, boolean iopf) {
        List<Map<String, Object>> noPasid = new ArrayList<>(devices.stream().filter(d -> d.pasidBits() == 0).map(BondService::withWidth).toList());
        // pci_enable_pasid() (drivers/pci/ats.c) fails unless pci_acs_path_enabled(dev, NULL, RR | UF): a device
        // below a bridge that could route its DMA peer-to-peer cannot take a PASID however wide its own
        Map<String, Object> firstPath = null;
        for (Device d : devices) {
            if (d.pasidBits() > 0 && d.pasidBlockedBy() != null) {
                Map<String, Object> path = pasidPath(d);
                Map<String, Object> m = withWidth(d);
                m.put("pasidPath", path);
                noPasid.add(m);
                if (firstPath == null) {
                    firstPath = path;
                }
            }
        }
        List<Map<String, Object>> noPri = iopf
                ? devices.stream().filter(d -> !d.pri()).map(Device::summary).toList()
                : List.of();
        if (!noPasid.isEmpty()) {
            ProblemException e = new ProblemException(ProblemType.SVA_UNSUPPORTED, noPasid.size()
                    + " device(s) cannot take a PASID (pasidBits 0, or a bridge on the path without ACS RR|UF)")
                    .with("devices", noPasid);
            if (firstPath != null) {
                e.with("pasidPath", firstPath);
            }
            if (!noPri.isEmpty()) {
                e.with("iopfUnsupported", noPri);
            }
            throw e;
        }
        if (!noPri.isEmpty()) {
            throw new ProblemException(ProblemType.IOPF_UNSUPPORTED,
                    noPri.size() + " device(s) cannot take I/O page faults (no PRI); bind without iopf and pin the memory")
                    .with("devices", noPri);
        }
    }

    private Bond bindInContainer(Node node, Device device, AddressSpace space, long containerId, int pasid, boolean iopf,
                                 String driverData) {
        var existing = bonds.findByDeviceIdAndAddressSpaceId(device.id(), space.id());
        if (existing.isPresent()) {
            Bond bond = sameIopf(existing.get(), iopf);
            if (!Long.valueOf(containerId).equals(bond.containerId())) {
                // a device's own bond, now the container's: its detach and unbind will remove it (rule 10)
                bond.adoptBy(containerId);
                events.record(node, bond.tenant(), EventType.BOND_UPDATED, "bond", bond.publicId(), describe(bond, null));
            }
            return bond;
        }
        return create(node, device, space, containerId, pasid, iopf, driverData);
    }

    /**
     * The existing bond a repeated bind answers, if it was made with the iopf asked for: a bond with
     * I/O page faults and one with pinned memory behave differently, and a repeat must not pass one
     * off as the other ({@code 409 DUPLICATE}).
     */
    private static Bond sameIopf(Bond existing, boolean iopf) {
        if (existing.iopf() != iopf) {
            throw new ProblemException(ProblemType.DUPLICATE, "device " + Ids.DEVICE.format(existing.deviceId())
                    + " is already bound to " + Ids.ADDRESS_SPACE.format(existing.addressSpaceId()) + " with iopf "
                    + existing.iopf() + " by bond " + existing.publicId() + "; unbind it to bind with iopf " + iopf)
                    .with("bondId", existing.publicId())
                    .with("iopf", existing.iopf());
        }
        return existing;
    }

    private Bond create(Node node, Device device, AddressSpace space, Long containerId, int pasid, boolean iopf,
                        String driverData) {
        Bond bond = bonds.save(new Bond(node.id(), device.id(), space.id(), containerId, pasid, iopf, driverData, space.tenant()));
        events.record(node, bond.tenant(), EventType.BOND_CREATED, "bond", bond.publicId(), describe(bond, null),
                new StateChange.Bound(device.id(), pasid, space.id(), iopf));
        return bond;
    }

    /** Removes a bond: an explicit unbind ({@code reason == null}) or a revocation. */
    private void remove(Node node, Bond bond, RevokeReason reason) {
        bonds.delete(bond);
        if (reason != null) {
            revoked.save(new RevokedBond(bond.id(), node.id(), reason, bond.tenant()));
        }
        events.record(node, bond.tenant(), reason == null ? EventType.BOND_REMOVED : EventType.BOND_REVOKED, "bond", bond.publicId(),
                describe(bond, reason), new StateChange.Unbound(bond.deviceId(), bond.pasid()));
    }

    private static Map<String, Object> describe(Bond bond, RevokeReason reason) {
        Map<String, Object> data = new LinkedHashMap<>();
        if (reason != null) {
            data.put("reason", reason.name());
        }
        data.put("deviceId", Ids.DEVICE.format(bond.deviceId()));
        data.put("addressSpaceId", Ids.ADDRESS_SPACE.format(bond.addressSpaceId()));
        data.put("pasid", bond.pasid());
        data.put("containerId", Ids.CONTAINER.formatNullable(bond.containerId()));
        data.put("iopf", bond.iopf());
        data.put("driverData", bond.driverData());
        return data;
    }

    /** Why a device's path forbids PASID: the bridge and the ACS flags it lacks. */
    private static Map<String, Object> pasidPath(Device d) {
        Map<String, Object> path = new LinkedHashMap<>();
        path.put("isolated", false);
        path.put("bridge", d.pasidBlockedBy());
        path.put("missing", d.pasidBlockedMissing() == null || d.pasidBlockedMissing().isEmpty()
                ? List.of() : List.of(d.pasidBlockedMissing().split(",")));
        return path;
    }

    private static Map<String, Object> withWidth(Device d) {
        Map<String, Object> m = d.summary();
        m.put("pasidBits", d.pasidBits());
        return m;
    }

    private static List<Map<String, Object>> multiDeviceGroups(List<IommuGroup> attached, List<Device> members) {
        List<Map<String, Object>> multi = new ArrayList<>();
        for (IommuGroup g : attached) {
            List<Device> in = members.stream().filter(d -> d.groupId() == g.id()).toList();
            if (in.size() > 1) {
                multi.add(Map.of("id", g.publicId(), "devices", in.stream().map(Device::summary).toList()));
            }
        }
        return multi;
    }

    private AddressSpace addressSpace(Node node, String addressSpaceId) {
        if (addressSpaceId == null) {
            throw Problems.invalid("addressSpaceId", "is required");
        }
        AddressSpace space = spaces.space(Ids.ADDRESS_SPACE.parse(addressSpaceId))
                .filter(a -> CurrentCaller.sees(a.tenant()))
                .orElseThrow(() -> Ids.ADDRESS_SPACE.notFound(addressSpaceId));
        if (space.nodeId() != node.id()) {
            throw Problems.crossNode(node.name(), "address space", addressSpaceId, nodes.byId(space.nodeId()).name());
        }
        return space;
    }

    /**
     * A bond joins a device and an address space of one tenant: the device's group must be allocated to the
     * address space's tenant, and an admin's address space (no tenant) binds only unallocated groups' devices
     * (rule 21): {@code 409 GROUP_NOT_ALLOCATED}. A tenant never meets it: it sees only its own of both.
     */
    private static void requireSameTenant(String deviceTenant, AddressSpace space, String what) {
        if (!java.util.Objects.equals(deviceTenant, space.tenant())) {
            throw new ProblemException(ProblemType.GROUP_NOT_ALLOCATED, what + " is "
                    + (deviceTenant == null ? "of no tenant" : "of tenant " + deviceTenant) + ", address space "
                    + space.publicId() + " " + (space.tenant() == null ? "of no tenant" : "of tenant " + space.tenant()))
                    .with("addressSpaceId", space.publicId());
        }
    }

    private Container lockContainer(String containerId) {
        long key = Ids.CONTAINER.parse(containerId);
        nodes.lockOwnerOf(Container.class, key).orElseThrow(() -> Ids.CONTAINER.notFound(containerId));
        return containers.container(key).orElseThrow(() -> Ids.CONTAINER.notFound(containerId));
    }

    private static void checkDriverData(String driverData) {
        if (driverData != null && driverData.length() > DRIVER_DATA_MAX) {
            throw Problems.invalid("driverData", "must be at most " + DRIVER_DATA_MAX + " characters");
        }
        // PostgreSQL text cannot hold U+0000; refuse it on every database alike
        if (driverData != null && driverData.indexOf('\0') >= 0) {
            throw Problems.invalid("driverData", "must not contain the NUL character (U+0000)");
        }
    }
}
