package dev.sva.topology;

import dev.sva.core.StateChange;
import dev.sva.device.Device;
import dev.sva.device.DeviceService;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import dev.sva.topology.fabric.Fabric;
import dev.sva.topology.fabric.PciAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;

/**
 * The engine's peer routes of a node with a topology, recomputed from the stored fabric: what the engine needs at
 * start to route DMA peer-to-peer as the fabric does (an import feeds the same routes after it commits).
 */
@Component
public class FabricRoutes {

    private final TopologyStore store;
    private final NodeService nodes;
    private final DeviceService devices;

    FabricRoutes(TopologyStore store, NodeService nodes, DeviceService devices) {
        this.store = store;
        this.nodes = nodes;
        this.devices = devices;
    }

    /** Every device's peer routes on the node (none without a topology); inside the caller's transaction. */
    @Transactional(propagation = Propagation.MANDATORY)
    public List<StateChange.PeerRoutes> ofNode(long nodeId) {
        List<StateChange.PeerRoutes> out = new ArrayList<>();
        TopologyStore.Stored stored = store.load(nodeId).orElse(null);
        if (stored == null) {
            return out;
        }
        Fabric fabric = Fabric.of(stored.functions());
        Node node = nodes.byId(nodeId);
        Map<PciAddress, Device> byBdf = new HashMap<>();
        devices.ofNode(node).forEach(d -> byBdf.put(PciAddress.parse(d.bdf()), d));
        for (TopologyService.PeerRoute r : TopologyService.routes(fabric, byBdf)) {
            out.add(new StateChange.PeerRoutes(r.deviceId(), r.peers(), r.bars()));
        }
        return out;
    }
}
