package dev.sva.bond;

import dev.sva.core.RevokeReason;
import dev.sva.core.Timestamps;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * What is left of a bond that went without its owner asking: its id, node, why, and when. A later
 * unbind of it is told why it is gone — {@code ESRCH} after a process exit, as the seed's unbind of
 * an exited mm answers — instead of that it never existed. Written in the revoking transaction
 * under the node lock; deleted once older than the event retention ({@link RevokedBondPruner}).
 */
@Entity
@Table(name = "revoked_bond")
class RevokedBond {

    @Id
    @Column(name = "bond_id")
    private Long bondId;

    @Column(name = "node_id", nullable = false)
    private long nodeId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 32)
    private RevokeReason reason;

    /** The revoked bond's tenant: only it (and admins, viewers) learn why the id names nothing now. */
    private String tenant;

    @Column(name = "revoked_at", nullable = false)
    private Instant revokedAt;

    protected RevokedBond() {
    }

    RevokedBond(long bondId, long nodeId, RevokeReason reason, String tenant) {
        this.bondId = bondId;
        this.tenant = tenant;
        this.nodeId = nodeId;
        this.reason = reason;
        this.revokedAt = Timestamps.now();
    }

    long nodeId() {
        return nodeId;
    }

    RevokeReason reason() {
        return reason;
    }

    Instant revokedAt() {
        return revokedAt;
    }

    public String tenant() {
        return tenant;
    }
}
