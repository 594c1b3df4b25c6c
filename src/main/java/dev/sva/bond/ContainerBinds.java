package dev.sva.bond;

import dev.sva.addressspace.AddressSpace;
import dev.sva.addressspace.AddressSpaceQueries;
import dev.sva.container.Container;
import dev.sva.container.ContainerQueries;
import dev.sva.core.Ids;
import dev.sva.core.PageRequest;
import dev.sva.device.Device;
import dev.sva.device.DeviceQueries;
import dev.sva.device.IommuGroup;
import dev.sva.policy.Isolation;
import dev.sva.policy.SvaProperties;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * What a container's binds cover now ({@code GET /containers/{id}/bonds}). A container bind binds
 * every device attached when it is made and every device of a group attached later (rules 2, 13),
 * but a device hot-plugged into an attached group gets no bond (rule 5, the seed: hot-plug succeeds
 * whatever the bonds), and under {@code STRICT} a hot-plug that makes a group multi-device revokes
 * the group's bonds. The service records the bind, not a promise: this view says for each bind
 * which devices hold its bond and, for each that does not, why — and a repeated {@code POST} of the
 * bind binds those it can. Read-only; a consistent snapshot of one transaction.
 */
@Service
public class ContainerBinds {

    /** Why an attached device does not hold a container bind's bond. */
    public enum Gap {
        /** Under {@code STRICT} the device's group has other devices: its bonds were revoked, a re-bind is refused. */
        GROUP_NOT_SINGLETON,
        /** The device cannot take a PASID ({@code pasidBits} 0). */
        SVA_UNSUPPORTED,
        /** The bind asks for I/O page faults and the device has no PRI. */
        IOPF_UNSUPPORTED,
        /** The address space's PASID does not fit the device's PASID width. */
        PASID_OUT_OF_RANGE,
        /** The device holds its own bond to the address space, made with the other iopf. */
        BOUND_WITH_OTHER_IOPF,
        /** The device joined after the bind (a hot-plug binds nothing, rule 5): a repeated bind covers it. */
        JOINED_AFTER_BIND
    }

    public record Covered(Device device, Bond bond) {
    }

    public record Uncovered(Device device, Gap gap, String detail, Bond bond) {
    }

    public record Bind(ContainerBond bind, AddressSpace space, List<Covered> covered, List<Uncovered> uncovered) {
    }

    private final ContainerQueries containers;
    private final ContainerBondRepository containerBonds;
    private final BondRepository bonds;
    private final DeviceQueries devices;
    private final AddressSpaceQueries spaces;
    private final SvaProperties properties;

    ContainerBinds(ContainerQueries containers, ContainerBondRepository containerBonds, BondRepository bonds,
                   DeviceQueries devices, AddressSpaceQueries spaces, SvaProperties properties) {
        this.containers = containers;
        this.containerBonds = containerBonds;
        this.bonds = bonds;
        this.devices = devices;
        this.spaces = spaces;
        this.properties = properties;
    }

    /** A page of the container's binds, oldest first; {@code 404 NOT_FOUND} for an unknown container. */
    @Transactional(readOnly = true)
    public List<Bind> page(String containerId, PageRequest page) {
        Container container = containers.container(Ids.CONTAINER.parse(containerId))
                .orElseThrow(() -> Ids.CONTAINER.notFound(containerId));
        List<ContainerBond> binds = containerBonds.page(container.id(), page.cursorKey(0), page.probe());
        if (binds.isEmpty()) {
            return List.of();
        }
        List<IommuGroup> attached = devices.attachedTo(container.id());
        List<Device> members = devices.members(attached.stream().map(IommuGroup::id).toList());
        Map<Long, Long> groupSizes = members.stream().collect(Collectors.groupingBy(Device::groupId, Collectors.counting()));
        Map<Long, Map<Long, Bond>> bondBySpaceAndDevice = new HashMap<>();
        if (!members.isEmpty()) {
            for (Bond b : bonds.findByDeviceIdInOrderById(members.stream().map(Device::id).toList())) {
                bondBySpaceAndDevice.computeIfAbsent(b.addressSpaceId(), k -> new HashMap<>()).put(b.deviceId(), b);
            }
        }
        Map<Long, AddressSpace> spaceById = spaces.spaces(binds.stream().map(ContainerBond::addressSpaceId).toList())
                .stream().collect(Collectors.toMap(AddressSpace::id, s -> s));
        boolean strict = properties.isolation() == Isolation.STRICT;
        List<Bind> out = new ArrayList<>();
        for (ContainerBond cb : binds) {
            AddressSpace space = spaceById.get(cb.addressSpaceId());
            Map<Long, Bond> held = bondBySpaceAndDevice.getOrDefault(cb.addressSpaceId(), Map.of());
            List<Covered> covered = new ArrayList<>();
            List<Uncovered> uncovered = new ArrayList<>();
            for (Device d : members) {
                Bond b = held.get(d.id());
                if (b != null && b.iopf() == cb.iopf()) {
                    covered.add(new Covered(d, b));
                } else {
                    uncovered.add(gap(d, b, cb, space, strict && groupSizes.getOrDefault(d.groupId(), 0L) > 1));
                }
            }
            out.add(new Bind(cb, space, covered, uncovered));
        }
        return out;
    }

    /** The first reason, in the order a repeated bind would meet them, that the device holds no bond of {@code cb}. */
    private static Uncovered gap(Device d, Bond own, ContainerBond cb, AddressSpace space, boolean sharedGroupUnderStrict) {
        if (sharedGroupUnderStrict) {
            return new Uncovered(d, Gap.GROUP_NOT_SINGLETON, "group " + Ids.GROUP.format(d.groupId())
                    + " has other devices, which are not isolated from each other (isolation STRICT)", null);
        }
        if (d.pasidBits() == 0) {
            return new Uncovered(d, Gap.SVA_UNSUPPORTED, "the device cannot take a PASID (pasidBits 0)", null);
        }
        if (cb.iopf() && !d.pri()) {
            return new Uncovered(d, Gap.IOPF_UNSUPPORTED, "the bind takes I/O page faults and the device has no PRI", null);
        }
        if (space != null && space.pasid() != null && !d.carries(space.pasid())) {
            return new Uncovered(d, Gap.PASID_OUT_OF_RANGE, "PASID " + space.pasid() + " does not fit the device's "
                    + d.pasidBits() + " bits", null);
        }
        if (own != null) {
            return new Uncovered(d, Gap.BOUND_WITH_OTHER_IOPF, "the device's own bond " + own.publicId()
                    + " has iopf " + own.iopf(), own);
        }
        return new Uncovered(d, Gap.JOINED_AFTER_BIND, "the device joined the container after the bind and a hot-plug "
                + "binds nothing (rule 5); POST the bind again to bind it", null);
    }
}
