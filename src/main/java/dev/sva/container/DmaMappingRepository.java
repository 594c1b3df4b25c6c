package dev.sva.container;

import dev.sva.core.Address;
import dev.sva.core.AddressRange;
import java.util.ArrayList;
import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

/** Mappings, addressed by {@code dev.sva.core.Address#sortKey} bounds. */
public interface DmaMappingRepository extends JpaRepository<DmaMapping, Long> {

    /** The rows that start inside {@code [firstKey, lastKey]}, in address order: a range scan of the start index. */
    @Query("select m from DmaMapping m where m.containerId = :containerId and m.range.firstKey >= :firstKey "
            + "and m.range.firstKey <= :lastKey order by m.range.firstKey")
    List<DmaMapping> startingWithin(long containerId, long firstKey, long lastKey, Pageable pageable);

    /** The rows that end at or after {@code key}, by end: with a page of one, one probe of the end index. */
    @Query("select m from DmaMapping m where m.containerId = :containerId and m.range.lastKey >= :key order by m.range.lastKey")
    List<DmaMapping> endingFrom(long containerId, long key, Pageable pageable);

    /**
     * The rows that share an address with {@code range}, in address order, at most {@code pageable}'s
     * size. Mappings never overlap, so at most one starts before the range and reaches into it — the
     * first one that ends inside or after it — and every other one starts inside it: two index probes
     * whose cost does not grow with the mappings outside the range (a map's overlap check, rule 15).
     */
    default List<DmaMapping> overlapping(long containerId, AddressRange range, Pageable pageable) {
        return page(containerId, range, 0, pageable);
    }

    /** A page of the rows that share an address with {@code range} and start at {@code from} or above. */
    default List<DmaMapping> page(long containerId, AddressRange range, long from, Pageable pageable) {
        List<DmaMapping> out = new ArrayList<>();
        long first = range.first();
        if (Long.compareUnsigned(from, first) <= 0) {
            for (DmaMapping head : endingFrom(containerId, Address.sortKey(first), Pageable.ofSize(1))) {
                if (Long.compareUnsigned(head.iova(), first) < 0 && Long.compareUnsigned(head.iova(), from) >= 0) {
                    out.add(head);
                }
            }
        }
        long start = Long.compareUnsigned(from, first) > 0 ? from : first;
        if (Long.compareUnsigned(start, range.last()) > 0) {
            return out;
        }
        Pageable rest = pageable;
        if (pageable.isPaged()) {
            int left = pageable.getPageSize() - out.size();
            if (left <= 0) {
                return out;
            }
            rest = Pageable.ofSize(left);
        }
        out.addAll(startingWithin(containerId, Address.sortKey(start), Address.sortKey(range.last()), rest));
        return out;
    }

    /** All mappings of a container in IOVA order; for the automatic IOVA search and rebuilds. */
    @Query("select m from DmaMapping m where m.containerId = :containerId order by m.range.firstKey")
    List<DmaMapping> allOf(long containerId);

    @Modifying(flushAutomatically = true)
    @Query("delete from DmaMapping m where m.containerId = :containerId")
    int deleteAllOf(long containerId);
}
