package dev.sva.event;

import dev.sva.core.StateChange;
import dev.sva.core.Timestamps;
import dev.sva.node.Journal;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import dev.sva.security.Caller;
import dev.sva.security.CurrentCaller;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.persistence.EntityManager;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import tools.jackson.databind.json.JsonMapper;

/**
 * Records what a change did, once, inside the caller's transaction: its public event in the node's log, and the
 * translation engine's commands in the node's {@link Journal} (one call for both; the engine is fed only from the
 * journal). The caller holds the node's lock (taken by {@code NodeService.lock}), which is what makes {@code seq}
 * and the journal's positions gap-free and in commit order. After the transaction commits, the stream is told which
 * seq each node reached. Each event names its actor, the {@link CurrentCaller} of the thread that records it
 * ({@code system} outside a request).
 */
@Component
public class EventLog {

    private static final Object PENDING = new Object();
    private static final Object BATCH = new Object();

    private final EntityManager entityManager;
    private final NodeService nodes;
    private final JsonMapper json;
    private final EventStream stream;
    private final Journal journal;
    private final Map<EventType, Counter> written = new EnumMap<>(EventType.class);

    EventLog(EntityManager entityManager, NodeService nodes, JsonMapper json, EventStream stream, Journal journal,
             MeterRegistry meters) {
        this.entityManager = entityManager;
        this.journal = journal;
        this.nodes = nodes;
        this.json = json;
        this.stream = stream;
        for (EventType type : EventType.values()) {
            written.put(type, Counter.builder("sva.events.written").tag("type", type.name())
                    .description("Events committed, by type").register(meters));
        }
    }

    /**
     * Records one event of {@code node} about the subject {@code (kind, id)}. The seq is advanced in
     * the database row and read back from it, never taken from the {@link Node} object: a locking
     * query hands back an entity already in the persistence context without refreshing it, so a
     * counter kept in the entity could be behind the row it locked. {@code engine}: what the translation engine
     * must apply for this change (none when it does not concern the engine), journaled in this order after the
     * commands recorded before in the transaction.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(Node node, EventType type, String subjectKind, String subjectId, Map<String, ?> data,
                       StateChange... engine) {
        record(node, null, type, subjectKind, subjectId, data, engine);
    }

    /**
     * Records a change of the node that has no public event but concerns the translation engine (a fabric's peer
     * routes): its commands go to the journal only.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(Node node, StateChange... engine) {
        journal.append(node, engine);
    }

    /**
     * Records one event about an object of {@code tenant} ({@code null}: of no tenant): only that tenant's
     * callers, and those who see every tenant, list and stream it (rule 24). The tenant is the object's at
     * the time of the change, written once, so filtering is a query and never a later guess.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(Node node, String tenant, EventType type, String subjectKind, String subjectId, Map<String, ?> data,
                       StateChange... engine) {
        journal.append(node, engine);
        // The row is built now (time, data, actor) and written once its seq is known: at once, or at the end of a batch.
        java.time.Instant at = Timestamps.now();
        String body = json.writeValueAsString(data);
        Caller actor = CurrentCaller.get();
        java.util.function.LongConsumer write = seq -> entityManager.persist(new Event(node.id(), seq, at, type,
                subjectKind, subjectId, body, actor.subject(), actor.role() == null ? null : actor.role().scope(),
                actor.tenant(), tenant));
        Batch batch = (Batch) TransactionSynchronizationManager.getResource(BATCH);
        if (batch != null && batch.nodeId == node.id()) {
            batch.writes.add(write);
            batch.types.add(type);
            return;
        }
        long seq = nodes.advanceEventSeq(node);
        write.accept(seq);
        Pending pending = pending();
        pending.seqs.merge(node.id(), seq, Math::max);
        pending.types.merge(type, 1, Integer::sum);
    }

    /**
     * Runs {@code work} with the events of {@code node} it records buffered, then writes them all with one seq
     * allocation: the same events, in the same order, with the same contiguous seqs and timestamps as recording them
     * one by one — without a flush of the persistence context per event, which made a topology import of thousands of
     * devices quadratic. The caller holds the node's lock, so no other transaction takes a seq of the node meanwhile;
     * nothing inside {@code work} may read the node's events back.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public <T> T batched(Node node, java.util.function.Supplier<T> work) {
        if (TransactionSynchronizationManager.hasResource(BATCH)) {
            throw new IllegalStateException("event batches do not nest");
        }
        Batch batch = new Batch(node.id());
        TransactionSynchronizationManager.bindResource(BATCH, batch);
        T result;
        try {
            result = work.get();
        } finally {
            TransactionSynchronizationManager.unbindResource(BATCH);
        }
        int k = batch.writes.size();
        if (k > 0) {
            long last = nodes.advanceEventSeqBy(node, k);
            long seq = last - k;
            Pending pending = pending();
            for (int i = 0; i < k; i++) {
                batch.writes.get(i).accept(++seq);
                pending.types.merge(batch.types.get(i), 1, Integer::sum);
            }
            pending.seqs.merge(node.id(), last, Math::max);
        }
        return result;
    }

    /** The events one {@link #batched} call holds back; only its own thread's transaction sees it. */
    private static final class Batch {
        final long nodeId;
        final java.util.List<java.util.function.LongConsumer> writes = new java.util.ArrayList<>();
        final java.util.List<EventType> types = new java.util.ArrayList<>();

        Batch(long nodeId) {
            this.nodeId = nodeId;
        }
    }

    /** What this transaction wrote: the last seq by node and the count by type, announced once it commits. */
    private record Pending(Map<Long, Long> seqs, Map<EventType, Integer> types) {
    }

    private Pending pending() {
        Pending pending = (Pending) TransactionSynchronizationManager.getResource(PENDING);
        if (pending == null) {
            Pending fresh = new Pending(new HashMap<>(), new EnumMap<>(EventType.class));
            TransactionSynchronizationManager.bindResource(PENDING, fresh);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    // counted once committed: a refused request rolls its events back
                    fresh.types.forEach((type, n) -> written.get(type).increment(n));
                    fresh.seqs.forEach(stream::committed);
                }

                @Override
                public void afterCompletion(int status) {
                    TransactionSynchronizationManager.unbindResourceIfPossible(PENDING);
                }
            });
            pending = fresh;
        }
        return pending;
    }
}
