package dev.sva.addressspace;

import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface AddressSpaceRepository extends JpaRepository<AddressSpace, Long> {

    boolean existsByNodeIdAndPid(long nodeId, int pid);

    /**
     * The lowest PASID from 1 that no live address space of the node holds: 1, or one past a held
     * PASID whose successor is free. Each probe is a lookup in the {@code (node_id, pasid)} unique
     * index, and nothing but the answer leaves the database.
     */
    @Query(nativeQuery = true, value = """
            select min(free) from (
              select 1 as free where not exists
                (select 1 from address_space f where f.node_id = :nodeId and f.pasid = 1)
              union all
              select a.pasid + 1 from address_space a where a.node_id = :nodeId and a.pasid is not null
                and not exists (select 1 from address_space b where b.node_id = :nodeId and b.pasid = a.pasid + 1)
            ) gaps""")
    int lowestFreePasid(long nodeId);

    /** A page of the node's address spaces; of tenant {@code tenant} only, unless it is {@code null}. */
    @Query("select a from AddressSpace a where a.nodeId = :nodeId and (:tenant is null or a.tenant = :tenant) and a.id > :after order by a.id")
    List<AddressSpace> page(long nodeId, String tenant, long after, Pageable pageable);
}
