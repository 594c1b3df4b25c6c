package dev.sva.core;

import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.NoRepositoryBean;

/**
 * The queries of a table of {@link MappedRange}s (a container's DMA mappings, an address space's regions), by
 * owner and by {@code dev.sva.core.Address#sortKey} bounds: written once, for each feature's own repository to
 * extend ({@code #{#entityName}} is that repository's entity). Not a repository itself.
 */
@NoRepositoryBean
public interface RangeRepository<T extends MappedRange> extends JpaRepository<T, Long> {

    /** The ranges that start inside {@code [firstKey, lastKey]}, in address order: a range scan of the start index. */
    @Query("select r from #{#entityName} r where r.ownerId = :ownerId and r.range.firstKey >= :firstKey "
            + "and r.range.firstKey <= :lastKey order by r.ownerId, r.range.firstKey")
    List<T> startingWithin(long ownerId, long firstKey, long lastKey, Pageable pageable);

    /**
     * The ranges that end at or after {@code key}, by end: with a page of one, one probe of the end index.
     * The order names the index's leading column too, or H2 reads every row past {@code key} and sorts.
     */
    @Query("select r from #{#entityName} r where r.ownerId = :ownerId and r.range.lastKey >= :key order by r.ownerId, r.range.lastKey")
    List<T> endingFrom(long ownerId, long key, Pageable pageable);

    /** The ranges of one owner as a {@link RangeRules.Index}: what the shared range rules probe. */
    default RangeRules.Index<T> of(long ownerId) {
        return new RangeRules.Index<>((first, last, page) -> startingWithin(ownerId, first, last, page),
                (key, page) -> endingFrom(ownerId, key, page));
    }

    /** All ranges of one owner in address order; for the automatic IOVA search and rebuilds. */
    @Query("select r from #{#entityName} r where r.ownerId = :ownerId order by r.range.firstKey")
    List<T> allOf(long ownerId);

    @Modifying(flushAutomatically = true)
    @Query("delete from #{#entityName} r where r.ownerId = :ownerId")
    int deleteAllOf(long ownerId);
}
