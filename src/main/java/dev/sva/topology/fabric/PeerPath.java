package dev.sva.topology.fabric;

import java.util.List;

/** A peer BAR a DMA reaches without the IOMMU, and the ports it passes (in order, may be empty). */
public record PeerPath(PciAddress peer, int bar, List<PciAddress> via) {
    public PeerPath {
        via = List.copyOf(via);
    }
}
