package dev.sva.core;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;

/**
 * An {@link AddressRange} as a row stores it: both bounds as {@link Address#sortKey sort keys}
 * ({@code first_key}, {@code last_key}), so that the database's signed {@code BIGINT} order is
 * unsigned address order and range queries need no 65th bit. Immutable.
 */
@Embeddable
public class KeyedRange {

    @Column(name = "first_key", nullable = false)
    private long firstKey;

    @Column(name = "last_key", nullable = false)
    private long lastKey;

    protected KeyedRange() {
    }

    public KeyedRange(AddressRange range) {
        this.firstKey = Address.sortKey(range.first());
        this.lastKey = Address.sortKey(range.last());
    }

    public AddressRange range() {
        return new AddressRange(first(), Address.fromSortKey(lastKey));
    }

    /** The first address (unsigned). */
    public long first() {
        return Address.fromSortKey(firstKey);
    }

    public long size() {
        return range().size();
    }
}
