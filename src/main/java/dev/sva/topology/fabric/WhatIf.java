package dev.sva.topology.fabric;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What changes between a fabric and a modified one (TOPOLOGY.md "what-if"): which enforced groups split, which merge,
 * and which peer-to-peer paths close or open. Functions present in only one of the two fabrics (plugged or
 * unplugged) are left out of split/merge: a group that merely loses or gains them is neither.
 */
public final class WhatIf {

    private WhatIf() {
    }

    public static GroupDiff compare(Fabric before, Enforced groupsBefore, Fabric after, Enforced groupsAfter) {
        Set<PciAddress> common = new HashSet<>(Fabric.addresses(before));
        common.retainAll(Fabric.addresses(after));
        Map<PciAddress, Integer> beforeIdx = index(groupsBefore.groups());
        Map<PciAddress, Integer> afterIdx = index(groupsAfter.groups());
        List<List<PciAddress>> split = new ArrayList<>();
        for (int i = 0; i < groupsBefore.groups().size(); i++) {
            Set<Integer> to = new HashSet<>();
            for (PciAddress a : groupsBefore.groups().get(i).members()) {
                if (common.contains(a)) {
                    to.add(afterIdx.getOrDefault(a, -1 - a.hashCode()));
                }
            }
            if (to.size() > 1) {
                split.add(groupsBefore.groups().get(i).members());
            }
        }
        List<List<PciAddress>> merged = new ArrayList<>();
        for (int i = 0; i < groupsAfter.groups().size(); i++) {
            Set<Integer> from = new HashSet<>();
            for (PciAddress a : groupsAfter.groups().get(i).members()) {
                if (common.contains(a)) {
                    from.add(beforeIdx.getOrDefault(a, -1 - a.hashCode()));
                }
            }
            if (from.size() > 1) {
                merged.add(groupsAfter.groups().get(i).members());
            }
        }
        Set<PeerLink> linksBefore = links(before);
        Set<PeerLink> linksAfter = links(after);
        List<PeerLink> closed = new ArrayList<>();
        for (PeerLink l : sorted(linksBefore)) {
            if (!linksAfter.contains(l)) {
                closed.add(l);
            }
        }
        List<PeerLink> opened = new ArrayList<>();
        for (PeerLink l : sorted(linksAfter)) {
            if (!linksBefore.contains(l)) {
                opened.add(l);
            }
        }
        return new GroupDiff(split, merged, closed, opened);
    }

    private static Map<PciAddress, Integer> index(List<DerivedGroup> groups) {
        Map<PciAddress, Integer> m = new HashMap<>();
        for (int i = 0; i < groups.size(); i++) {
            for (PciAddress a : groups.get(i).members()) {
                m.put(a, i);
            }
        }
        return m;
    }

    /** Every requester → peer pair the fabric routes (any BAR). */
    static Set<PeerLink> links(Fabric f) {
        Set<PeerLink> s = new HashSet<>();
        Routing.Table table = Routing.table(f);
        for (PciFunction r : f.functions()) {
            for (PciFunction p : table.reachableFunctions(r.address())) {
                if (!p.bars().isEmpty()) { // a peer path is a BAR the DMA can land in
                    s.add(new PeerLink(r.address(), p.address()));
                }
            }
        }
        return s;
    }

    private static List<PeerLink> sorted(Set<PeerLink> s) {
        TreeSet<PeerLink> t = new TreeSet<>((x, y) -> {
            int c = x.from().compareTo(y.from());
            return c != 0 ? c : x.to().compareTo(y.to());
        });
        t.addAll(s);
        return new ArrayList<>(t);
    }
}
