package dev.sva.container;

import dev.sva.core.Address;
import dev.sva.core.AddressRange;
import dev.sva.core.Ids;
import dev.sva.core.PageRequest;
import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.core.RangeRules;
import dev.sva.core.Problems;
import dev.sva.core.RevokeReason;
import dev.sva.core.StateChange;
import dev.sva.device.Device;
import dev.sva.device.DeviceQueries;
import dev.sva.device.IommuGroup;
import dev.sva.event.EventLog;
import dev.sva.event.EventType;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import dev.sva.policy.Isolation;
import dev.sva.policy.Limits;
import dev.sva.policy.SvaProperties;
import dev.sva.security.CurrentCaller;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Containers, group attachment and DMA mappings. Every mutation locks the container's node first.
 */
@Service
public class ContainerService {

    public record ContainerState(Container container, String node, List<Long> groups, long mappingCount) {
    }

    /** {@code unmappedBytes} is unsigned and exact: mappings of a 64-bit container can hold 2^64 bytes in all. */
    public record Unmapped(BigInteger unmappedBytes, long unmappedCount) {
    }

    private final ContainerRepository containers;
    private final DmaMappingRepository mappings;
    private final DeviceQueries devices;
    private final NodeService nodes;
    private final ContainerBonds bonds;
    private final EventLog events;
    private final SvaProperties properties;

    ContainerService(ContainerRepository containers, DmaMappingRepository mappings,
                     DeviceQueries devices, NodeService nodes, ContainerBonds bonds, EventLog events, SvaProperties properties) {
        this.containers = containers;
        this.mappings = mappings;
        this.devices = devices;
        this.nodes = nodes;
        this.bonds = bonds;
        this.events = events;
        this.properties = properties;
    }

    @Transactional
    public ContainerState create(String nodeName, String name) {
        if (name != null && (name.isBlank() || name.length() > 255)) {
            throw Problems.invalid("name", "must be 1 to 255 characters");
        }
        Node node = nodes.lock(nodeName);
        Container container = containers.save(new Container(node.id(), name, CurrentCaller.owner()));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("name", name);
        events.record(node, container.tenant(), EventType.CONTAINER_CREATED, "container", container.publicId(), data);
        return new ContainerState(container, node.name(), List.of(), 0);
    }

    @Transactional(readOnly = true)
    public ContainerState get(String id) {
        Container container = find(id);
        return states(List.of(container), nodes.byId(container.nodeId()).name()).get(0);
    }

    @Transactional(readOnly = true)
    public List<ContainerState> page(String nodeName, PageRequest page) {
        Node node = nodes.get(nodeName);
        return states(containers.page(node.id(), CurrentCaller.tenantScope(), page.cursorKey(0), page.probe()), node.name());
    }

    /**
     * Deletes a container: detaches its groups, revoking the bonds it made ({@code CONTAINER_DELETED}),
     * and drops its mappings and its bonds.
     */
    @Transactional
    public void delete(String id) {
        Container container = lockAndFind(id);
        Node node = nodes.byId(container.nodeId());
        for (IommuGroup group : devices.attachedTo(container.id())) {
            detach(node, container, group, RevokeReason.CONTAINER_DELETED);
        }
        bonds.forgetContainer(node, container.id());
        int dropped = mappings.deleteAllOf(container.id());
        containers.delete(container);
        events.record(node, container.tenant(), EventType.CONTAINER_DELETED, "container", container.publicId(), Map.of("mappingsDropped", dropped),
                new StateChange.ContainerRemoved(container.id()));
    }

    /**
     * Attaches a group ({@code VFIO_GROUP_SET_CONTAINER}); returns false when it was attached here
     * already. Refused when a member has a host driver (rule 6), when another container holds the
     * group (rule 7), and, under {@code STRICT}, when a multi-device group would join a container that
     * holds bonds. The container's bonds are replayed onto the group's devices, all or nothing (rule 13).
     */
    @Transactional
    public boolean attach(String id, String groupId) {
        Container container = lockAndFind(id);
        Node node = nodes.byId(container.nodeId());
        IommuGroup group = visibleGroup(groupId);
        if (group.nodeId() != node.id()) {
            throw Problems.crossNode(node.name(), "group", groupId, nodes.byId(group.nodeId()).name());
        }
        if (Long.valueOf(container.id()).equals(group.containerId())) {
            return false;
        }
        requireAllocatedTo(container, group);
        List<Device> members = devices.members(group.id());
        List<Map<String, Object>> hostOwned = members.stream().filter(Device::hasHostDriver).map(Device::summary).toList();
        if (!hostOwned.isEmpty()) {
            throw new ProblemException(ProblemType.GROUP_NOT_VIABLE, "group " + groupId + " is not viable: "
                    + hostOwned.size() + " device(s) are bound to host drivers")
                    .with("groupId", groupId)
                    .with("devices", hostOwned);
        }
        devices.attach(group, container.id());
        if (properties.isolation() == Isolation.STRICT && members.size() > 1 && bonds.containerHasBonds(container.id())) {
            throw new ProblemException(ProblemType.UNSAFE_GROUP_BIND, "container " + id + " holds bonds and group " + groupId
                    + " has " + members.size() + " devices, which are not isolated from each other")
                    .with("groups", List.of(groupSummary(group, members)));
        }
        events.record(node, container.tenant(), EventType.GROUP_ATTACHED, "group", groupId, Map.of("containerId", container.publicId()),
                new StateChange.GroupAttached(group.id(), container.id()));
        bonds.replayOnAttach(node, container.id(), members);
        return true;
    }

