package dev.sva.topology.fabric;

import java.util.List;
import java.util.Optional;

/** The groups enforced: the coarser of the derivation and the host's report, with every divergence named. */
public record Enforced(List<DerivedGroup> groups, List<Divergence> divergences, List<Warning> warnings) {
    public Enforced {
        groups = List.copyOf(groups);
        divergences = List.copyOf(divergences);
        warnings = List.copyOf(warnings);
    }

    public Optional<DerivedGroup> groupOf(PciAddress a) {
        return Optional.ofNullable(Derivation.index(groups).get(a));
    }
}
