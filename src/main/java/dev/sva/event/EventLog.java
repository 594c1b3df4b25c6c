package dev.sva.event;

import dev.sva.core.Timestamps;
import dev.sva.node.Node;
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
 * After the transaction commits, the stream is told which seq each node reached.
 */
@Component
public class EventLog {

    private static final Object PENDING = new Object();

    private final EntityManager entityManager;
    private final JsonMapper json;
    private final EventStream stream;
    private final Map<EventType, Counter> written = new EnumMap<>(EventType.class);

    EventLog(EntityManager entityManager, JsonMapper json, EventStream stream, MeterRegistry meters) {
        this.entityManager = entityManager;
        this.json = json;
        this.stream = stream;
        for (EventType type : EventType.values()) {
            written.put(type, Counter.builder("sva.events.written").tag("type", type.name())
                    .description("Events recorded, by type").register(meters));
        }
    }

    /** Records one event of {@code node} about the subject {@code (kind, id)}. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(Node node, EventType type, String subjectKind, String subjectId, Map<String, ?> data) {
        long seq = node.nextEventSeq();
        entityManager.persist(new Event(node.id(), seq, Timestamps.now(), type, subjectKind, subjectId,
                json.writeValueAsString(data)));
        pending().merge(node.id(), seq, Math::max);
        written.get(type).increment();
    }

    /** The seqs this transaction wrote, by node; announced to the stream once it commits. */
    @SuppressWarnings("unchecked")
    private Map<Long, Long> pending() {
        Map<Long, Long> pending = (Map<Long, Long>) TransactionSynchronizationManager.getResource(PENDING);
        if (pending == null) {
            Map<Long, Long> fresh = new HashMap<>();
            TransactionSynchronizationManager.bindResource(PENDING, fresh);
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCommit() {
                    fresh.forEach(stream::committed);
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
