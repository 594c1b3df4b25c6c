package dev.sva.core;

import jakarta.persistence.Column;
import jakarta.persistence.MappedSuperclass;
import java.time.Instant;

/**
 * An entity that lives on one node and is written only under that node's lock: the node and the time it
 * was made, both fixed when it is created ({@code node_id}, {@code created_at}).
 */
@MappedSuperclass
public abstract class NodeEntity extends SequencedEntity {

    @Column(name = "node_id", nullable = false)
    private long nodeId;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected NodeEntity() {
    }

    protected NodeEntity(long nodeId) {
        this.nodeId = nodeId;
        this.createdAt = Timestamps.now();
    }

    public long nodeId() {
        return nodeId;
    }

    public Instant createdAt() {
        return createdAt;
    }
}
