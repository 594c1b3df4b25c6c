package dev.sva.addressspace;

import dev.sva.core.Address;
import dev.sva.core.AddressRange;
import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

/** Regions, addressed by {@code dev.sva.core.Address#sortKey} bounds. */
public interface RegionRepository extends JpaRepository<Region, Long> {

    long countByAddressSpaceId(long addressSpaceId);

    @Query("select r from Region r where r.addressSpaceId = :asId and r.range.firstKey <= :lastKey and r.range.lastKey >= :firstKey order by r.range.firstKey")
    List<Region> overlappingKeys(long asId, long firstKey, long lastKey, Pageable pageable);

    /** The rows that share an address with {@code range}, in address order. */
    default List<Region> overlapping(long asId, AddressRange range, Pageable pageable) {
        return overlappingKeys(asId, Address.sortKey(range.first()), Address.sortKey(range.last()), pageable);
    }

    @Query("select r from Region r where r.addressSpaceId = :asId and r.range.firstKey >= :fromKey "
            + "and r.range.firstKey <= :lastKey and r.range.lastKey >= :firstKey order by r.range.firstKey")
    List<Region> pageKeys(long asId, long fromKey, long firstKey, long lastKey, Pageable pageable);

    /** A page of the regions that share an address with {@code range} and start at {@code from} or above. */
    default List<Region> page(long asId, AddressRange range, long from, Pageable pageable) {
        return pageKeys(asId, Address.sortKey(from), Address.sortKey(range.first()), Address.sortKey(range.last()), pageable);
    }

    @Query("select r from Region r where r.addressSpaceId = :asId order by r.range.firstKey")
    List<Region> allOf(long asId);

    @Modifying(flushAutomatically = true)
    @Query("delete from Region r where r.addressSpaceId = :asId")
    int deleteAllOf(long asId);
}
