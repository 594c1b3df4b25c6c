package dev.sva.core;

import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.MappedSuperclass;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a container's DMA mapping and a process's VA region share: {@code [first, first + size) → physical}
 * with read/write permissions, its bounds stored as a {@link KeyedRange} ({@code first_key},
 * {@code last_key}, {@code physical_address}, {@code can_read}, {@code can_write}), queried through a
 * {@link RangeRepository}. Immutable once built; the owner's column (container or address space) is the subclass's.
 */
@MappedSuperclass
public abstract class MappedRange extends SequencedEntity {

    /** The container or address space: each subclass names its column with an {@code @AttributeOverride}. */
    @Column(name = "owner_id", nullable = false)
    private long ownerId;

    @Embedded
    private KeyedRange range;

    @Column(name = "physical_address", nullable = false)
    private long physicalAddress;

    @Column(name = "can_read", nullable = false)
    private boolean read;

    @Column(name = "can_write", nullable = false)
    private boolean write;

    protected MappedRange() {
    }

    protected MappedRange(long ownerId, AddressRange range, long physicalAddress, boolean read, boolean write) {
        this.ownerId = ownerId;
        this.range = new KeyedRange(range);
        this.physicalAddress = physicalAddress;
        this.read = read;
        this.write = write;
    }

    protected long ownerId() {
        return ownerId;
    }

    public AddressRange range() {
        return range.range();
    }

    /** The first address (unsigned): the mapping's IOVA or the region's VA. */
    public long first() {
        return range.first();
    }

    public long size() {
        return range.size();
    }

    public long physicalAddress() {
        return physicalAddress;
    }

    public boolean read() {
        return read;
    }

    public boolean write() {
        return write;
    }

    /** The fields a problem or an event names this range by: {@code addressField} (iova or va), size, physical, permissions. */
    public Map<String, Object> summary(String addressField) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put(addressField, Address.format(first()));
        s.put("size", Address.unsigned(size()));
        s.put("physicalAddress", Address.format(physicalAddress));
        s.put("read", read);
        s.put("write", write);
        return s;
    }
}
