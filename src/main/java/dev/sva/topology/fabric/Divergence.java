package dev.sva.topology.fabric;

import java.util.List;

/** One group on which the host's report and the derivation disagree. */
public record Divergence(DivergenceKind kind, List<PciAddress> hostGroup, List<PciAddress> derivedGroup) {
    public Divergence {
        hostGroup = List.copyOf(hostGroup);
        derivedGroup = List.copyOf(derivedGroup);
    }
}
