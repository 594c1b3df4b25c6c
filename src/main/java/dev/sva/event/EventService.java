package dev.sva.event;

import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.core.Problems;
import dev.sva.node.Node;
import dev.sva.node.NodeRepository;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/** Reads a node's events in {@code seq} order, and prunes what retention no longer keeps. */
@Service
public class EventService {

    private final EventRepository events;
    private final NodeRepository nodes;
    private final EventProperties properties;

    EventService(EventRepository events, NodeRepository nodes, EventProperties properties) {
        this.events = events;
        this.nodes = nodes;
        this.properties = properties;
    }

    public Node node(String name) {
        String n = name == null ? Node.DEFAULT : name;
        return nodes.findByName(n).orElseThrow(() -> Problems.notFound("node", n));
    }

    /**
     * Up to {@code limit} events of the node with {@code seq > after}, optionally of some types only.
     * {@code 410 EVENTS_EXPIRED} (member {@code oldestSeq}) when events after {@code after} were
     * already pruned: the client must resynchronise from the lists.
     */
    @Transactional(readOnly = true)
    public List<Event> after(Node node, long after, Collection<EventType> types, int limit) {
        if (after < 0) {
            throw Problems.invalid("after", "must not be negative");
        }
        requireKept(node, after);
        Pageable page = Pageable.ofSize(limit);
        return types == null || types.isEmpty()
                ? events.after(node.id(), after, page)
                : events.afterOfTypes(node.id(), after, types, page);
    }

    /** Throws {@code 410 EVENTS_EXPIRED} when the event following {@code after} is no longer kept. */
    @Transactional(readOnly = true)
    public void requireKept(Node node, long after) {
        long oldest = oldestSeq(node);
        if (after + 1 < oldest) {
            throw new ProblemException(ProblemType.EVENTS_EXPIRED, "events of node " + node.name() + " after seq " + after
                    + " are no longer kept; the oldest kept is " + oldest + ". Resynchronise from the lists.")
                    .with("oldestSeq", oldest);
        }
    }

    /** The oldest kept seq of a node, or the next seq to be written when none is kept. */
    @Transactional(readOnly = true)
    public long oldestSeq(Node node) {
        Long oldest = events.oldestSeq(node.id());
        if (oldest != null) {
            return oldest;
        }
        return nodes.findById(node.id()).map(Node::lastEventSeq).orElse(0L) + 1;
    }

    /** Deletes events older than the retention time, and beyond the newest {@code maxPerNode} of each node. */
    @Transactional
    public int prune() {
        int deleted = events.deleteOlderThan(Instant.now().minus(properties.retention()));
        for (Node node : nodes.findAll()) {
            long keepFrom = node.lastEventSeq() - properties.maxPerNode() + 1;
            if (keepFrom > 1) {
                deleted += events.deleteBefore(node.id(), keepFrom);
            }
        }
        return deleted;
    }
}
