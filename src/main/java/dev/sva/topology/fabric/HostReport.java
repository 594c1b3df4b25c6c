package dev.sva.topology.fabric;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The groups a node enforces: the connected components of the derivation's groups and the host's own report
 * together, so neither source can open a backdoor (TOPOLOGY.md "What a host offers"). Every disagreement is named:
 * {@code HOST_FINER} when the host splits a derived group (an ACS override suspected: the devices are not isolated
 * whatever the kernel says), {@code HOST_COARSER} when the host joins what the derivation separates (a quirk, alias
 * or firmware fact the listing cannot show).
 */
public final class HostReport {

    private HostReport() {
    }

    /**
     * @param hostGroups the host's groups; empty when the host sent no report (the derivation is then enforced as
     *                   it is)
     */
    public static Enforced enforce(Derivation d, List<List<PciAddress>> hostGroups) {
        List<Warning> warnings = new ArrayList<>(d.warnings());
        if (hostGroups == null || hostGroups.isEmpty()) {
            return new Enforced(d.groups(), List.of(), warnings);
        }
        Map<PciAddress, Integer> derivedIndex = new HashMap<>();
        for (int i = 0; i < d.groups().size(); i++) {
            for (PciAddress a : d.groups().get(i).members()) {
                derivedIndex.put(a, i);
            }
        }
        Set<PciAddress> noGroup = new TreeSet<>();
        for (Warning w : d.warnings()) {
            if (Warning.NO_GROUP.equals(w.kind()) && w.bdf() != null) {
                noGroup.add(w.bdf());
            }
        }
        // Union-find over addresses: derived groups, then host groups.
        Map<PciAddress, PciAddress> parent = new HashMap<>();
        for (DerivedGroup g : d.groups()) {
            PciAddress first = g.members().get(0);
            for (PciAddress a : g.members()) {
                union(parent, first, a);
            }
        }
        List<List<PciAddress>> hosts = new ArrayList<>();
        Map<PciAddress, Integer> hostIndex = new HashMap<>();
        for (List<PciAddress> h : hostGroups) {
            List<PciAddress> known = new ArrayList<>();
            for (PciAddress a : new TreeSet<>(h)) {
                if (derivedIndex.containsKey(a) || noGroup.contains(a)) {
                    known.add(a);
                } else {
                    warnings.add(new Warning(Warning.HOST_REPORT_MISMATCH, a, "the host reports " + a
                            + " in an IOMMU group but the fabric has no such function; ignored"));
                }
            }
            if (known.isEmpty()) {
                continue;
            }
            int idx = hosts.size();
            hosts.add(known);
            for (PciAddress a : known) {
                if (hostIndex.put(a, idx) != null) {
                    warnings.add(new Warning(Warning.HOST_REPORT_MISMATCH, a, "the host reports " + a
                            + " in two IOMMU groups; both are joined"));
                }
                union(parent, known.get(0), a);
            }
        }
        for (PciAddress a : new TreeSet<>(derivedIndex.keySet())) {
            if (!hostIndex.containsKey(a)) {
                warnings.add(new Warning(Warning.HOST_REPORT_MISMATCH, a, "the host reports no IOMMU group for " + a
                        + "; the derived group is kept"));
            }
        }
        // Components, each with the derived reasons of its parts and the host's joins.
        TreeMap<PciAddress, TreeSet<PciAddress>> components = new TreeMap<>();
        for (PciAddress a : parent.keySet()) {
            components.computeIfAbsent(find(parent, a), k -> new TreeSet<>()).add(a);
        }
        List<DerivedGroup> groups = new ArrayList<>();
        List<Divergence> divergences = new ArrayList<>();
        for (TreeSet<PciAddress> comp : components.values()) {
            LinkedHashSet<Reason> reasons = new LinkedHashSet<>();
            Set<Integer> derivedParts = new TreeSet<>();
            Set<Integer> hostParts = new TreeSet<>();
            for (PciAddress a : comp) {
                Integer di = derivedIndex.get(a);
                if (di != null) {
                    derivedParts.add(di);
                }
                Integer hi = hostIndex.get(a);
                if (hi != null) {
                    hostParts.add(hi);
                }
            }
            for (int di : derivedParts) {
                reasons.addAll(d.groups().get(di).reasons());
            }
            for (int hi : hostParts) {
                List<PciAddress> h = hosts.get(hi);
                for (int di : derivedParts) {
                    List<PciAddress> dg = d.groups().get(di).members();
                    if (!intersects(h, dg)) {
                        continue;
                    }
                    boolean finer = false;
                    for (PciAddress a : dg) {
                        if (hostIndex.containsKey(a) && !h.contains(a)) {
                            finer = true;
                            break;
                        }
                    }
                    boolean coarser = false;
                    for (PciAddress a : h) {
                        if (!dg.contains(a)) {
                            coarser = true;
                            break;
                        }
                    }
                    if (finer) {
                        divergences.add(new Divergence(DivergenceKind.HOST_FINER, h, dg));
                    }
                    if (coarser) {
                        divergences.add(new Divergence(DivergenceKind.HOST_COARSER, h, dg));
                    }
                }
                if (derivedParts.size() > 1 || !derivedIndex.keySet().containsAll(h)) {
                    reasons.add(new Reason(ReasonKind.HOST_REPORTED, h.get(0), null,
                            "the host's own IOMMU group holds " + h + " together"));
                }
            }
            groups.add(new DerivedGroup(new ArrayList<>(comp), new ArrayList<>(reasons)));
        }
        groups.sort(Comparator.comparing(g -> g.members().get(0)));
        return new Enforced(groups, divergences, warnings);
    }

    private static boolean intersects(List<PciAddress> a, List<PciAddress> b) {
        for (PciAddress x : a) {
            if (b.contains(x)) {
                return true;
            }
        }
        return false;
    }

    private static PciAddress find(Map<PciAddress, PciAddress> parent, PciAddress a) {
        PciAddress root = a;
        PciAddress p;
        while ((p = parent.get(root)) != null && !p.equals(root)) {
            root = p;
        }
        // path compression
        PciAddress cur = a;
        while (!cur.equals(root)) {
            PciAddress next = parent.get(cur);
            parent.put(cur, root);
            cur = next;
        }
        return root;
    }

    private static void union(Map<PciAddress, PciAddress> parent, PciAddress a, PciAddress b) {
        parent.putIfAbsent(a, a);
        parent.putIfAbsent(b, b);
        PciAddress ra = find(parent, a);
        PciAddress rb = find(parent, b);
        if (!ra.equals(rb)) {
            if (ra.compareTo(rb) < 0) {
                parent.put(rb, ra);
            } else {
                parent.put(ra, rb);
            }
        }
    }
}
