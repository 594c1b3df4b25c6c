package dev.sva.addressspace;

import dev.sva.core.Address;
import dev.sva.core.AddressRange;
import dev.sva.core.Ids;
import dev.sva.core.PageRequest;
import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.core.RangeRules;
import dev.sva.core.Problems;
import dev.sva.core.StateChange;
import dev.sva.event.EventLog;
import dev.sva.event.EventType;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import dev.sva.security.CurrentCaller;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Processes: creation, VA regions (mmap/munmap) and exit. Mutations lock the node first. */
@Service
public class AddressSpaceService {

    /** {@code vm.max_map_count}'s default: the most regions one process may hold. */
    public static final int MAX_REGIONS = 65_530;
    /** {@code PID_MAX_LIMIT} on 64-bit Linux; pids lie below it. */
    public static final int PID_MAX = 4_194_304;

    private final AddressSpaceRepository spaces;
    private final RegionRepository regions;
    private final NodeService nodes;
    private final AddressSpaceBonds bonds;
    private final EventLog events;

    AddressSpaceService(AddressSpaceRepository spaces, RegionRepository regions, NodeService nodes, AddressSpaceBonds bonds,
                        EventLog events) {
        this.spaces = spaces;
        this.regions = regions;
        this.nodes = nodes;
        this.bonds = bonds;
        this.events = events;
    }

    /** Registers a live process; {@code 409 DUPLICATE} while another live process has the pid. */
    @Transactional
    public AddressSpace create(String nodeName, Integer pid, String name) {
        if (pid == null) {
            throw Problems.invalid("pid", "is required");
        }
        if (pid < 1 || pid >= PID_MAX) {
            throw Problems.invalid("pid", "must be between 1 and " + (PID_MAX - 1));
        }
        if (name != null && name.length() > 255) {
            throw Problems.invalid("name", "must be at most 255 characters");
        }
        Node node = nodes.lock(nodeName);
        if (spaces.existsByNodeIdAndPid(node.id(), pid)) {
            throw new ProblemException(ProblemType.DUPLICATE, "process " + pid + " is already live on node " + node.name())
                    .with("pid", pid);
        }
        AddressSpace space = spaces.save(new AddressSpace(node.id(), pid, name, CurrentCaller.owner()));
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("pid", pid);
        data.put("name", name);
        events.record(node, space.tenant(), EventType.ADDRESS_SPACE_CREATED, "addressSpace", space.publicId(), data,
                new StateChange.AddressSpacePut(node.id(), space.id()));
        return space;
    }

    @Transactional(readOnly = true)
    public AddressSpace get(String id) {
        return spaces.findById(Ids.ADDRESS_SPACE.parse(id)).filter(a -> CurrentCaller.sees(a.tenant()))
                .orElseThrow(() -> Ids.ADDRESS_SPACE.notFound(id));
    }

    @Transactional(readOnly = true)
    public List<AddressSpace> page(String nodeName, PageRequest page) {
        return spaces.page(nodes.get(nodeName).id(), CurrentCaller.tenantScope(), page.cursorKey(0), page.probe());
    }

    /**
     * Process exit: every bond of the address space is revoked with its {@code driverData}
     * ({@code PROCESS_EXIT}, rule 12), its PASID is freed, its regions go.
     */
    @Transactional
    public void exit(String id) {
        AddressSpace space = lockAndFind(id);
        Node node = nodes.byId(space.nodeId());
        bonds.revokeAddressSpace(node, space.id());
        regions.deleteAllOf(space.id());
        spaces.delete(space);
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("pid", space.pid());
        data.put("pasid", space.pasid());
        events.record(node, space.tenant(), EventType.ADDRESS_SPACE_EXITED, "addressSpace", space.publicId(), data,
                new StateChange.AddressSpaceRemoved(space.id()));
    }

