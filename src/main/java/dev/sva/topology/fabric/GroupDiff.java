package dev.sva.topology.fabric;

import java.util.List;

/**
 * What changes between two fabrics: {@code split} are before-groups whose members no longer share one group;
 * {@code merged} are after-groups that join members of several before-groups.
 */
public record GroupDiff(List<List<PciAddress>> split, List<List<PciAddress>> merged,
                        List<PeerLink> peerPathsClosed, List<PeerLink> peerPathsOpened) {
    public GroupDiff {
        split = split.stream().map(List::copyOf).toList();
        merged = merged.stream().map(List::copyOf).toList();
        peerPathsClosed = List.copyOf(peerPathsClosed);
        peerPathsOpened = List.copyOf(peerPathsOpened);
    }
}
