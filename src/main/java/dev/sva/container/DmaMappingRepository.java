package dev.sva.container;

import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

/** Mappings, addressed by {@code dev.sva.core.Address#sortKey} bounds. */
public interface DmaMappingRepository extends JpaRepository<DmaMapping, Long> {

    long countByContainerId(long containerId);

    @Query("select m from DmaMapping m where m.containerId = :containerId and m.firstKey <= :lastKey and m.lastKey >= :firstKey order by m.firstKey")
    List<DmaMapping> overlapping(long containerId, long firstKey, long lastKey, Pageable pageable);

    @Query("select m from DmaMapping m where m.containerId = :containerId and m.firstKey >= :fromKey order by m.firstKey")
    List<DmaMapping> pageFrom(long containerId, long fromKey, Pageable pageable);

    /** All mappings of a container in IOVA order; for the automatic IOVA search and rebuilds. */
    @Query("select m from DmaMapping m where m.containerId = :containerId order by m.firstKey")
    List<DmaMapping> allOf(long containerId);

    @Modifying(flushAutomatically = true)
    @Query("delete from DmaMapping m where m.containerId = :containerId")
    int deleteAllOf(long containerId);
}
