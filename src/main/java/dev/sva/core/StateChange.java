package dev.sva.core;

/**
 * A committed change of the IOMMU state, in primitives: what the translation engine must apply.
 * Services record these with the change's event ({@code EventLog.record}); they are written to the
 * node's journal in the order recorded, as one record when the transaction commits
 * ({@link StateChangeCodec} is their encoding), and every replica's engine applies them from there —
 * this process's before the HTTP call that made them returns (so an unmap has invalidated the IOTLB
 * when its caller sees 200). Ids are database keys; addresses are unsigned.
 */
public sealed interface StateChange {

    record NodePut(long nodeId, int pasidBits, int iovaBits, int vaBits) implements StateChange {
    }

    /** A device added, or moved to another group by a hot-plug. BAR arrays are parallel. */
    record DevicePut(long nodeId, long deviceId, long groupId, int pasidBits, boolean pri,
                     int[] barIndex, long[] barBase, long[] barSize) implements StateChange {
    }

    /**
     * On a node with a topology, the peer BARs {@code (peerIds[i], barIndex[i])} a device's DMA reaches without the
     * IOMMU, as the fabric routes it; published after the devices it names were put.
     */
    record PeerRoutes(long deviceId, long[] peerIds, int[] barIndex) implements StateChange {
    }

    record DeviceRemoved(long deviceId) implements StateChange {
    }

    record GroupAttached(long groupId, long containerId) implements StateChange {
    }

    record GroupDetached(long groupId) implements StateChange {
    }

    record Mapped(long containerId, long iova, long size, long physicalAddress, boolean read, boolean write)
            implements StateChange {
    }

    /** Every mapping wholly inside {@code [iova, iova + size)} is gone. */
    record Unmapped(long containerId, long iova, long size) implements StateChange {
    }

    record ContainerRemoved(long containerId) implements StateChange {
    }

    record AddressSpacePut(long nodeId, long addressSpaceId) implements StateChange {
    }

    record RegionMapped(long addressSpaceId, long va, long size, long physicalAddress, boolean read, boolean write,
                        boolean pinned) implements StateChange {
    }

    /** munmap: the range is gone, splitting regions as needed. */
    record RegionUnmapped(long addressSpaceId, long va, long size) implements StateChange {
    }

    record AddressSpaceRemoved(long addressSpaceId) implements StateChange {
    }

    record Bound(long deviceId, int pasid, long addressSpaceId, boolean iopf) implements StateChange {
    }

    record Unbound(long deviceId, int pasid) implements StateChange {
    }
}
