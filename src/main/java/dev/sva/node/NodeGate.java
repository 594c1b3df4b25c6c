package dev.sva.node;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * This process's gate per node: a change of a node enters it before its transaction takes a database
 * connection, and leaves it once the transaction has completed — after its commit and after every
 * after-commit callback, which is where the translation engine is fed. The database row lock alone
 * orders the commits; without the gate, the next transaction on the node could commit and feed the
 * engine before this one's after-commit ran, and the engine would apply an unmap before the map it
 * undoes.
 *
 * <p>Why before the connection: requests queued on a busy node wait here holding nothing, so one node
 * with many writers keeps at most one of the pool's connections (its gate holder's), and every other
 * node is served. A request that waited {@code sva.nodes.busy-wait} (default 10 s) in vain is refused
 * as {@code 503 BUSY}. Transactions take their connection at their first statement (the pool is
 * wrapped in a lazy-connection proxy, {@code core/TransactionConfig}), and a change locks its node
 * before its first statement ({@code NodeService.lock}).
 *
 * <p>The gate is left in the transaction's {@code afterCompletion}, at {@link #RELEASE_ORDER} (the last).
 * Spring runs every synchronization's {@code afterCommit} before any {@code afterCompletion}, so the
 * journal's after-commit hooks ({@code Journal}, {@code JournalCommitHook}: the translation engine
 * applies the change there) run inside the gate; anything else that must run inside it uses
 * {@code afterCompletion} with a higher precedence than {@link #RELEASE_ORDER}.
 *
 * <p>Threading: within this process the gate is always entered before the node's row lock (changes
 * and the locked list reads alike), and nobody here waits for a gate while holding a row lock. The
 * gate holder may wait for the row, held only by another replica's transaction, which waits for
 * nothing in this process; a transaction that holds the gate without the row is past its commit and
 * waits for nothing. So the two locks cannot deadlock. A transaction that locked two nodes would
 * enter two gates; none does (a change stays on its node, CROSS_NODE), and the bounded wait would
 * turn such a cycle into {@code 503 BUSY}, not a hang.
 */
@Component
public class NodeGate {

    /** The order of the gate's release among a transaction's completion callbacks: the last. */
    public static final int RELEASE_ORDER = Ordered.LOWEST_PRECEDENCE;

    /** Key of the transaction resource holding the nodes whose gates the transaction entered. */
    private static final Object ENTERED = new Object();

    private final Map<Long, ReentrantLock> gates = new ConcurrentHashMap<>();
    private final long waitNanos;

    NodeGate(@Value("${sva.nodes.busy-wait:10s}") Duration wait) {
        this.waitNanos = wait.toNanos();
    }

    /**
     * Enters the node's gate for the rest of the current transaction, waiting at most
     * {@code sva.nodes.busy-wait}; throws {@link PessimisticLockingFailureException} ({@code 503 BUSY})
     * when the node stays busy that long.
     */
    void enter(long nodeId) {
        ReentrantLock gate = lock(nodeId);
        entered().add(nodeId);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public int getOrder() {
                return RELEASE_ORDER;
            }

            @Override
            public void afterCompletion(int status) {
                gate.unlock();
            }
        });
    }

    /** Takes the node's gate, waiting at most {@code sva.nodes.busy-wait}; {@code 503 BUSY} when it stays taken. */
    private ReentrantLock lock(long nodeId) {
        ReentrantLock gate = gates.computeIfAbsent(nodeId, id -> new ReentrantLock());
        try {
            if (!gate.tryLock(waitNanos, TimeUnit.NANOSECONDS)) {
                throw new PessimisticLockingFailureException("node " + nodeId + " stayed busy for "
                        + Duration.ofNanos(waitNanos).toMillis() + " ms");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PessimisticLockingFailureException("interrupted waiting for node " + nodeId, e);
        }
        return gate;
    }

    /**
     * Whether the current transaction has entered a gate already — and so may hold its connection:
     * a further lookup it needs runs on that connection rather than taking a second one.
     */
    boolean enteredByCurrentTransaction() {
        @SuppressWarnings("unchecked")
        Set<Long> nodes = (Set<Long>) TransactionSynchronizationManager.getResource(ENTERED);
        return nodes != null && !nodes.isEmpty();
    }

    @SuppressWarnings("unchecked")
    private Set<Long> entered() {
        Set<Long> nodes = (Set<Long>) TransactionSynchronizationManager.getResource(ENTERED);
        if (nodes == null) {
            Set<Long> fresh = new HashSet<>();
            TransactionSynchronizationManager.bindResource(ENTERED, fresh);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(ENTERED);
                }
            });
            nodes = fresh;
        }
        return nodes;
    }

    /** The nodes whose gates the current transaction entered (empty outside one). */
    public Set<Long> nodesOfCurrentTransaction() {
        @SuppressWarnings("unchecked")
        Set<Long> nodes = (Set<Long>) TransactionSynchronizationManager.getResource(ENTERED);
        return nodes == null ? Set.of() : Set.copyOf(nodes);
    }

    /**
     * Runs {@code work} inside the node's gate, outside any transaction's lifetime: the gate is left
     * when {@code work} returns. For work that must not interleave with the node's changes reaching the
     * engine (reloading the node's engine state). Waits as {@link #enter} does.
     */
    public void runInside(long nodeId, Runnable work) {
        ReentrantLock gate = lock(nodeId);
        try {
            work.run();
        } finally {
            gate.unlock();
        }
    }

    /** Whether the current thread is inside the node's gate (for checks of the ordering above). */
    public boolean heldByCurrentThread(long nodeId) {
        ReentrantLock gate = gates.get(nodeId);
        return gate != null && gate.isHeldByCurrentThread();
    }
}
