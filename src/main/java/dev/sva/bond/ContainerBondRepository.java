package dev.sva.bond;

import java.util.List;
import java.util.Optional;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface ContainerBondRepository extends JpaRepository<ContainerBond, Long> {

    Optional<ContainerBond> findByContainerIdAndAddressSpaceId(long containerId, long addressSpaceId);

    List<ContainerBond> findByContainerIdOrderById(long containerId);

    List<ContainerBond> findByAddressSpaceId(long addressSpaceId);

    boolean existsByContainerId(long containerId);

    @Query("select c from ContainerBond c where c.containerId = :containerId and c.id > :after order by c.id")
    List<ContainerBond> page(long containerId, long after, Pageable pageable);
}
