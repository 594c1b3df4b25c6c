package dev.sva.node;

import dev.sva.core.Ids;
import dev.sva.core.Listed;
import dev.sva.core.PageRequest;
import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.core.Problems;
import dev.sva.core.StateChange;
import jakarta.persistence.EntityManager;
import jakarta.persistence.LockModeType;
import jakarta.persistence.TypedQuery;
import jakarta.persistence.metamodel.EntityType;
import dev.sva.security.CurrentCaller;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Creates and finds nodes, and hands out the node lock. Every mutating service calls {@link #lock}
 * (or {@link #lockOwnerOf}) before it reads what it is about to change.
 */
@Service
public class NodeService {

    private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?");

    private final NodeRepository nodes;
    private final NodeGate gate;
    private final EntityManager entityManager;
    private final Journal journal;
    private final TransactionTemplate lockedRead;
    private final TransactionTemplate lookup;
    private final int optimisticReads;

    NodeService(NodeRepository nodes, NodeGate gate, EntityManager entityManager, Journal journal,
                PlatformTransactionManager transactions, @Value("${sva.lists.optimistic-reads:3}") int optimisticReads) {
        this.nodes = nodes;
        this.gate = gate;
        this.entityManager = entityManager;
        this.journal = journal;
        this.lockedRead = new TransactionTemplate(transactions);
        // a short transaction of its own, on a connection given back at once (see connectionFree)
        this.lookup = new TransactionTemplate(transactions);
        this.lookup.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.lookup.setReadOnly(true);
        this.optimisticReads = optimisticReads;
    }

    @Transactional
    public Node create(String name, Integer pasidBits, Integer iovaBits, Integer vaBits) {
        if (name == null) {
            throw Problems.invalid("name", "is required");
        }
        if (!NAME.matcher(name).matches()) {
            throw Problems.invalid("name", "must be a DNS label: lower-case letters, digits, '-' and '.', at most 63 characters");
        }
        int pasid = width("pasidBits", pasidBits, 20, 1, 20);
        int iova = width("iovaBits", iovaBits, 48, 12, 64);
        int va = width("vaBits", vaBits, 48, 12, 64);
        if (nodes.findByName(name).isPresent()) {
            throw new ProblemException(ProblemType.DUPLICATE, "node " + name + " already exists").with("name", name);
        }
        Node node = nodes.saveAndFlush(new Node(name, pasid, iova, va));
        // a request that finds the committed node waits here until the engine knows it too
        gate.enter(node.id());
        // a node has no public event of its creation: the engine learns of it from the journal alone
        journal.append(node, new StateChange.NodePut(node.id(), pasid, iova, va));
        return node;
    }

    @Transactional(readOnly = true)
    public Node get(String name) {
        if (name != null && !NAME.matcher(name).matches()) {
            // no node can have this name, and some such strings (U+0000) PostgreSQL answers with an error
            throw Problems.notFound("node", name);
        }
        return nodes.findByName(name == null ? Node.DEFAULT : name).orElseThrow(() -> Problems.notFound("node", name));
    }

    @Transactional(readOnly = true)
    public List<Node> page(PageRequest page) {
        if (page.cursor() != null && !NAME.matcher(page.cursor()).matches()) {
            throw Problems.invalid("cursor", "is not a cursor this list returned");
        }
        return nodes.page(page.cursor() == null ? "" : page.cursor(), page.probe());
    }

    /**
     * Locks the named node ({@code null} = the default node) for the rest of the caller's transaction:
     * first this process's {@link NodeGate} (held until the transaction's after-commit work is done),
     * then the node's row in the database (held until commit, and shared with every other replica).
     * Call it before the transaction's first statement: the gate is waited for without a database
     * connection (see {@link NodeGate}). Throws {@code 404 NOT_FOUND} when there is no such node,
     * {@code 503 BUSY} when the node stays busy.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Node lock(String name) {
        String n = name == null ? Node.DEFAULT : name;
        if (!NAME.matcher(n).matches()) {
            throw Problems.notFound("node", n);
        }
        long id = connectionFree(() -> nodes.findByName(n).map(Node::id)).orElseThrow(() -> Problems.notFound("node", n));
        gate.enter(id);
        // nodes are never deleted and keep their id, so the row locked is the node whose gate was entered
        return nodes.lockByName(n).orElseThrow(() -> Problems.notFound("node", n));
    }

    /**
     * Runs {@code read} (a list of the node's objects) so that its rows reflect exactly the node's
     * events up to the answered seq. Every change of a node writes its events and its rows in one
     * transaction under the node's row lock, and advances {@code last_event_seq} there; so when the
     * seq read before and after the rows is the same, no change of the node committed in between, and
     * the rows (each statement reading committed data) show that state, whatever the isolation level.
     * After {@code sva.lists.optimistic-reads} tries that a commit overtook, the read runs under the
     * node's row lock, which no writer of the node can commit past (a writer never waits for a
     * reader otherwise). Must not be called inside a transaction: each read must see fresh commits.
     */
    public <T> Listed<T> listed(Node node, Supplier<List<T>> read) {
        for (int attempt = 0; attempt < optimisticReads; attempt++) {
            long before = seqOf(node);
            List<T> rows = read.get();
            if (seqOf(node) == before) {
                return new Listed<>(rows, before);
            }
        }
        return lockedRead.execute(status -> {
            // the gate first, as a change takes it: a reader queued on a busy node holds no connection
            gate.enter(node.id());
            nodes.lockRow(node.id()).orElseThrow(() -> Problems.notFound("node", node.name()));
            long seq = seqOf(node);
            return new Listed<>(read.get(), seq);
        });
    }

    /** The node that owns the object {@code id} of this entity class; {@code 404 NOT_FOUND} when there is none. */
    @Transactional(readOnly = true)
    public Node ownerOf(Class<?> entity, Ids kind, String id) {
        List<Long> owner = ownerQuery(ownerIdQuery(entity), Long.class, kind.parse(id)).getResultList();
        if (owner.isEmpty()) {
            throw kind.notFound(id);
        }
        return byId(owner.get(0));
    }

    /** The node named {@code name}, if any: for callers that answer a missing node their own way. */
    @Transactional(readOnly = true)
    public Optional<Node> byName(String name) {
        return nodes.findByName(name);
    }

    /** From now on the node's devices and groups follow its imported topology. The caller holds the node's lock. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void manageTopology(Node node) {
        node.manageTopology();
    }

    /**
     * Advances the node's event counter by one in the database row, whatever the loaded {@code node}
     * holds, and answers the new seq (the entity follows it). The caller holds the node's lock.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public long advanceEventSeq(Node node) {
        return advanceEventSeqBy(node, 1);
    }

    /** As {@link #advanceEventSeq}, by {@code count} seqs at once (a batch of events); answers the last of them. */
    @Transactional(propagation = Propagation.MANDATORY)
    public long advanceEventSeqBy(Node node, int count) {
        if (count == 1) {
            nodes.advanceEventSeq(node.id());
        } else {
            nodes.advanceEventSeqBy(node.id(), count);
        }
        long seq = nodes.lastEventSeq(node.id()).orElseThrow(() -> new IllegalStateException("node " + node.id() + " vanished"));
        node.eventSeqAdvancedTo(seq);
        return seq;
    }

    /** The seq of the node's last event, read from the database (not from a loaded entity); 0 for a node gone. */
    @Transactional(readOnly = true)
    public long lastEventSeq(long nodeId) {
        return nodes.lastEventSeq(nodeId).orElse(0L);
    }

    /**
     * Heals every node whose event counter is behind its newest kept event (left by an older version);
     * answers how many were behind. The caller runs it in a transaction.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public int healEventSeqs() {
        return nodes.healEventSeqs();
    }

    private long seqOf(Node node) {
        return nodes.lastEventSeq(node.id()).orElseThrow(() -> Problems.notFound("node", node.name()));
    }

    /**
     * Locks, as {@link #lock} does (gate, then row), the node that owns the object of this entity class
     * and key; empty when there is no such object. Every entity of a node has a {@code nodeId}, which
     * never changes.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public Optional<Node> lockOwnerOf(Class<?> entity, long key) {
        List<Long> owner = connectionFree(() -> ownerQuery(ownerIdQuery(entity), Long.class, key).getResultList());
        if (owner.isEmpty()) {
            return Optional.empty();
        }
        gate.enter(owner.get(0));
        List<Node> locked = ownerQuery("select n from Node n where n.id = (" + ownerIdQuery(entity) + ")", Node.class, key)
                .setLockMode(LockModeType.PESSIMISTIC_WRITE)
                .getResultList();
        // empty when the object went away meanwhile; its node, whose gate was entered, otherwise
        return locked.stream().findFirst();
    }

    /**
     * Runs a lookup the node lock needs before the gate is entered without touching the caller's
     * transaction's connection: in a short transaction of its own, whose connection is back in the pool
     * before the gate is waited for. Once the transaction is inside a gate (a second lock in one
     * change), it may hold its connection already, and the lookup runs on it rather than taking another.
     */
    private <T> T connectionFree(Supplier<T> lookupQuery) {
        if (gate.enteredByCurrentTransaction()) {
            return lookupQuery.get();
        }
        return lookup.execute(status -> lookupQuery.get());
    }

    /**
     * An object a list filter names by id: of this entity class, of this kind of id. {@code id} is
     * {@code null} when the filter is not given. An object that {@code mayBeGone} (a fault's device,
     * which may have been unplugged since) names no node when it does not exist, instead of being
     * {@code 404 NOT_FOUND}.
     */
    public record Filter(Class<?> entity, Ids kind, String id, boolean mayBeGone) {
        public static Filter of(Class<?> entity, Ids kind, String id) {
            return new Filter(entity, kind, id, false);
        }
    }

    /** The node a list is of, and the key of each filter's object in the order given ({@code null}: no filter). */
    public record ListScope(Node node, List<Long> keys) {
        public Long key(int filter) {
            return keys.get(filter);
        }
    }

    /**
     * Resolves a list's node and filters, the one rule every list follows: an object a filter names
     * implies its node, so {@code GET /bonds?deviceId=…} lists the bonds of that device's node. An
     * explicit {@code node} must be the node of every named object, and two filters must name objects
     * of one node: otherwise {@code 422 CROSS_NODE}. Without filters and without {@code node}, the
     * list is of the default node. A filter whose id names nothing is {@code 404 NOT_FOUND}; an
     * unknown node too.
     */
    @Transactional(readOnly = true)
    public ListScope scope(String nodeName, Filter... filters) {
        Node node = nodeName == null ? null : get(nodeName);
        List<Long> keys = new java.util.ArrayList<>(filters.length);
        for (Filter f : filters) {
            if (f.id() == null) {
                keys.add(null);
                continue;
            }
            long key = f.kind().parse(f.id());
            keys.add(key);
            List<Long> owner = ownerQuery(ownerIdQuery(f.entity()), Long.class, key).getResultList();
            if (owner.isEmpty()) {
                if (f.mayBeGone()) {
                    continue;
                }
                throw f.kind().notFound(f.id());
            }
            if (node == null) {
                node = byId(owner.get(0));
            } else if (owner.get(0) != node.id()) {
                throw Problems.crossNode(node.name(), f.kind().noun(), f.id(), byId(owner.get(0)).name());
            }
        }
        return new ListScope(node == null ? get(null) : node, java.util.Collections.unmodifiableList(keys));
    }

    /**
     * JPQL for the node id of the object with key {@code :key} of this entity class, as the caller sees
     * it: for a tenant ({@link CurrentCaller#tenantScope}), an object of another tenant, or of none, has
     * no node, exactly as an id never issued (rule 23). An entity with a {@code tenant} is the tenant's when
     * that column says so; one with a {@code groupId} (a device) when its group is allocated to the tenant.
     */
    private String ownerIdQuery(Class<?> entity) {
        EntityType<?> type = entityManager.getMetamodel().entity(entity);
        String query = "select x.nodeId from " + type.getName() + " x where x.id = :key";
        if (CurrentCaller.tenantScope() == null) {
            return query;
        }
        if (has(type, "tenant")) {
            return query + " and x.tenant = :tenant";
        }
        if (has(type, "groupId")) {
            return query + " and x.groupId in (select g.id from IommuGroup g where g.tenant = :tenant)";
        }
        return query;
    }

    private static boolean has(EntityType<?> type, String attribute) {
        return type.getAttributes().stream().anyMatch(a -> a.getName().equals(attribute));
    }

    private <R> TypedQuery<R> ownerQuery(String jpql, Class<R> result, long key) {
        TypedQuery<R> query = entityManager.createQuery(jpql, result).setParameter("key", key);
        String tenant = CurrentCaller.tenantScope();
        if (jpql.contains(":tenant")) {
            query.setParameter("tenant", tenant);
        }
        return query;
    }

    /** The node of this id, if any. */
    @Transactional(readOnly = true)
    public Optional<Node> find(long id) {
        return nodes.findById(id);
    }

    @Transactional(readOnly = true)
    public Node byId(long id) {
        return nodes.findById(id).orElseThrow(() -> new IllegalStateException("node " + id + " vanished"));
    }

    /** All nodes, for rebuilding derived state at start. */
    @Transactional(readOnly = true)
    public List<Node> all() {
        return nodes.findAll();
    }

    private static int width(String field, Integer value, int dflt, int min, int max) {
        int v = value == null ? dflt : value;
        if (v < min || v > max) {
            throw Problems.invalid(field, "must be between " + min + " and " + max);
        }
        return v;
    }
}