    /** Detaches a group, revoking the bonds this container made on its devices (rule 13). */
    @Transactional
    public void detach(String id, String groupId) {
        Container container = lockAndFind(id);
        Node node = nodes.byId(container.nodeId());
        IommuGroup group = visibleGroup(groupId);
        if (!Long.valueOf(container.id()).equals(group.containerId())) {
            throw new ProblemException(ProblemType.NOT_FOUND, "group " + groupId + " is not attached to container " + id)
                    .with("groupId", groupId);
        }
        detach(node, container, group, RevokeReason.GROUP_DETACHED);
    }

    private void detach(Node node, Container container, IommuGroup group, RevokeReason reason) {
        List<Long> members = devices.members(group.id()).stream().map(Device::id).toList();
        bonds.revokeContainerBonds(node, container.id(), members, reason);
        devices.detach(group);
        events.record(node, container.tenant(), EventType.GROUP_DETACHED, "group", group.publicId(), Map.of("containerId", container.publicId()),
                new StateChange.GroupDetached(group.id()));
    }

    /**
     * Maps {@code [iova, iova + size) → physicalAddress}; {@code iova == null} picks the lowest free,
     * non-zero IOVA aligned to the size rounded up to a power of two.
     */
    @Transactional
    public DmaMapping map(String id, Long iova, long size, long physicalAddress, boolean read, boolean write) {
        RangeRules.requirePermission(read, write, "mapping");
        Container container = lockAndFind(id);
        Node node = nodes.byId(container.nodeId());
        AddressRange range = iova != null
                ? AddressRange.ofMapping("iova", iova, size, physicalAddress, node.iovaBits())
                : AddressRange.ofMapping("iova", pickIova(container.id(), size, node.iovaBits()), size, physicalAddress, node.iovaBits());
        RangeRules.requireFree(mappings.of(container.id()), range, "mapping", "mappings", ContainerService::summary);
        RangeRules.requireRoom(container.mappingCount(), Limits.DMA_ENTRY_LIMIT, "container " + id, "mappings");
        DmaMapping mapping = mappings.save(new DmaMapping(container.id(), range, physicalAddress, read, write));
        container.countMappings(1);
        events.record(node, container.tenant(), EventType.MAPPING_ADDED, "container", container.publicId(), summary(mapping),
                new StateChange.Mapped(container.id(), range.first(), size, physicalAddress, read, write));
        return mapping;
    }

    /**
     * Unmaps every mapping wholly inside {@code [iova, iova + size)}; both {@code null}, or iova 0 with
     * size {@code 2^64 - 1} (iommufd's {@code iopt_unmap_all}), unmaps all. A zero size is {@code 400
     * VALIDATION_FAILED} ({@code EINVAL}, as {@code vfio_dma_do_unmap}). A range that would split a
     * mapping removes nothing: {@code 409 MAPPING_SPLIT} (rule 16).
     */
    @Transactional
    public Unmapped unmap(String id, Long iova, Long size) {
        RangeRules.requireBothOrNeither("iova", iova, size);
        Container container = lockAndFind(id);
        Node node = nodes.byId(container.nodeId());
        List<DmaMapping> removed;
        AddressRange range;
        if (iova == null || AddressRange.isUnmapAll(iova, size)) {
            removed = mappings.allOf(container.id());
            range = AddressRange.all();
        } else {
            range = AddressRange.ofUnmap("iova", iova, size);
            removed = RangeRules.overlapping(mappings.of(container.id()), range, Pageable.unpaged());
            List<Map<String, Object>> split = removed.stream().filter(m -> !range.contains(m.range()))
                    .map(ContainerService::summary).toList();
            if (!split.isEmpty()) {
                throw new ProblemException(ProblemType.MAPPING_SPLIT, "range " + range + " would split "
                        + split.size() + " mapping(s); nothing was unmapped").with("mappings", split);
            }
        }
        if (removed.isEmpty()) {
            return new Unmapped(BigInteger.ZERO, 0);
        }
        BigInteger bytes = removed.stream().map(m -> Address.unsigned(m.size())).reduce(BigInteger.ZERO, BigInteger::add);
        mappings.deleteAllInBatch(removed);
        container.countMappings(-removed.size());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("iova", Address.format(range.first()));
        data.put("size", iova == null || AddressRange.isUnmapAll(iova, size) ? null : Address.unsigned(range.size()));
        data.put("unmappedBytes", bytes);
        data.put("unmappedCount", removed.size());
        StateChange[] unmapped = removed.stream()
                .map(m -> new StateChange.Unmapped(container.id(), m.iova(), m.size())).toArray(StateChange[]::new);
        events.record(node, container.tenant(), EventType.MAPPING_REMOVED, "container", container.publicId(), data, unmapped);
        return new Unmapped(bytes, removed.size());
    }

