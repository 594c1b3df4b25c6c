package dev.sva.addressspace;

import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

/** Regions, addressed by {@code dev.sva.core.Address#sortKey} bounds. */
public interface RegionRepository extends JpaRepository<Region, Long> {

    long countByAddressSpaceId(long addressSpaceId);

    @Query("select r from Region r where r.addressSpaceId = :asId and r.firstKey <= :lastKey and r.lastKey >= :firstKey order by r.firstKey")
    List<Region> overlapping(long asId, long firstKey, long lastKey, Pageable pageable);

    @Query("select r from Region r where r.addressSpaceId = :asId and r.firstKey >= :fromKey order by r.firstKey")
    List<Region> pageFrom(long asId, long fromKey, Pageable pageable);

    @Query("select r from Region r where r.addressSpaceId = :asId order by r.firstKey")
    List<Region> allOf(long asId);

    @Modifying(flushAutomatically = true)
    @Query("delete from Region r where r.addressSpaceId = :asId")
    int deleteAllOf(long asId);
}
