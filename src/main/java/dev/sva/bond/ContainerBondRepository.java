package dev.sva.bond;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;

public interface ContainerBondRepository extends JpaRepository<ContainerBond, Long> {

    Optional<ContainerBond> findByContainerIdAndAddressSpaceId(long containerId, long addressSpaceId);

    List<ContainerBond> findByContainerIdOrderById(long containerId);

    List<ContainerBond> findByAddressSpaceId(long addressSpaceId);

    boolean existsByContainerId(long containerId);
}
