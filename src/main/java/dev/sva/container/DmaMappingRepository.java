package dev.sva.container;

import dev.sva.core.RangeRules;
import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

/** Mappings, addressed by {@code dev.sva.core.Address#sortKey} bounds. */
interface DmaMappingRepository extends JpaRepository<DmaMapping, Long> {

    /** The rows that start inside {@code [firstKey, lastKey]}, in address order: a range scan of the start index. */
    @Query("select m from DmaMapping m where m.containerId = :containerId and m.range.firstKey >= :firstKey "
            + "and m.range.firstKey <= :lastKey order by m.containerId, m.range.firstKey")
    List<DmaMapping> startingWithin(long containerId, long firstKey, long lastKey, Pageable pageable);

    /**
     * The rows that end at or after {@code key}, by end: with a page of one, one probe of the end index.
     * The order names the index's leading column too, or H2 reads every row past {@code key} and sorts.
     */
    @Query("select m from DmaMapping m where m.containerId = :containerId and m.range.lastKey >= :key order by m.containerId, m.range.lastKey")
    List<DmaMapping> endingFrom(long containerId, long key, Pageable pageable);

    /** The mappings of one container as a {@link RangeRules.Index}: what the shared range rules probe. */
    default RangeRules.Index<DmaMapping> of(long containerId) {
        return new RangeRules.Index<>((first, last, page) -> startingWithin(containerId, first, last, page),
                (key, page) -> endingFrom(containerId, key, page));
    }

    /** All mappings of a container in IOVA order; for the automatic IOVA search and rebuilds. */
    @Query("select m from DmaMapping m where m.containerId = :containerId order by m.range.firstKey")
    List<DmaMapping> allOf(long containerId);

    @Modifying(flushAutomatically = true)
    @Query("delete from DmaMapping m where m.containerId = :containerId")
    int deleteAllOf(long containerId);
}
