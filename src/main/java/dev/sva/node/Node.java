package dev.sva.node;

import dev.sva.core.SequencedEntity;
import dev.sva.core.Timestamps;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * One host and its IOMMU. Invariants: widths never change after creation; {@code lastEventSeq} only
 * grows, one step per event, and is written only by a transaction that holds this row's lock — and
 * only by the database-side increment of {@link NodeRepository#advanceEventSeq}: the column is not
 * updatable from the entity, so flushing a copy loaded before the lock (whose counter a locking
 * query does not refresh) can never move the stored counter, backwards or at all.
 */
@Entity
@Table(name = "node")
public class Node extends SequencedEntity {

    public static final String DEFAULT = "local";

    @Column(nullable = false, unique = true)
    private String name;

    @Column(name = "pasid_bits", nullable = false)
    private int pasidBits;

    @Column(name = "iova_bits", nullable = false)
    private int iovaBits;

    @Column(name = "va_bits", nullable = false)
    private int vaBits;

    @Column(name = "last_event_seq", nullable = false, updatable = false)
    private long lastEventSeq;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    /** Set by the first topology import and never cleared: from then on the node's groups come from its fabric. */
    @Column(name = "topology_managed", nullable = false)
    private boolean topologyManaged;

    protected Node() {
    }

    public Node(String name, int pasidBits, int iovaBits, int vaBits) {
        this.name = name;
        this.pasidBits = pasidBits;
        this.iovaBits = iovaBits;
        this.vaBits = vaBits;
        this.createdAt = Timestamps.now();
    }

    /** Keeps this copy in step with the counter the database advanced to (see {@link NodeRepository#advanceEventSeq}). */
    void eventSeqAdvancedTo(long seq) {
        this.lastEventSeq = seq;
    }

    public String name() {
        return name;
    }

    public int pasidBits() {
        return pasidBits;
    }

    public int iovaBits() {
        return iovaBits;
    }

    public int vaBits() {
        return vaBits;
    }

    public long lastEventSeq() {
        return lastEventSeq;
    }

    public Instant createdAt() {
        return createdAt;
    }

    /** Whether the node's groups come from an imported topology (TOPOLOGY.md): hand-made groups are refused. */
    public boolean topologyManaged() {
        return topologyManaged;
    }

    /** Marks the node as topology-managed; the caller holds this row's lock. */
    void manageTopology() {
        this.topologyManaged = true;
    }
}
