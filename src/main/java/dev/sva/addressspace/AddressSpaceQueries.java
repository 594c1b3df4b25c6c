package dev.sva.addressspace;

import dev.sva.core.StateChange;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * What other features may read of address spaces and their regions, and the one change {@code bond}
 * makes to a space (its PASID), so that the repositories and the entity's mutators stay inside this
 * package. Depends on nothing but the repositories (so {@code bond}, which {@link AddressSpaceService}
 * calls through its port, uses it without a cycle). Joins the caller's transaction.
 */
@Component
@Transactional(propagation = Propagation.SUPPORTS, readOnly = true)
public class AddressSpaceQueries {

    private final AddressSpaceRepository spaces;
    private final RegionRepository regions;

    AddressSpaceQueries(AddressSpaceRepository spaces, RegionRepository regions) {
        this.spaces = spaces;
        this.regions = regions;
    }

    public Optional<AddressSpace> space(long key) {
        return spaces.findById(key);
    }

    public List<AddressSpace> spaces(Collection<Long> keys) {
        return spaces.findAllById(keys);
    }

    /** The lowest PASID no address space of the node holds (PASID 0 is never handed out). */
    public int lowestFreePasid(long nodeId) {
        return spaces.lowestFreePasid(nodeId);
    }

    /**
     * Gives the space its PASID, held until the process exits, and writes it at once so that the next
     * {@link #lowestFreePasid} of this transaction sees it taken. The caller holds the node's lock.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void assignPasid(AddressSpace space, int pasid) {
        space.assignPasid(pasid);
        spaces.flush();
    }

    /**
     * Every address space of the node ({@code null}: of every node) as an {@code AddressSpacePut}, then its
     * regions as {@code RegionMapped}s: to rebuild the engine. Answers the regions.
     */
    public long replay(Long nodeId, Consumer<StateChange> sink) {
        List<AddressSpace> rows = nodeId == null ? spaces.findAll() : spaces.page(nodeId, null, 0, Pageable.unpaged());
        for (AddressSpace a : rows) {
            sink.accept(new StateChange.AddressSpacePut(a.nodeId(), a.id()));
        }
        List<Region> kept = new ArrayList<>();
        if (nodeId == null) {
            kept = regions.findAll();
        } else {
            for (AddressSpace a : rows) {
                kept.addAll(regions.allOf(a.id()));
            }
        }
        long n = 0;
        for (Region r : kept) {
            sink.accept(new StateChange.RegionMapped(r.addressSpaceId(), r.va(), r.size(), r.physicalAddress(), r.read(), r.write(),
                    r.pinned()));
            n++;
        }
        return n;
    }
}
