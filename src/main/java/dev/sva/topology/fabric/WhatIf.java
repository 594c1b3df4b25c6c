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
        List<List<PciAddress>> split = scattered(groupsBefore.groups(), index(groupsAfter.groups()), common);
        List<List<PciAddress>> merged = scattered(groupsAfter.groups(), index(groupsBefore.groups()), common);
        Set<PeerLink> linksBefore = links(before);
        Set<PeerLink> linksAfter = links(after);
        return new GroupDiff(split, merged, onlyIn(linksBefore, linksAfter), onlyIn(linksAfter, linksBefore));
    }

    /**
     * The groups of one side whose common functions land in more than one group of the other side ({@code otherIdx}):
     * before → after, the groups that split; after → before, the groups that merged.
     */
    private static List<List<PciAddress>> scattered(List<DerivedGroup> groups, Map<PciAddress, Integer> otherIdx,
                                                    Set<PciAddress> common) {
        List<List<PciAddress>> out = new ArrayList<>();
        for (DerivedGroup g : groups) {
            Set<Integer> landsIn = new HashSet<>();
            for (PciAddress a : g.members()) {
                if (common.contains(a)) {
                    landsIn.add(otherIdx.getOrDefault(a, -1 - a.hashCode()));
                }
            }
            if (landsIn.size() > 1) {
                out.add(g.members());
            }
        }
        return out;
    }

    /** The links of {@code side} that {@code other} lacks, in order: closed (before, after) or opened (after, before). */
    private static List<PeerLink> onlyIn(Set<PeerLink> side, Set<PeerLink> other) {
        List<PeerLink> out = new ArrayList<>();
        for (PeerLink l : sorted(side)) {
            if (!other.contains(l)) {
                out.add(l);
            }
        }
        return out;
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