    /** mmap: adds a region under the same alignment and overlap rules as DMA mappings, against vaBits. */
    @Transactional
    public Region map(String id, long va, long size, long physicalAddress, boolean read, boolean write, boolean pinned) {
        RangeRules.requirePermission(read, write, "region");
        AddressSpace space = lockAndFind(id);
        Node node = nodes.byId(space.nodeId());
        AddressRange range = AddressRange.ofMapping("va", va, size, physicalAddress, node.vaBits());
        RangeRules.requireFree(regions.of(space.id()), range, "region", "regions", AddressSpaceService::summary);
        RangeRules.requireRoom(space.regionCount(), MAX_REGIONS, "process", "regions");
        Region region = regions.save(new Region(space.id(), range, physicalAddress, read, write, pinned));
        space.countRegions(1);
        events.record(node, space.tenant(), EventType.MAPPING_ADDED, "addressSpace", space.publicId(), summary(region),
                new StateChange.RegionMapped(space.id(), va, size, physicalAddress, read, write, pinned));
        return region;
    }

    /**
     * munmap: removes {@code [va, va + size)}, splitting the regions it cuts; both {@code null} removes
     * every region. A zero size is {@code 400 VALIDATION_FAILED} ({@code EINVAL}, as {@code munmap(2)}).
     * Returns the bytes removed, unsigned and exact.
     */
    @Transactional
    public BigInteger unmap(String id, Long va, Long size) {
        RangeRules.requireBothOrNeither("va", va, size);
        AddressSpace space = lockAndFind(id);
        Node node = nodes.byId(space.nodeId());
        AddressRange cut;
        if (va == null) {
            cut = AddressRange.all();
        } else {
            cut = AddressRange.ofUnmap("va", va, size);
        }
        List<Region> hit = RangeRules.overlapping(regions.of(space.id()), cut, Pageable.unpaged());
        BigInteger removed = BigInteger.ZERO;
        List<Region> kept = new ArrayList<>();
        for (Region r : hit) {
            AddressRange range = r.range();
            long lo = Long.compareUnsigned(range.first(), cut.first()) >= 0 ? range.first() : cut.first();
            long hi = Long.compareUnsigned(range.last(), cut.last()) <= 0 ? range.last() : cut.last();
            removed = removed.add(Address.unsigned(hi - lo)).add(BigInteger.ONE);
            if (Long.compareUnsigned(range.first(), cut.first()) < 0) {
                kept.add(r.slice(new AddressRange(range.first(), cut.first() - 1)));
            }
            if (Long.compareUnsigned(range.last(), cut.last()) > 0) {
                kept.add(r.slice(new AddressRange(cut.last() + 1, range.last())));
            }
        }
        if (hit.isEmpty()) {
            return BigInteger.ZERO;
        }
        regions.deleteAllInBatch(hit);
        regions.saveAll(kept);
        space.countRegions(kept.size() - hit.size());
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("va", Address.format(cut.first()));
        data.put("size", va == null ? null : Address.unsigned(cut.size()));
        data.put("unmappedBytes", removed);
        // the whole 2^64 space has no size a long can carry (AddressRange#size is 0): name each region
        StateChange[] unmapped = va == null
                ? hit.stream().map(r -> new StateChange.RegionUnmapped(space.id(), r.va(), r.size())).toArray(StateChange[]::new)
                : new StateChange[]{new StateChange.RegionUnmapped(space.id(), cut.first(), cut.size())};
        events.record(node, space.tenant(), EventType.MAPPING_REMOVED, "addressSpace", space.publicId(), data, unmapped);
        return removed;
    }

    /**
     * A page of the regions that share an address with {@code range}, in VA order, from the cursor
     * (the VA the next page starts at).
     */
    @Transactional(readOnly = true)
    public List<Region> regions(String id, AddressRange range, PageRequest page) {
        AddressSpace space = get(id);
        return RangeRules.page(regions.of(space.id()), range, page);
    }

    static Map<String, Object> summary(Region r) {
        Map<String, Object> s = r.summary("va");
        s.put("pinned", r.pinned());
        return s;
    }

    private AddressSpace lockAndFind(String id) {
        long key = Ids.ADDRESS_SPACE.parse(id);
        nodes.lockOwnerOf(AddressSpace.class, key).orElseThrow(() -> Ids.ADDRESS_SPACE.notFound(id));
        return spaces.findById(key).orElseThrow(() -> Ids.ADDRESS_SPACE.notFound(id));
    }
}
