package dev.sva.device;

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
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/** IOMMU groups: created empty (to hot-plug into) or with a device, removed only when empty. */
@Service
public class GroupService {

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
    private final ApplicationEventPublisher publisher;

    GroupService(GroupRepository groups, DeviceRepository devices, NodeService nodes, DeviceBonds bonds,
                 EventLog events, ApplicationEventPublisher publisher) {
        this.groups = groups;
        this.devices = devices;
        this.nodes = nodes;
        this.bonds = bonds;
        this.events = events;
        this.publisher = publisher;
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
            events.record(node, EventType.GROUP_DETACHED, "group", group.publicId(),
                    Map.of("containerId", Ids.CONTAINER.format(group.containerId())));
            group.detach();
            publisher.publishEvent(new StateChange.GroupDetached(group.id()));
        }
    }

    /** Removes a group that has no devices, detaching it first ({@code GROUP_REMOVED}); under the node's lock. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void removeEmpty(Node node, IommuGroup group) {
        detach(node, group);
        groups.delete(group);
        events.record(node, EventType.GROUP_REMOVED, "group", group.publicId(), Map.of());
    }

    /** Every group of the node, for a topology import; the caller holds the node's lock. */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<IommuGroup> ofNode(Node node) {
        return groups.findByNodeIdOrderById(node.id());
    }

    @Transactional(readOnly = true)
    public GroupState get(String id) {
        IommuGroup group = groups.findById(Ids.GROUP.parse(id)).orElseThrow(() -> Ids.GROUP.notFound(id));
        return states(List.of(group), nodes.byId(group.nodeId()).name()).get(0);
    }

    @Transactional(readOnly = true)
    public List<GroupState> page(String nodeName, PageRequest page) {
        Node node = nodes.get(nodeName);
        return states(groups.page(node.id(), page.cursorKey(0), page.probe()), node.name());
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
