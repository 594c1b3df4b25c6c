package dev.sva.replica;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The acknowledgements of the other replicas this process's listener has seen: per replica and node,
 * the highest journal position the replica said it applied. Writers wait here for theirs.
 *
 * <p>Threading: the listener thread records, then {@link #signal}s; a writer checks and waits under the
 * same monitor, so a record between its check and its wait still wakes it.
 */
final class Acks {

    private final Map<String, Map<Long, Long>> applied = new ConcurrentHashMap<>();
    private final Object changed = new Object();

    void record(String replica, long node, long position) {
        applied.computeIfAbsent(replica, r -> new ConcurrentHashMap<>()).merge(node, position, Math::max);
    }

    long of(String replica, long node) {
        Map<Long, Long> nodes = applied.get(replica);
        Long p = nodes == null ? null : nodes.get(node);
        return p == null ? 0 : p;
    }

    /** Wakes every waiting writer to look again (an acknowledgement arrived, or the listener changed). */
    void signal() {
        synchronized (changed) {
            changed.notifyAll();
        }
    }

    /**
     * Waits until {@code replica} acknowledged {@code position} of {@code node}, or {@code nanos} passed, or
     * {@link #signal} was called; answers whether the acknowledgement is there.
     */
    boolean await(String replica, long node, long position, long nanos) throws InterruptedException {
        synchronized (changed) {
            if (of(replica, node) >= position) {
                return true;
            }
            long millis = Math.max(1, nanos / 1_000_000);
            changed.wait(millis);
            return of(replica, node) >= position;
        }
    }

    void forget(String replica) {
        applied.remove(replica);
    }
}
