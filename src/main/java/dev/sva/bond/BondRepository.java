package dev.sva.bond;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface BondRepository extends JpaRepository<Bond, Long> {

    Optional<Bond> findByDeviceIdAndAddressSpaceId(long deviceId, long addressSpaceId);

    List<Bond> findByDeviceIdInOrderById(Collection<Long> deviceIds);

    List<Bond> findByContainerIdAndDeviceIdInOrderById(long containerId, Collection<Long> deviceIds);

    List<Bond> findByContainerIdAndAddressSpaceIdOrderById(long containerId, long addressSpaceId);

    List<Bond> findByAddressSpaceIdOrderById(long addressSpaceId);

    long countByDeviceIdIn(Collection<Long> deviceIds);

    /** Rows of (group id, bonds on its devices) for the groups that have any. */
    @Query("select d.groupId, count(b) from Bond b, Device d where d.id = b.deviceId and d.groupId in :groupIds group by d.groupId")
    List<Object[]> countByGroupIds(Collection<Long> groupIds);

    @Query("select count(b) from Bond b, Device d where d.id = b.deviceId and d.groupId = :groupId")
    long countByGroupId(long groupId);

    /** Every bond, for rebuilding derived state at start. */
    @Query("select b from Bond b order by b.id")
    List<Bond> everything();

    @Query("""
            select b from Bond b where b.nodeId = :nodeId and b.id > :after
              and (:deviceId is null or b.deviceId = :deviceId)
              and (:addressSpaceId is null or b.addressSpaceId = :addressSpaceId)
              and (:containerId is null or b.containerId = :containerId)
              and (:tenant is null or b.tenant = :tenant)
            order by b.id""")
    List<Bond> page(long nodeId, long after, Long deviceId, Long addressSpaceId, Long containerId, String tenant, Pageable pageable);
}