    /**
     * A page of the mappings that share an address with {@code range}, in IOVA order, starting at the
     * cursor: the IOVA from which the next page starts, as {@link RangeRules#nextCursor} renders it.
     */
    @Transactional(readOnly = true)
    public List<DmaMapping> mappings(String id, AddressRange range, PageRequest page) {
        Container container = find(id);
        return RangeRules.page(mappings.of(container.id()), range, page);
    }

    static Map<String, Object> summary(DmaMapping m) {
        return m.summary("iova");
    }

    private long pickIova(long containerId, long size, int iovaBits) {
        if (size == 0 || !Address.isPageAligned(size)) {
            return 0; // AddressRange.ofMapping reports the size itself
        }
        // unsigned: a size of 2^63 aligns to 2^63; above it no power of two fits in 64 bits
        long align = Long.highestOneBit(size) == size ? size : Long.highestOneBit(size) << 1;
        if (align == 0) {
            throw noFreeIova(size, iovaBits);
        }
        long candidate = align;
        for (DmaMapping m : mappings.allOf(containerId)) {
            AddressRange r = m.range();
            if (Long.compareUnsigned(candidate + size - 1, r.first()) < 0) {
                break;
            }
            if (Long.compareUnsigned(r.last(), candidate) >= 0) {
                long next = r.last() + 1;
                if (next == 0) {
                    throw noFreeIova(size, iovaBits);
                }
                long aligned = (next + align - 1) & -align;
                if (Long.compareUnsigned(aligned, next) < 0 || aligned == 0) {
                    throw noFreeIova(size, iovaBits);
                }
                candidate = aligned;
            }
        }
        long last = candidate + size - 1;
        if (Long.compareUnsigned(last, candidate) < 0 || (iovaBits < 64 && Long.compareUnsigned(last, (1L << iovaBits) - 1) > 0)) {
            throw noFreeIova(size, iovaBits);
        }
        return candidate;
    }

    private static ProblemException noFreeIova(long size, int iovaBits) {
        return new ProblemException(ProblemType.OUT_OF_RANGE, "ENOSPC", "no free, size-aligned IOVA range of " + size
                + " bytes within the node's " + iovaBits + "-bit width")
                .with("field", "iova")
                .with("widthBits", iovaBits);
    }

    private static Map<String, Object> groupSummary(IommuGroup group, List<Device> members) {
        return Map.of("id", group.publicId(), "devices", members.stream().map(Device::summary).toList());
    }

    /** The containers with their groups and mapping counts, in a fixed number of statements however many they are. */
    private List<ContainerState> states(List<Container> page, String nodeName) {
        List<Long> ids = page.stream().map(Container::id).toList();
        if (ids.isEmpty()) {
            return List.of();
        }
        Map<Long, List<Long>> attached = devices.attachedTo(ids).stream()
                .collect(Collectors.groupingBy(IommuGroup::containerId, Collectors.mapping(IommuGroup::id, Collectors.toList())));
        return page.stream()
                .map(c -> new ContainerState(c, nodeName, attached.getOrDefault(c.id(), List.of()), c.mappingCount()))
                .toList();
    }

    private Container find(String id) {
        return containers.findById(Ids.CONTAINER.parse(id)).filter(c -> CurrentCaller.sees(c.tenant()))
                .orElseThrow(() -> Ids.CONTAINER.notFound(id));
    }

    /** A group as the caller sees it: for a tenant, only a group allocated to it exists (rule 23). */
    private IommuGroup visibleGroup(String groupId) {
        return devices.group(Ids.GROUP.parse(groupId)).filter(g -> CurrentCaller.sees(g.tenant()))
                .orElseThrow(() -> Ids.GROUP.notFound(groupId));
    }

    /**
     * A container holds only groups allocated to its tenant, and a container of no tenant (an admin's)
     * only unallocated groups (rule 20): {@code 409 GROUP_NOT_ALLOCATED}. A tenant never meets this
     * refusal, as it sees neither other tenants' containers nor groups not allocated to it.
     */
    private static void requireAllocatedTo(Container container, IommuGroup group) {
        if (!java.util.Objects.equals(container.tenant(), group.tenant())) {
            throw new ProblemException(ProblemType.GROUP_NOT_ALLOCATED, "group " + group.publicId() + " is "
                    + (group.tenant() == null ? "not allocated" : "allocated to tenant " + group.tenant())
                    + ", and container " + container.publicId() + " is "
                    + (container.tenant() == null ? "of no tenant" : "of tenant " + container.tenant()))
                    .with("groupId", group.publicId())
                    .with("groupTenant", group.tenant())
                    .with("containerTenant", container.tenant());
        }
    }

    private Container lockAndFind(String id) {
        long key = Ids.CONTAINER.parse(id);
        nodes.lockOwnerOf(Container.class, key).orElseThrow(() -> Ids.CONTAINER.notFound(id));
        return containers.findById(key).orElseThrow(() -> Ids.CONTAINER.notFound(id));
    }
}
