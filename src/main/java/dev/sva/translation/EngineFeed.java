package dev.sva.translation;

import dev.sva.addressspace.AddressSpaceQueries;
import dev.sva.bond.BondService;
import dev.sva.container.ContainerQueries;
import dev.sva.core.CommitOutcomeObserver;
import dev.sva.core.StateChange;
import dev.sva.device.DeviceQueries;
import dev.sva.node.Node;
import dev.sva.node.NodeGate;
import dev.sva.node.NodeService;
import dev.sva.topology.FabricRoutes;
import dev.sva.translation.engine.TranslationEngine;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;
import org.springframework.transaction.event.TransactionalEventListener;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Keeps the engine equal to the database. Changes reach it only after their transaction committed,
 * in the order they were made, and before the HTTP call that made them returns (so an unmap has
 * invalidated the IOTLB when its caller sees the answer). At start, before the web server accepts a
 * request, the engine is rebuilt from the database.
 *
 * <p>A commit whose outcome is unknown (the database link broke during it) is fed nothing, yet it may
 * have committed. Its nodes are marked stale, and a stale node's engine state is reloaded from the
 * database, inside the node's gate, before the next DMA answer ({@link #refreshStale}). Threading:
 * {@link #stale} is a concurrent set; a node leaves it only inside its gate, just before its reload.
 */
@Component
class EngineFeed implements SmartInitializingSingleton, CommitOutcomeObserver {

    private static final Logger log = LoggerFactory.getLogger(EngineFeed.class);

    private final TranslationEngine engine;
    private final TransactionTemplate tx;
    private final NodeService nodes;
    private final DeviceQueries devices;
    private final ContainerQueries containers;
    private final AddressSpaceQueries spaces;
    private final BondService bonds;
    private final FabricRoutes fabricRoutes;
    private final NodeGate gate;
    /** Nodes whose engine state may miss a committed change; reloaded before the next DMA answer. */
    private final Set<Long> stale = ConcurrentHashMap.newKeySet();

    EngineFeed(TranslationEngine engine, TransactionTemplate tx, NodeService nodes, DeviceQueries devices,
               ContainerQueries containers, AddressSpaceQueries spaces, BondService bonds, FabricRoutes fabricRoutes,
               NodeGate gate) {
        this.engine = engine;
        this.tx = tx;
        this.nodes = nodes;
        this.devices = devices;
        this.containers = containers;
        this.spaces = spaces;
        this.bonds = bonds;
        this.fabricRoutes = fabricRoutes;
        this.gate = gate;
    }

    /** The committing transaction's nodes may or may not have changed: their engine state is stale. */
    @Override
    public void outcomeUnknown() {
        Set<Long> nodesOfChange = gate.nodesOfCurrentTransaction();
        stale.addAll(nodesOfChange);
        log.warn("commit outcome unknown: engine state of node(s) {} will be reloaded from the database", nodesOfChange);
    }

    /**
     * Reloads every stale node's engine state from the database, each inside its node's gate (so no
     * change of the node is fed meanwhile). Cheap when nothing is stale. A node whose reload fails (the
     * database still away) stays stale and is tried again before the next answer.
     */
    void refreshStale() {
        if (stale.isEmpty()) {
            return;
        }
        for (Long nodeId : List.copyOf(stale)) {
            try {
                gate.runInside(nodeId, () -> {
                    if (stale.remove(nodeId)) {
                        try {
                            reload(nodeId);
                        } catch (RuntimeException e) {
                            stale.add(nodeId);
                            throw e;
                        }
                    }
                });
            } catch (RuntimeException e) {
                log.warn("engine state of node {} could not be reloaded yet: {}", nodeId, e.toString());
            }
        }
    }

    /** Puts the node's state into the engine again, as the database holds it now. Inside the node's gate. */
    private void reload(long nodeId) {
        tx.executeWithoutResult(status -> {
            Node n = nodes.find(nodeId).orElse(null);
            if (n == null) {
                return;
            }
            apply(new StateChange.NodePut(n.id(), n.pasidBits(), n.iovaBits(), n.vaBits()));
            engine.forgetNodeState(nodeId, containers.idsOf(nodeId));
            replay(nodeId);
        });
        log.info("engine state of node {} reloaded from the database", nodeId);
    }

    /**
     * Feeds {@link #apply} every row of the node ({@code null}: of every node) as the change that made it,
     * in the order the objects depend on each other: devices, fabric routes, attachments, mappings,
     * address spaces and regions, bonds. Answers the devices, mappings, regions and bonds fed.
     */
    private long[] replay(Long nodeId) {
        Set<Long> deviceIds = new HashSet<>();
        long d = devices.replayDevices(nodeId, c -> {
            apply(c);
            deviceIds.add(c.deviceId());
        });
        // nodes with a topology route DMA peer-to-peer as their fabric does, once every device is known
        for (StateChange.PeerRoutes r : fabricRoutes.all()) {
            if (deviceIds.contains(r.deviceId())) {
                apply(r);
            }
        }
        devices.replayAttachments(nodeId, this::apply);
        long m = containers.replayMappings(nodeId, this::apply);
        long r = spaces.replay(nodeId, this::apply);
        long b = bonds.replayBonds(nodeId == null ? null : deviceIds, this::apply);
        return new long[]{d, m, r, b};
    }

    /**
     * Applies one committed change. Runs before the node's gate is released (a higher precedence than
     * {@link NodeGate#RELEASE_ORDER}), so the next transaction of the node cannot feed the engine first.
     */
    @TransactionalEventListener
    @Order(NodeGate.RELEASE_ORDER - 1)
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

    /** Rebuilds the engine from the database, in the order the objects depend on each other. */
    @Override
    public void afterSingletonsInstantiated() {
        long start = System.nanoTime();
        long[] counts = tx.execute(status -> {
            engine.clear();
            for (Node n : nodes.all()) {
                apply(new StateChange.NodePut(n.id(), n.pasidBits(), n.iovaBits(), n.vaBits()));
            }
            return replay(null);
        });
        log.info("translation engine rebuilt in {} ms: {} devices, {} mappings, {} regions, {} bonds",
                (System.nanoTime() - start) / 1_000_000, counts[0], counts[1], counts[2], counts[3]);
    }
}
