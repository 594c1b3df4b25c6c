package dev.sva.replica;

import dev.sva.core.JournalCommitHook;
import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.core.ResultSetExtractor;
import org.springframework.stereotype.Component;

/**
 * The writer's side of the replica set (docs/replicas.md): a journal record wakes the other replicas
 * when it commits ({@code pg_notify} in the writer's transaction), and after the commit the writer waits
 * until every live replica acknowledged it — or until that replica's lease expired, in database time —
 * before its HTTP call returns. So after a {@code 2xx}, no replica that may still answer DMA translates
 * through what the change removed (REPLICAS.md, guarantees 1 and 2).
 *
 * <p>Ordered after the local translation engine's feed: by then this process's own engine holds the change.
 */
@Component
@Order(ReplicaWriters.ORDER)
class ReplicaWriters implements JournalCommitHook {

    /** After the local engine's feed ({@code translation/JournalFeed}). */
    static final int ORDER = Ordered.LOWEST_PRECEDENCE;

    private static final Logger log = LoggerFactory.getLogger(ReplicaWriters.class);
    /**
     * A lease's time left in milliseconds. {@code clock_timestamp()}, not {@code now()}: these reads run on the
     * committed transaction's connection, where {@code now()} would stay the time of the first of them.
     */
    private static final String REMAINING_MS = "CAST(EXTRACT(EPOCH FROM (lease_until - clock_timestamp())) * 1000 AS BIGINT)";

    private final ReplicaSet replicas;
    private final JdbcTemplate jdbc;
    private final DataSource dataSource;

    ReplicaWriters(ReplicaSet replicas, JdbcTemplate jdbc, DataSource dataSource) {
        this.replicas = replicas;
        this.jdbc = jdbc;
        this.dataSource = dataSource;
    }

    /** In the writer's transaction: PostgreSQL delivers the wake-up at commit, and only if it commits. */
    @Override
    public void beforeCommit(long nodeId, long position) {
        if (!replicas.enabled()) {
            return;
        }
        jdbc.query("SELECT pg_notify(" + ReplicaSet.CHANNEL_SQL + ", ?)", (ResultSetExtractor<Void>) rs -> null,
                ReplicaSet.JOURNAL, wakeUp(nodeId, position));
    }

    /**
     * After the commit: the live replicas as the database holds them now (a replica that joins later reads
     * this commit's position when it catches up), then each one's acknowledgement or lapsed lease.
     */
    @Override
    public void afterCommit(long nodeId, long position) {
        if (!replicas.enabled()) {
            return;
        }
        List<Live> live;
        try {
            // on the committed transaction's connection, still bound: a writer holds no second one while it waits
            live = jdbc.query("SELECT id, " + REMAINING_MS + " FROM replica WHERE ready AND lease_until > clock_timestamp() "
                    + "AND id <> ?", (rs, i) -> new Live(rs.getString(1), rs.getLong(2) * 1_000_000), replicas.id());
        } catch (RuntimeException e) {
            throw unconfirmed("the replica set could not be read after the commit: " + e);
        }
        for (Live r : live) {
            await(r, nodeId, position);
        }
    }

    private record Live(String id, long remainingNanos) {
    }

    private void await(Live r, long node, long position) {
        Acks acks = replicas.acks();
        long heartbeat = replicas.properties().heartbeat().toNanos();
        long lease = replicas.properties().lease().toNanos();
        long deadline = System.nanoTime() + r.remainingNanos();
        int epoch = replicas.epoch();
        try {
            while (!acks.await(r.id(), node, position, Math.min(Math.max(deadline - System.nanoTime(), 1), heartbeat))) {
                if (replicas.epoch() != epoch) {
                    // this replica's listener reconnected: an acknowledgement sent meanwhile is lost, ask again
                    epoch = replicas.epoch();
                    announce(node, position);
                }
                if (replicas.listenerDownNanos() > lease) {
                    throw unconfirmed("this replica has not seen the replicas' acknowledgements for a lease");
                }
                if (System.nanoTime() - deadline >= 0) {
                    Long remaining = leaseRemaining(r.id());
                    if (remaining == null) {
                        log.info("writer stopped waiting for replica {}: its lease expired before it confirmed node {} "
                                + "position {}", r.id(), node, position);
                        return;
                    }
                    deadline = System.nanoTime() + remaining;
                    // still renewing: an acknowledgement may have been lost (the pool was busy); asking again is harmless
                    announce(node, position);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unconfirmed("interrupted while waiting for replica " + r.id());
        }
    }

    /** The replica's lease left in database time, or {@code null} when it expired, is not ready or is gone. */
    private Long leaseRemaining(String replica) {
        try {
            List<Long> left = jdbc.query("SELECT " + REMAINING_MS + " FROM replica WHERE id = ? AND ready "
                    + "AND lease_until > clock_timestamp()", (rs, i) -> rs.getLong(1), replica);
            return left.isEmpty() ? null : Math.max(1, left.get(0)) * 1_000_000;
        } catch (RuntimeException e) {
            // the database is away: look again after a heartbeat; a listener down for a lease ends the wait
            return replicas.properties().heartbeat().toNanos();
        }
    }

    /** Sends the wake-up again, on a connection of its own: on the committed transaction's it would never commit. */
    private void announce(long node, long position) {
        try (Connection c = dataSource.getConnection()) {
            ReplicaSet.notify(c, ReplicaSet.JOURNAL, wakeUp(node, position));
        } catch (SQLException | RuntimeException e) {
            log.debug("could not announce node {} position {} again: {}", node, position, e.toString());
        }
    }

    private String wakeUp(long node, long position) {
        return node + ":" + position + ":" + replicas.id();
    }

    /**
     * The change is committed, but this replica cannot confirm that every live replica applied it: answered
     * like a commit whose outcome is unknown (every write is safe to repeat).
     */
    private static ProblemException unconfirmed(String why) {
        return new ProblemException(ProblemType.DATABASE_UNAVAILABLE, "EIO", "the change was committed but its "
                + "application by every replica could not be confirmed (" + why + "); repeat it to be sure")
                .with("outcome", "UNKNOWN");
    }
}
