package dev.sva.addressspace;

import dev.sva.core.RangeRules;
import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

/** Regions, addressed by {@code dev.sva.core.Address#sortKey} bounds. */
interface RegionRepository extends JpaRepository<Region, Long> {

    /** The regions that start inside {@code [firstKey, lastKey]}, in address order: a range scan of the start index. */
    @Query("select r from Region r where r.addressSpaceId = :asId and r.range.firstKey >= :firstKey "
            + "and r.range.firstKey <= :lastKey order by r.addressSpaceId, r.range.firstKey")
    List<Region> startingWithin(long asId, long firstKey, long lastKey, Pageable pageable);

    /**
     * The regions that end at or after {@code key}, by end: with a page of one, one probe of the end index.
     * The order names the index's leading column too, or H2 reads every row past {@code key} and sorts.
     */
    @Query("select r from Region r where r.addressSpaceId = :asId and r.range.lastKey >= :key order by r.addressSpaceId, r.range.lastKey")
    List<Region> endingFrom(long asId, long key, Pageable pageable);

    /** The regions of one address space as a {@link RangeRules.Index}: what the shared range rules probe. */
    default RangeRules.Index<Region> of(long asId) {
        return new RangeRules.Index<>((first, last, page) -> startingWithin(asId, first, last, page),
                (key, page) -> endingFrom(asId, key, page));
    }

    @Query("select r from Region r where r.addressSpaceId = :asId order by r.range.firstKey")
    List<Region> allOf(long asId);

    @Modifying(flushAutomatically = true)
    @Query("delete from Region r where r.addressSpaceId = :asId")
    int deleteAllOf(long asId);
}
