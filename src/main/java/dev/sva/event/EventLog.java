package dev.sva.event;

import dev.sva.core.Timestamps;
import dev.sva.node.Node;
import dev.sva.node.NodeRepository;
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
 * Appends events to a node's log inside the caller's transaction. The caller holds the node's lock
 * (taken by {@code NodeService.lock}), which is what makes {@code seq} gap-free and in commit order.
 * After the transaction commits, the stream is told which seq each node reached. Each event names its
 * actor, the {@link CurrentCaller} of the thread that records it ({@code system} outside a request).
 */
@Component
public class EventLog {

    private static final Object PENDING = new Object();

    private final EntityManager entityManager;
    private final NodeRepository nodes;
    private final JsonMapper json;
    private final EventStream stream;
    private final Map<EventType, Counter> written = new EnumMap<>(EventType.class);

    EventLog(EntityManager entityManager, NodeRepository nodes, JsonMapper json, EventStream stream, MeterRegistry meters) {
        this.entityManager = entityManager;
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
     * counter kept in the entity could be behind the row it locked.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(Node node, EventType type, String subjectKind, String subjectId, Map<String, ?> data) {
        record(node, null, type, subjectKind, subjectId, data);
    }

    /**
     * Records one event about an object of {@code tenant} ({@code null}: of no tenant): only that tenant's
     * callers, and those who see every tenant, list and stream it (rule 24). The tenant is the object's at
     * the time of the change, written once, so filtering is a query and never a later guess.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(Node node, String tenant, EventType type, String subjectKind, String subjectId, Map<String, ?> data) {
        nodes.advanceEventSeq(node.id());
        long seq = nodes.lastEventSeq(node.id()).orElseThrow(() -> new IllegalStateException("node " + node.id() + " vanished"));
        node.eventSeqAdvancedTo(seq);
        Caller actor = CurrentCaller.get();
        entityManager.persist(new Event(node.id(), seq, Timestamps.now(), type, subjectKind, subjectId,
                json.writeValueAsString(data), actor.subject(), actor.role() == null ? null : actor.role().scope(),
                actor.tenant(), tenant));
        Pending pending = pending();
        pending.seqs.merge(node.id(), seq, Math::max);
        pending.types.merge(type, 1, Integer::sum);
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
