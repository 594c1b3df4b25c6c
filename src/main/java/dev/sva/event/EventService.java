package dev.sva.event;

import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.core.Problems;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import dev.sva.security.CurrentCaller;
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
    private final NodeService nodes;
    private final EventProperties properties;

    EventService(EventRepository events, NodeService nodes, EventProperties properties) {
        this.events = events;
        this.nodes = nodes;
        this.properties = properties;
    }

    public Node node(String name) {
        String n = name == null ? Node.DEFAULT : name;
        return nodes.byName(n).orElseThrow(() -> Problems.notFound("node", n));
    }

    /**
     * Up to {@code limit} events of the node with {@code seq > after}, optionally of some types only.
     * {@code 410 EVENTS_EXPIRED} (member {@code oldestSeq}) when events after {@code after} were
     * already pruned: the client must resynchronise from the lists. {@code field} names the request
     * parameter {@code after} came from, for a {@code 400} when it is negative or beyond the node's
     * last event.
     *
     * <p>Pruning runs concurrently and removes the oldest events first; the check is made again after
     * the read, so that a prune that committed between the first check and the read cannot pass off a
     * page with a hole at its start as complete.
     */
    @Transactional(readOnly = true)
    public List<Event> after(Node node, long after, String field, Collection<EventType> types, int limit) {
        return after(node, after, field, types, limit, CurrentCaller.tenantScope());
    }

    /**
     * As {@link #after(Node, long, String, Collection, int)}, of the events about objects of {@code tenant}
     * only ({@code null}: every event), for a stream whose sender thread is not the request's (rule 24).
     */
    @Transactional(readOnly = true)
    public List<Event> after(Node node, long after, String field, Collection<EventType> types, int limit, String tenant) {
        requireKept(node, after, field);
        Pageable page = Pageable.ofSize(limit);
        List<Event> rows = types == null || types.isEmpty()
                ? events.after(node.id(), after, tenant, page)
                : events.afterOfTypes(node.id(), after, types, tenant, page);
        // after was checked against the last seq, which only grows; what a prune can change is the oldest
        requireNotPruned(node, after);
        return rows;
    }

    /**
     * The {@code after} of a list that asks for none: just before the oldest event kept, so the list
     * starts with it rather than answering {@code 410} for events pruned long ago.
     */
    @Transactional(readOnly = true)
    public long beforeOldest(Node node) {
        return oldestSeq(node) - 1;
    }

    /**
     * Throws {@code 410 EVENTS_EXPIRED} when the event following {@code after} is no longer kept, and
     * {@code 400 VALIDATION_FAILED} naming {@code field} when {@code after} is negative or names a seq
     * the node has not reached (a client resuming against another database would otherwise wait for
     * events it has already seen the numbers of).
     */
    @Transactional(readOnly = true)
    public void requireKept(Node node, long after, String field) {
        if (after < 0) {
            throw Problems.invalid(field, "must not be negative");
        }
        long last = lastSeq(node);
        if (after > last) {
            throw Problems.invalid(field, "is beyond the last event of node " + node.name() + ", seq " + last);
        }
        requireNotPruned(node, after);
    }

    private void requireNotPruned(Node node, long after) {
        long oldest = oldestSeq(node);
        if (after + 1 < oldest) {
            throw new ProblemException(ProblemType.EVENTS_EXPIRED, "events of node " + node.name() + " after seq " + after
                    + " are no longer kept; the oldest kept is " + oldest + ". Resynchronise from the lists.")
                    .with("oldestSeq", oldest);
        }
    }

    private long lastSeq(Node node) {
        return nodes.lastEventSeq(node.id());
    }

    /** The oldest kept seq of a node, or the next seq to be written when none is kept. */
    @Transactional(readOnly = true)
    public long oldestSeq(Node node) {
        // the last seq is read before the oldest kept one: read after it, a commit landing between the two
        // statements (each sees the latest commit) would make an empty log's "next seq" jump past events
        // the caller may still ask for, and answer a spurious 410
        long last = lastSeq(node);
        Long oldest = events.oldestSeq(node.id());
        if (oldest != null) {
            return oldest;
        }
        return last + 1;
    }

    /** Deletes events older than the retention time, and beyond the newest {@code maxPerNode} of each node. */
    @Transactional
    public int prune() {
        int deleted = events.deleteOlderThan(Instant.now().minus(properties.retention()));
        for (Node node : nodes.all()) {
            long keepFrom = node.lastEventSeq() - properties.maxPerNode() + 1;
            if (keepFrom > 1) {
                deleted += events.deleteBefore(node.id(), keepFrom);
            }
        }
        return deleted;
    }
}
