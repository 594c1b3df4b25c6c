package dev.sva.container;

import dev.sva.core.Address;
import dev.sva.core.AddressRange;
import java.util.Collection;
import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

/** Mappings, addressed by {@code dev.sva.core.Address#sortKey} bounds. */
public interface DmaMappingRepository extends JpaRepository<DmaMapping, Long> {

    long countByContainerId(long containerId);

    /** Rows of (container id, its mapping count) for the containers that have any. */
    @Query("select m.containerId, count(m) from DmaMapping m where m.containerId in :containerIds group by m.containerId")
    List<Object[]> countByContainerIds(Collection<Long> containerIds);

    @Query("select m from DmaMapping m where m.containerId = :containerId and m.range.firstKey <= :lastKey and m.range.lastKey >= :firstKey order by m.range.firstKey")
    List<DmaMapping> overlappingKeys(long containerId, long firstKey, long lastKey, Pageable pageable);

    /** The rows that share an address with {@code range}, in address order. */
    default List<DmaMapping> overlapping(long containerId, AddressRange range, Pageable pageable) {
        return overlappingKeys(containerId, Address.sortKey(range.first()), Address.sortKey(range.last()), pageable);
    }

    @Query("select m from DmaMapping m where m.containerId = :containerId and m.range.firstKey >= :fromKey "
            + "and m.range.firstKey <= :lastKey and m.range.lastKey >= :firstKey order by m.range.firstKey")
    List<DmaMapping> pageKeys(long containerId, long fromKey, long firstKey, long lastKey, Pageable pageable);

    /** A page of the rows that share an address with {@code range} and start at {@code from} or above. */
    default List<DmaMapping> page(long containerId, AddressRange range, long from, Pageable pageable) {
        return pageKeys(containerId, Address.sortKey(from), Address.sortKey(range.first()), Address.sortKey(range.last()), pageable);
    }

    /** All mappings of a container in IOVA order; for the automatic IOVA search and rebuilds. */
    @Query("select m from DmaMapping m where m.containerId = :containerId order by m.range.firstKey")
    List<DmaMapping> allOf(long containerId);

    @Modifying(flushAutomatically = true)
    @Query("delete from DmaMapping m where m.containerId = :containerId")
    int deleteAllOf(long containerId);
}
