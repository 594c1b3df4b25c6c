package dev.sva.node;

import jakarta.persistence.LockModeType;
import java.util.List;
import java.util.Optional;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Lock;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

interface NodeRepository extends JpaRepository<Node, Long> {

    Optional<Node> findByName(String name);

    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select n from Node n where n.name = :name")
    Optional<Node> lockByName(String name);

    /** Locks the node's row without entering its gate: for reads that must not see a commit begin. */
    @Lock(LockModeType.PESSIMISTIC_WRITE)
    @Query("select n.id from Node n where n.id = :id")
    Optional<Long> lockRow(long id);

    /**
     * Advances the node's event counter by one in the database, whatever a loaded {@link Node} holds;
     * the caller holds the node's lock and reads the new value with {@link #lastEventSeq}.
     */
    @Modifying(flushAutomatically = true)
    @Query("update Node n set n.lastEventSeq = n.lastEventSeq + 1 where n.id = :id")
    int advanceEventSeq(long id);

    /** Advances the node's event counter by {@code count} at once (a batch of events); as {@link #advanceEventSeq}. */
    @Modifying(flushAutomatically = true)
    @Query("update Node n set n.lastEventSeq = n.lastEventSeq + :count where n.id = :id")
    int advanceEventSeqBy(long id, long count);

    /**
     * Heals every node whose counter is behind its newest kept event (left by an older version: see
     * {@code EventSeqRepair}); answers how many were behind.
     */
    @Modifying
    @Query(nativeQuery = true, value = "update node set last_event_seq = (select max(e.seq) from event e where e.node_id = node.id)"
            + " where last_event_seq < (select max(e.seq) from event e where e.node_id = node.id)")
    int healEventSeqs();

    /** The seq of the node's last event, read from the database (not from a loaded entity). */
    @Query("select n.lastEventSeq from Node n where n.id = :id")
    Optional<Long> lastEventSeq(long id);

    /**
     * Advances the node's journal position by {@code count} in the database (the column is the journal's, not the
     * entity's); the caller holds the node's lock and reads the new value with {@link #journalPosition}.
     */
    @Modifying(flushAutomatically = true)
    @Query(nativeQuery = true, value = "update node set journal_position = journal_position + :count where id = :id")
    int advanceJournalPosition(long id, long count);

    /** The position of the node's last journal record, read from the database. */
    @Query(nativeQuery = true, value = "select journal_position from node where id = :id")
    Optional<Long> journalPosition(long id);

    @Query("select n from Node n where n.name > :after order by n.name")
    List<Node> page(String after, Pageable pageable);
}
