package dev.sva.container;

import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface ContainerRepository extends JpaRepository<Container, Long> {

    @Query("select c from Container c where c.nodeId = :nodeId and c.id > :after order by c.id")
    List<Container> page(long nodeId, long after, Pageable pageable);
}
