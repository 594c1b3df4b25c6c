package dev.sva.device;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface DeviceRepository extends JpaRepository<Device, Long> {

    /** One device with its BARs in one statement (a plain find would fetch the BARs in a second one). */
    @Override
    @Query("select d from Device d left join fetch d.bars where d.id = :id")
    Optional<Device> findById(Long id);

    boolean existsByNodeIdAndBdf(long nodeId, String bdf);

    List<Device> findByGroupIdOrderById(long groupId);

    List<Device> findByNodeIdOrderById(long nodeId);

    List<Device> findByGroupIdInOrderById(Collection<Long> groupIds);

    long countByGroupId(long groupId);

    /** A page of the node's devices; of groups allocated to {@code tenant} only, unless it is {@code null}. */
    @Query("""
            select d from Device d where d.nodeId = :nodeId and d.id > :after
              and (:tenant is null or d.groupId in (select g.id from IommuGroup g where g.tenant = :tenant))
            order by d.id""")
    List<Device> page(long nodeId, String tenant, long after, Pageable pageable);

    @Query("select d from Device d where d.nodeId = :nodeId and d.groupId = :groupId and d.id > :after order by d.id")
    List<Device> pageInGroup(long nodeId, long groupId, long after, Pageable pageable);

    /** Whether the device exists in a group allocated to {@code tenant}. */
    @Query("select count(d) > 0 from Device d, IommuGroup g where d.id = :id and g.id = d.groupId and g.tenant = :tenant")
    boolean isAllocatedTo(long id, String tenant);

    @Query("select d.id from Device d, IommuGroup g where d.nodeId = :nodeId and g.id = d.groupId and g.tenant = :tenant")
    List<Long> allocatedKeys(long nodeId, String tenant);
}
