package dev.sva.addressspace;

import dev.sva.core.AddressRange;
import dev.sva.core.KeyedRange;
import dev.sva.core.MappedRange;
import jakarta.persistence.AttributeOverride;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/**
 * A VA region (VMA) of a process: {@code [va, va + size) → physical}, with permissions, pinned or
 * demand-paged. Its bounds are stored as a {@link KeyedRange}.
 */
@Entity
@Table(name = "region")
@AttributeOverride(name = "ownerId", column = @Column(name = "address_space_id", nullable = false))
public class Region extends MappedRange {

    @Column(nullable = false)
    private boolean pinned;

    protected Region() {
    }

    public Region(long addressSpaceId, AddressRange range, long physicalAddress, boolean read, boolean write, boolean pinned) {
        super(addressSpaceId, range, physicalAddress, read, write);
        this.pinned = pinned;
    }

    /** The part of this region inside {@code part}, as a new region with the matching physical offset. */
    public Region slice(AddressRange part) {
        return new Region(addressSpaceId(), part, physicalAddress() + (part.first() - va()), read(), write(), pinned);
    }

    public long va() {
        return first();
    }

    public long addressSpaceId() {
        return ownerId();
    }

    public boolean pinned() {
        return pinned;
    }
}
