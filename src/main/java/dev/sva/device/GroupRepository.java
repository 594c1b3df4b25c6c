package dev.sva.device;

import java.util.Collection;
import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface GroupRepository extends JpaRepository<IommuGroup, Long> {

    List<IommuGroup> findByContainerIdOrderById(long containerId);

    List<IommuGroup> findByNodeIdOrderById(long nodeId);

    List<IommuGroup> findByContainerIdInOrderById(Collection<Long> containerIds);

    /** A page of the node's groups; allocated to {@code tenant} only, unless it is {@code null}. */
    @Query("select g from IommuGroup g where g.nodeId = :nodeId and (:tenant is null or g.tenant = :tenant) and g.id > :after order by g.id")
    List<IommuGroup> page(long nodeId, String tenant, long after, Pageable pageable);
}
