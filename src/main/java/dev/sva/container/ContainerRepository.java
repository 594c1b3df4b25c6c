package dev.sva.container;

import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface ContainerRepository extends JpaRepository<Container, Long> {

    /** A page of the node's containers; of tenant {@code tenant} only, unless it is {@code null}. */
    @Query("select c from Container c where c.nodeId = :nodeId and (:tenant is null or c.tenant = :tenant) and c.id > :after order by c.id")
    List<Container> page(long nodeId, String tenant, long after, Pageable pageable);
}
