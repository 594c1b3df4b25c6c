package dev.sva.node;

import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Query;

public interface NodeRepository extends JpaRepository<Node, Long> {

    Optional<Node> findByName(String name);

    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select n from Node n where n.name = :name")
    Optional<Node> lockByName(String name);

    /** Locks the node's row without entering its gate: for reads that must not see a commit begin. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select n.id from Node n where n.id = :id")
    Optional<Long> lockRow(long id);

    /** The seq of the node's last event, read from the database (not from a loaded entity). */
    @Query("select n.lastEventSeq from Node n where n.id = :id")
    Optional<Long> lastEventSeq(long id);

    @Query("select n from Node n where n.name > :after order by n.name")
    List<Node> page(String after, Pageable pageable);
}
