package dev.sva.node;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.springframework.core.Ordered;
import org.springframework.dao.PessimisticLockingFailureException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * This process's gate per node, held from the moment a transaction locks the node until the
 * transaction has completed — after its commit and after every after-commit callback, which is
 * where the translation engine is fed. The database row lock alone orders the commits; without the
 * gate, the next transaction on the node could commit and feed the engine before this one's
 * after-commit ran, and the engine would apply an unmap before the map it undoes.
 *
 * <p>Spring runs {@code @TransactionalEventListener}s of the default {@code AFTER_COMMIT} phase in
 * {@code afterCompletion}, sorted by order and then by registration; the gate registers first, so an
 * after-commit listener that must run inside the gate declares a higher precedence than
 * {@link #RELEASE_ORDER} (the translation engine's feed does).
 *
 * <p>Threading: a transaction enters the gate only once it holds the node's row lock, and leaves it
 * after its commit has released the row. A transaction that holds the gate without the row is past
 * its commit and waits for nothing, so the two locks cannot deadlock.
 */
@Component
public class NodeGate {

    /** The order of the gate's release among a transaction's completion callbacks: the last. */
    public static final int RELEASE_ORDER = Ordered.LOWEST_PRECEDENCE;

    private static final long WAIT_SECONDS = 10;

    private final Map<Long, ReentrantLock> gates = new ConcurrentHashMap<>();

    /** Enters the node's gate for the rest of the current transaction. */
    void enter(long nodeId) {
        ReentrantLock gate = gates.computeIfAbsent(nodeId, id -> new ReentrantLock());
        try {
            if (!gate.tryLock(WAIT_SECONDS, TimeUnit.SECONDS)) {
                throw new PessimisticLockingFailureException("node " + nodeId + " stayed busy for " + WAIT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PessimisticLockingFailureException("interrupted waiting for node " + nodeId, e);
        }
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

    /** Whether the current thread is inside the node's gate (for checks of the ordering above). */
    public boolean heldByCurrentThread(long nodeId) {
        ReentrantLock gate = gates.get(nodeId);
        return gate != null && gate.isHeldByCurrentThread();
    }
}
