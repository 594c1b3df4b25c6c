package dev.sva.topology.fabric;

import java.util.List;

/** A group: its members in BDF order and each reason they are together (empty for a group of one). */
public record DerivedGroup(List<PciAddress> members, List<Reason> reasons) {
    public DerivedGroup {
        members = List.copyOf(members);
        reasons = List.copyOf(reasons);
    }
}
