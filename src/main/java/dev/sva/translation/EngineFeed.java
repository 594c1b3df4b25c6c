package dev.sva.translation;

import dev.sva.addressspace.AddressSpaceQueries;
import dev.sva.bond.BondService;
import dev.sva.container.ContainerQueries;
import dev.sva.core.StateChange;
import dev.sva.device.DeviceQueries;
import dev.sva.node.Node;
import dev.sva.node.NodeGate;
import dev.sva.node.NodeService;
import dev.sva.topology.FabricRoutes;
import dev.sva.translation.engine.TranslationEngine;
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
 */
@Component
class EngineFeed implements SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(EngineFeed.class);

    private final TranslationEngine engine;
    private final TransactionTemplate tx;
    private final NodeService nodes;
    private final DeviceQueries devices;
    private final ContainerQueries containers;
    private final AddressSpaceQueries spaces;
    private final BondService bonds;
    private final FabricRoutes fabricRoutes;

    EngineFeed(TranslationEngine engine, TransactionTemplate tx, NodeService nodes, DeviceQueries devices,
               ContainerQueries containers, AddressSpaceQueries spaces, BondService bonds, FabricRoutes fabricRoutes) {
        this.engine = engine;
        this.tx = tx;
        this.nodes = nodes;
        this.devices = devices;
        this.containers = containers;
        this.spaces = spaces;
        this.bonds = bonds;
        this.fabricRoutes = fabricRoutes;
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
            long d = devices.replayDevices(this::apply);
            // nodes with a topology route DMA peer-to-peer as their fabric does, once every device is known
            fabricRoutes.all().forEach(this::apply);
            devices.replayAttachments(this::apply);
            long m = containers.replayMappings(this::apply);
            long r = spaces.replay(this::apply);
            long b = bonds.replayBonds(this::apply);
            return new long[]{d, m, r, b};
        });
        log.info("translation engine rebuilt in {} ms: {} devices, {} mappings, {} regions, {} bonds",
                (System.nanoTime() - start) / 1_000_000, counts[0], counts[1], counts[2], counts[3]);
    }
}
