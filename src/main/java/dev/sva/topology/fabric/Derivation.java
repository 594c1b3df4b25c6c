package dev.sva.topology.fabric;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The groups derived from a fabric, in the order of their first member, and the warnings. */
public record Derivation(List<DerivedGroup> groups, List<Warning> warnings) {
    public Derivation {
        groups = List.copyOf(groups);
        warnings = List.copyOf(warnings);
    }

    public Optional<DerivedGroup> groupOf(PciAddress a) {
        return Optional.ofNullable(index(groups).get(a));
    }

    static Map<PciAddress, DerivedGroup> index(List<DerivedGroup> groups) {
        Map<PciAddress, DerivedGroup> m = new HashMap<>();
        for (DerivedGroup g : groups) {
            for (PciAddress a : g.members()) {
                m.put(a, g);
            }
        }
        return m;
    }
}
