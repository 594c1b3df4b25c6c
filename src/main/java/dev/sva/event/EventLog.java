package dev.sva.event;

import dev.sva.node.Node;
import jakarta.persistence.EntityManager;
import java.time.Instant;
import java.util.Map;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import tools.jackson.databind.json.JsonMapper;

/**
 * Appends events to a node's log inside the caller's transaction. The caller holds the node's lock
 * (taken by {@code NodeService.lock}), which is what makes {@code seq} gap-free and in commit order.
 */
@Component
public class EventLog {

    private final EntityManager entityManager;
    private final JsonMapper json;

    EventLog(EntityManager entityManager, JsonMapper json) {
        this.entityManager = entityManager;
        this.json = json;
    }

    /** Records one event of {@code node} about the subject {@code (kind, id)}. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void record(Node node, EventType type, String subjectKind, String subjectId, Map<String, ?> data) {
        entityManager.persist(new Event(node.id(), node.nextEventSeq(), Instant.now(), type, subjectKind, subjectId,
                json.writeValueAsString(data)));
    }
}
