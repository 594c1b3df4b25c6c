package dev.sva.translation;

import dev.sva.addressspace.AddressSpaceQueries;
import dev.sva.bond.BondService;
import dev.sva.container.ContainerQueries;
import dev.sva.core.CommitOutcomeObserver;
import dev.sva.core.DmaAdmission;
import dev.sva.core.JournalCommitHook;
import dev.sva.core.JournalFollower;
import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.core.StateChange;
import dev.sva.device.DeviceQueries;
import dev.sva.node.Journal;
import dev.sva.node.Node;
import dev.sva.node.NodeGate;
import dev.sva.node.NodeService;
import dev.sva.topology.FabricRoutes;
import dev.sva.translation.engine.TranslationEngine;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * This process's translation engine as a follower of the journal (docs/replicas.md): the engine is fed only from
 * journal records, each node's strictly in position order, through the one {@link #apply} path.
 *
 * <ul>
 *   <li><b>Local writes</b>: after a change of this process commits, {@link #afterCommit} (ordered before the replica
 *       set's hook) catches the node up to the change's position on the committing thread, inside the node's gate and
 *       before the HTTP answer: a {@code 2xx} means committed and visible to DMA here (rule 18). The record just
 *       committed here is taken from memory ({@link Journal#committedHere}); records other replicas committed in
 *       between are read from the journal.</li>
 *   <li><b>Other replicas' writes</b>: whoever learns of a position (the replica set's listener) calls
 *       {@link #catchUp}.</li>
 *   <li><b>Pruned history</b>: when the first record after the applied position is gone, the node is reloaded from a
 *       snapshot of its rows, read under the node's row lock (no change of it commits meanwhile, on any replica) with
 *       the position read under that lock as the new applied position.</li>
 *   <li><b>Start</b>: before the web server accepts a request, every node is loaded from a snapshot.</li>
 *   <li><b>Unknown commit outcomes</b>: a commit whose outcome is unknown may have written a record nobody was told
 *       of; its nodes are marked behind, and {@link #admit} catches such a node up to the position the database holds
 *       before a DMA of it is answered, or refuses the DMA ({@code 503 DATABASE_UNAVAILABLE}, Retry-After) when the
 *       database cannot be read.</li>
 * </ul>
 *
 * <p>Threading: per node, a {@link Follow} whose lock every applying thread takes (the writer's after-commit, a
 * listener, DMA admission), so records apply once each and in order; {@code applied} is volatile, written under that
 * lock after the engine applied the record. Reads of the database run in transactions of their own
 * ({@code REQUIRES_NEW}): an after-commit callback's transaction is over. Nothing here waits for a node gate or
 * holds a node lock while it waits for another thread, so it cannot deadlock with the writers.
 */
@Component
@Order(JournalFeed.ORDER)
class JournalFeed implements JournalFollower, JournalCommitHook, DmaAdmission, CommitOutcomeObserver,
        SmartInitializingSingleton {

    /** Order among the {@link JournalCommitHook}s and {@link DmaAdmission}s: the local engine first. */
    static final int ORDER = 0;

    /** Records read per query when catching up. */
    static final int CHUNK = 5_000;

    private static final Logger log = LoggerFactory.getLogger(JournalFeed.class);

    private final TranslationEngine engine;
    private final Journal journal;
    private final TransactionTemplate read;
    private final TransactionTemplate locked;
    private final NodeService nodes;
    private final DeviceQueries devices;
    private final ContainerQueries containers;
    private final AddressSpaceQueries spaces;
    private final BondService bonds;
    private final FabricRoutes fabricRoutes;
    private final NodeGate gate;
    private final Map<Long, Follow> follows = new ConcurrentHashMap<>();
    /** Snapshots taken since start because records were missing (not those of the start itself). */
    private final AtomicLong snapshots = new AtomicLong();

    /** How far this engine follows one node's journal. */
    static final class Follow {
        final ReentrantLock lock = new ReentrantLock();
        /** Position of the last record applied; written under {@link #lock}. */
        volatile long applied;
        /** Times a commit of the node had an unknown outcome. */
        final AtomicLong marked = new AtomicLong();
        /** The value of {@link #marked} the node was last caught up past (written under {@link #lock}). */
        volatile long cleared;

        boolean behind() {
            return marked.get() != cleared;
        }
    }

    JournalFeed(TranslationEngine engine, Journal journal, PlatformTransactionManager transactions, NodeService nodes,
                DeviceQueries devices, ContainerQueries containers, AddressSpaceQueries spaces, BondService bonds,
                FabricRoutes fabricRoutes, NodeGate gate) {
        this.engine = engine;
        this.journal = journal;
        this.read = new TransactionTemplate(transactions);
        this.read.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.read.setReadOnly(true);
        this.locked = new TransactionTemplate(transactions);
        this.locked.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.nodes = nodes;
        this.devices = devices;
        this.containers = containers;
        this.spaces = spaces;
        this.bonds = bonds;
        this.fabricRoutes = fabricRoutes;
        this.gate = gate;
    }

    private Follow follow(long nodeId) {
        return follows.computeIfAbsent(nodeId, id -> new Follow());
    }

    // ------------------------------------------------------------------ JournalFollower

    @Override
    public long applied(long nodeId) {
        Follow f = follows.get(nodeId);
        return f == null ? 0 : f.applied;
    }

    @Override
    public void catchUp(long nodeId, long position) {
        Follow f = follow(nodeId);
        if (f.applied >= position) {
            return;
        }
        f.lock.lock();
        try {
            while (f.applied < position) {
                step(nodeId, f, position);
            }
        } catch (RuntimeException e) {
            // whoever asked learns it; a DMA of the node catches it up first (admit)
            f.marked.incrementAndGet();
            throw e;
        } finally {
            f.lock.unlock();
        }
    }

    /** Applies the node's next record(s) up to {@code target}, or a snapshot; under the node's follow lock. */
    private void step(long nodeId, Follow f, long target) {
        Journal.Record local = journal.committedHere(nodeId, f.applied + 1);
        if (local != null && local.position() <= target) {
            apply(local);
            f.applied = local.position();
            return;
        }
        long after = f.applied;
        List<Journal.Record> records = read.execute(status -> journal.read(nodeId, after, target, CHUNK));
        if (records.isEmpty() || records.get(0).position() != after + 1) {
            // pruned past what this engine applied (or never seen here): the node's rows as they are now
            snapshots.incrementAndGet();
            snapshot(nodeId, f);
            if (f.applied < target && f.applied == after) {
                throw new IllegalStateException("node " + nodeId + "'s journal ends at " + f.applied + ", before " + target);
            }
            return;
        }
        for (Journal.Record r : records) {
            apply(r);
            f.applied = r.position();
        }
    }

    private void apply(Journal.Record record) {
        for (StateChange c : record.changes()) {
            apply(c);
        }
    }

    /** How many times a node was reloaded from a snapshot because the records it needed were gone. */
    long snapshots() {
        return snapshots.get();
    }

    // ------------------------------------------------------------------ JournalCommitHook

    /**
     * The local engine applies the record this process just committed (and any other replica's before it). Never
     * throws: the change is committed whatever happens here; a node that could not be caught up is marked behind, and
     * is caught up before its next DMA answer.
     */
    @Override
    public void afterCommit(long nodeId, long position) {
        try {
            catchUp(nodeId, position);
        } catch (RuntimeException e) {
            log.warn("engine could not catch node {} up to journal position {} after its commit; it will before its next DMA: {}",
                    nodeId, position, e.toString());
        }
    }

    // ------------------------------------------------------------------ CommitOutcomeObserver, DmaAdmission

    /** The committing transaction's nodes may or may not have a record this engine was not told of: they are behind. */
    @Override
    public void outcomeUnknown() {
        Set<Long> nodesOfChange = gate.nodesOfCurrentTransaction();
        for (long n : nodesOfChange) {
            follow(n).marked.incrementAndGet();
        }
        log.warn("commit outcome unknown: node(s) {} will be caught up from the journal before their next DMA", nodesOfChange);
    }

    /**
     * A node marked behind is caught up to the journal position the database holds now before its DMA is answered;
     * {@code 503 DATABASE_UNAVAILABLE} when the database cannot be read (the answer could come from a stale view).
     */
    @Override
    public void admit(long nodeId) {
        Follow f = follows.get(nodeId);
        if (f == null || !f.behind()) {
            return;
        }
        long mark = f.marked.get();
        try {
            long position = read.execute(status -> journal.position(nodeId));
            catchUp(nodeId, position);
        } catch (RuntimeException e) {
            log.warn("node {} is behind its journal and cannot be caught up yet: {}", nodeId, e.toString());
            throw new ProblemException(ProblemType.DATABASE_UNAVAILABLE, "this replica may miss a committed change of the "
                    + "node and cannot read the database to catch up; retry the request").with("outcome", "NOT_APPLIED");
        }
        f.lock.lock();
        try {
            f.cleared = Math.max(f.cleared, mark);
        } finally {
            f.lock.unlock();
        }
        log.info("node {} caught up to journal position {} after an unknown commit outcome", nodeId, f.applied);
    }

    // ------------------------------------------------------------------ snapshots

    /**
     * Loads the node's state from its rows, read under its row lock, and takes the journal position read under that
     * lock as applied. Under the node's follow lock. The rows are read first and applied only once all are read, so a
     * failed read leaves the engine as it was.
     */
    private long[] snapshot(long nodeId, Follow f) {
        Snapshot s = locked.execute(status -> {
            Optional<Long> position = journal.lockedPosition(nodeId);
            Node n = position.isEmpty() ? null : nodes.find(nodeId).orElse(null);
            if (n == null) {
                return null;
            }
            List<StateChange> changes = new ArrayList<>();
            changes.add(new StateChange.NodePut(n.id(), n.pasidBits(), n.iovaBits(), n.vaBits()));
            long[] counts = replay(nodeId, changes::add);
            return new Snapshot(position.get(), containers.idsOf(nodeId), changes, counts);
        });
        if (s == null) {
            return new long[4];
        }
        apply(s.changes.get(0));
        engine.forgetNodeState(nodeId, s.containerIds);
        for (int i = 1; i < s.changes.size(); i++) {
            apply(s.changes.get(i));
        }
        f.applied = s.position;
        log.debug("engine state of node {} loaded from a snapshot at journal position {}", nodeId, s.position);
        return s.counts;
    }

    private record Snapshot(long position, long[] containerIds, List<StateChange> changes, long[] counts) {
    }

    /**
     * Hands {@code sink} every row of the node as the change that made it, in the order the objects depend on each
     * other: devices, fabric routes, attachments, mappings, address spaces and regions, bonds. Answers the devices,
     * mappings, regions and bonds.
     */
    private long[] replay(long nodeId, java.util.function.Consumer<StateChange> sink) {
        Set<Long> deviceIds = new HashSet<>();
        long d = devices.replayDevices(nodeId, c -> {
            sink.accept(c);
            deviceIds.add(c.deviceId());
        });
        // nodes with a topology route DMA peer-to-peer as their fabric does, once every device is known
        fabricRoutes.ofNode(nodeId).forEach(sink);
        devices.replayAttachments(nodeId, sink);
        long m = containers.replayMappings(nodeId, sink);
        long r = spaces.replay(nodeId, sink);
        long b = deviceIds.isEmpty() ? 0 : bonds.replayBonds(deviceIds, sink);
        return new long[]{d, m, r, b};
    }

    /** Loads every node from a snapshot, before the web server accepts a request. */
    @Override
    public void afterSingletonsInstantiated() {
        long start = System.nanoTime();
        engine.clear();
        long[] total = new long[4];
        Map<Long, Long> positions = read.execute(status -> journal.positions());
        for (long nodeId : positions.keySet()) {
            Follow f = follow(nodeId);
            f.lock.lock();
            try {
                long[] counts = snapshot(nodeId, f);
                for (int i = 0; i < total.length; i++) {
                    total[i] += counts[i];
                }
            } finally {
                f.lock.unlock();
            }
        }
        log.info("translation engine loaded in {} ms: {} nodes, {} devices, {} mappings, {} regions, {} bonds",
                (System.nanoTime() - start) / 1_000_000, positions.size(), total[0], total[1], total[2], total[3]);
    }

    // ------------------------------------------------------------------ the one apply path

    /** Applies one journaled command to the engine. Called only under the node's follow lock. */
    void apply(StateChange change) {
        if (change instanceof StateChange.NodePut c) {
            engine.putNode(c.nodeId(), c.pasidBits(), c.iovaBits(), c.vaBits());
        } else if (change instanceof StateChange.DevicePut c) {
            engine.putDevice(c.nodeId(), c.deviceId(), c.groupId(), c.pasidBits(), c.pri(), c.barIndex(), c.barBase(), c.barSize());
        } else if (change instanceof StateChange.PeerRoutes c) {
            engine.routePeers(c.deviceId(), c.peerIds(), c.barIndex());
        } else if (change instanceof StateChange.DeviceRemoved c) {
            engine.removeDevice(c.deviceId());
        } else if (change instanceof StateChange.GroupAttached c) {
            engine.attachGroup(c.groupId(), c.containerId());
        } else if (change instanceof StateChange.GroupDetached c) {
            engine.detachGroup(c.groupId());
        } else if (change instanceof StateChange.Mapped c) {
            engine.map(c.containerId(), c.iova(), c.size(), c.physicalAddress(), c.read(), c.write());
        } else if (change instanceof StateChange.Unmapped c) {
            engine.unmap(c.containerId(), c.iova(), c.size());
        } else if (change instanceof StateChange.ContainerRemoved c) {
            engine.removeContainer(c.containerId());
        } else if (change instanceof StateChange.AddressSpacePut c) {
            engine.putAddressSpace(c.nodeId(), c.addressSpaceId());
        } else if (change instanceof StateChange.RegionMapped c) {
            engine.mapRegion(c.addressSpaceId(), c.va(), c.size(), c.physicalAddress(), c.read(), c.write(), c.pinned());
        } else if (change instanceof StateChange.RegionUnmapped c) {
            engine.unmapRegion(c.addressSpaceId(), c.va(), c.size());
        } else if (change instanceof StateChange.AddressSpaceRemoved c) {
            engine.removeAddressSpace(c.addressSpaceId());
        } else if (change instanceof StateChange.Bound c) {
            engine.bind(c.deviceId(), c.pasid(), c.addressSpaceId(), c.iopf());
        } else if (change instanceof StateChange.Unbound c) {
            engine.unbind(c.deviceId(), c.pasid());
        }
    }
}
