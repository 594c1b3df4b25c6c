package dev.sva.node;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
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
 * <p>Threading: the gate is taken before the database row lock and released after it, in the same
 * order by every transaction, so the two locks cannot deadlock.
 */
@Component
class NodeGate {

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
            public void afterCompletion(int status) {
                gate.unlock();
            }
        });
    }
}
