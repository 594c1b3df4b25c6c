package dev.sva.addressspace;

import dev.sva.core.Address;
import dev.sva.core.AddressRange;
import java.util.ArrayList;
import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

/** Regions, addressed by {@code dev.sva.core.Address#sortKey} bounds. */
public interface RegionRepository extends JpaRepository<Region, Long> {

    /** The regions that start inside {@code [firstKey, lastKey]}, in address order: a range scan of the start index. */
    @Query("select r from Region r where r.addressSpaceId = :asId and r.range.firstKey >= :firstKey "
            + "and r.range.firstKey <= :lastKey order by r.range.firstKey")
    List<Region> startingWithin(long asId, long firstKey, long lastKey, Pageable pageable);

    /** The regions that end at or after {@code key}, by end: with a page of one, one probe of the end index. */
    @Query("select r from Region r where r.addressSpaceId = :asId and r.range.lastKey >= :key order by r.range.lastKey")
    List<Region> endingFrom(long asId, long key, Pageable pageable);

    /**
     * The rows that share an address with {@code range}, in address order. Regions never overlap, so
     * at most one starts before the range and reaches into it (the first that ends inside or after
     * it) and every other starts inside it: two index probes, whatever the process holds elsewhere.
     */
    default List<Region> overlapping(long asId, AddressRange range, Pageable pageable) {
        return page(asId, range, 0, pageable);
    }

    /** A page of the regions that share an address with {@code range} and start at {@code from} or above. */
    default List<Region> page(long asId, AddressRange range, long from, Pageable pageable) {
        List<Region> out = new ArrayList<>();
        long first = range.first();
        if (Long.compareUnsigned(from, first) <= 0) {
            for (Region head : endingFrom(asId, Address.sortKey(first), Pageable.ofSize(1))) {
                if (Long.compareUnsigned(head.va(), first) < 0 && Long.compareUnsigned(head.va(), from) >= 0) {
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
        out.addAll(startingWithin(asId, Address.sortKey(start), Address.sortKey(range.last()), rest));
        return out;
    }

    @Query("select r from Region r where r.addressSpaceId = :asId order by r.range.firstKey")
    List<Region> allOf(long asId);

    @Modifying(flushAutomatically = true)
    @Query("delete from Region r where r.addressSpaceId = :asId")
    int deleteAllOf(long asId);
}
