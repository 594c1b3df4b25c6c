package dev.sva.device;

import dev.sva.core.StateChange;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * What other features may read of devices and IOMMU groups, and the attach and detach a container
 * makes, so that the repositories and the entities' mutators stay inside this package. Depends on
 * nothing but the repositories: {@code bond} and {@code container}, which {@link DeviceService} calls
 * through its ports, use it without a cycle. Joins the caller's transaction (and its node lock).
 */
@Component
@Transactional(propagation = Propagation.SUPPORTS, readOnly = true)
public class DeviceQueries {

    private final DeviceRepository devices;
    private final GroupRepository groups;

    DeviceQueries(DeviceRepository devices, GroupRepository groups) {
        this.devices = devices;
        this.groups = groups;
    }

    public Optional<Device> device(long key) {
        return devices.findById(key);
    }

    public Optional<IommuGroup> group(long key) {
        return groups.findById(key);
    }

    public long countInGroup(long groupId) {
        return devices.countByGroupId(groupId);
    }

    /** The devices of the group, by id. */
    public List<Device> members(long groupId) {
        return devices.findByGroupIdOrderById(groupId);
    }

    /** The devices of any of the groups, by id. */
    public List<Device> members(Collection<Long> groupIds) {
        return devices.findByGroupIdInOrderById(groupIds);
    }

    /** The groups attached to the container, by id. */
    public List<IommuGroup> attachedTo(long containerId) {
        return groups.findByContainerIdOrderById(containerId);
    }

    /** The groups attached to any of the containers, by id. */
    public List<IommuGroup> attachedTo(Collection<Long> containerIds) {
        return groups.findByContainerIdInOrderById(containerIds);
    }

    /**
     * Attaches the group to the container ({@link IommuGroup#attachTo}: {@code 409 GROUP_IN_USE} when another
     * holds it); false when already attached to this one. The caller holds the node's lock.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public boolean attach(IommuGroup group, long containerId) {
        return group.attachTo(containerId);
    }

    /** Detaches the group from its container. The caller holds the node's lock. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void detach(IommuGroup group) {
        group.detach();
    }

    /** Every device of the node ({@code null}: of every node) as a {@code DevicePut}: to rebuild the engine. Answers how many. */
    public long replayDevices(Long nodeId, Consumer<StateChange.DevicePut> sink) {
        long n = 0;
        for (Device device : nodeId == null ? devices.findAll() : devices.findByNodeIdOrderById(nodeId)) {
            sink.accept(DeviceService.devicePut(device));
            n++;
        }
        return n;
    }

    /** Every attachment of a group of the node ({@code null}: of every node) to a container ({@code GroupAttached}). */
    public void replayAttachments(Long nodeId, Consumer<StateChange> sink) {
        for (IommuGroup g : nodeId == null ? groups.findAll() : groups.findByNodeIdOrderById(nodeId)) {
            if (g.isAttached()) {
                sink.accept(new StateChange.GroupAttached(g.id(), g.containerId()));
            }
        }
    }
}
