package dev.sva.addressspace;

import java.util.List;
import java.util.Optional;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface AddressSpaceRepository extends JpaRepository<AddressSpace, Long> {

    @Query("select a.nodeId from AddressSpace a where a.id = :id")
    Optional<Long> nodeIdOf(long id);

    boolean existsByNodeIdAndPid(long nodeId, int pid);

    /** PASIDs in use on a node, ascending. */
    @Query("select a.pasid from AddressSpace a where a.nodeId = :nodeId and a.pasid is not null order by a.pasid")
    List<Integer> pasidsInUse(long nodeId);

    @Query("select a from AddressSpace a where a.nodeId = :nodeId and a.id > :after order by a.id")
    List<AddressSpace> page(long nodeId, long after, Pageable pageable);
}
