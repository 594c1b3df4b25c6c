package dev.sva.topology.fabric;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A deliberately naive transcription of pci_device_group() for the differential test: linear scans over every
 * function (for_each_pci_dev), no memoisation, no indexes, recursion as in the kernel. Written apart from the
 * production code, sharing only the model records. No quirks (the random fabrics carry no vendor ids).
 */
final class ReferenceDerivation {

    /** Which step decided each function's group. */
    enum Step { ALIAS_BRIDGE, ACS_CLIMB, SAME_BUS_ALIAS, MULTIFUNCTION, NEW_GROUP }

    private static final int SV = 1;
    private static final int RR = 4;
    private static final int CR = 8;
    private static final int UF = 16;
    private static final int EC = 32;
    private static final int REQ = SV | RR | CR | UF;

    private final List<PciFunction> all;
    private final Map<PciAddress, Integer> group = new HashMap<>();
    final Map<PciAddress, Step> decided = new HashMap<>();
    private int nextGroup;

    ReferenceDerivation(List<PciFunction> fs) {
        all = new ArrayList<>(fs);
        all.sort((x, y) -> x.address().compareTo(y.address()));
    }

    /** The partition as a set of member sets. */
    Set<Set<PciAddress>> run() {
        for (PciFunction p : all) {
            group.put(p.address(), deviceGroup(p));
        }
        Map<Integer, Set<PciAddress>> by = new HashMap<>();
        group.forEach((a, g) -> by.computeIfAbsent(g, k -> new HashSet<>()).add(a));
        return new HashSet<>(by.values());
    }

    private PciFunction self(int bus) {
        for (PciFunction f : all) {
            if (f.type().isBridge() && f.secondaryBus() == bus) {
                return f;
            }
        }
        return null;
    }

    /** The parent bus number, or -1 at a root bus. */
    private int parent(int bus) {
        PciFunction s = self(bus);
        if (s != null) {
            return s.address().bus();
        }
        PciFunction best = null;
        for (PciFunction f : all) {
            if (f.type().isBridge() && f.secondaryBus() <= bus && bus <= f.subordinateBus()
                    && (best == null || f.secondaryBus() > best.secondaryBus())) {
                best = f;
            }
        }
        return best == null ? -1 : best.secondaryBus();
    }

    private boolean multifunction(PciFunction f) {
        if (f.virtualFunction()) {
            return false;
        }
        if (f.multifunction() != null) {
            return f.multifunction();
        }
        if (f.address().function() != 0) {
            return true;
        }
        for (PciFunction o : all) {
            if (o != f && !o.virtualFunction() && o.address().bus() == f.address().bus()
                    && o.address().device() == f.address().device()) {
                return true;
            }
        }
        return false;
    }

    private static int mask(Set<AcsFlag> s) {
        int m = 0;
        for (AcsFlag a : s) {
            m |= 1 << a.ordinal();
        }
        return m;
    }

    private boolean flagsEnabled(PciFunction f, int flags) {
        if (f.acs() == null) {
            return false;
        }
        flags &= mask(f.acs().cap()) | EC;
        return (mask(f.acs().ctl()) & flags) == flags;
    }

    private boolean acsEnabled(PciFunction f, int flags) {
        switch (f.type()) {
            case PCI, PCI_BRIDGE, PCI_TO_PCIE_BRIDGE, PCIE_TO_PCI_BRIDGE, RC_EVENT_COLLECTOR:
                return false;
            case ROOT_PORT, DOWNSTREAM_PORT:
                return flagsEnabled(f, flags);
            default:
                return !multifunction(f) || flagsEnabled(f, flags);
        }
    }

    private boolean pathEnabled(PciFunction start) {
        PciFunction p = start;
        while (true) {
            if (!acsEnabled(p, REQ)) {
                return false;
            }
            if (parent(p.address().bus()) < 0) {
                return true;
            }
            p = self(p.address().bus());
        }
    }

    private Integer groupOf(PciFunction f) {
        return group.get(f.address());
    }

    private int deviceGroup(PciFunction p) {
        PciFunction pdev = p;
        for (int bus = p.address().bus(); parent(bus) >= 0; bus = parent(bus)) {
            PciFunction t = self(bus);
            if (t == null || t.type() == PortType.ROOT_PORT || t.type() == PortType.UPSTREAM_PORT
                    || t.type() == PortType.DOWNSTREAM_PORT) {
                continue;
            }
            pdev = t;
            if (groupOf(t) != null) {
                decided.put(p.address(), Step.ALIAS_BRIDGE);
                return groupOf(t);
            }
        }
        for (int bus = pdev.address().bus(); parent(bus) >= 0; bus = parent(bus)) {
            PciFunction t = self(bus);
            if (t == null) {
                continue;
            }
            if (pathEnabled(t)) {
                break;
            }
            pdev = t;
            if (groupOf(t) != null) {
                decided.put(p.address(), Step.ACS_CLIMB);
                return groupOf(t);
            }
        }
        boolean[] devfns = new boolean[256];
        Integer g = aliasGroup(pdev, devfns);
        if (g != null) {
            decided.put(p.address(), Step.SAME_BUS_ALIAS);
            return g;
        }
        g = functionAliasGroup(pdev, devfns);
        if (g != null) {
            decided.put(p.address(), Step.MULTIFUNCTION);
            return g;
        }
        decided.put(p.address(), Step.NEW_GROUP);
        return nextGroup++;
    }

    private boolean aliases(PciFunction a, PciFunction b) {
        return a.dmaAliases().contains(b.address().devfn()) || b.dmaAliases().contains(a.address().devfn());
    }

    private Integer aliasGroup(PciFunction pdev, boolean[] devfns) {
        if (devfns[pdev.address().devfn()]) {
            return null;
        }
        devfns[pdev.address().devfn()] = true;
        if (groupOf(pdev) != null) {
            return groupOf(pdev);
        }
        for (PciFunction t : all) {
            if (t == pdev || t.address().bus() != pdev.address().bus() || !aliases(pdev, t)) {
                continue;
            }
            Integer g = aliasGroup(t, devfns);
            if (g != null) {
                return g;
            }
            g = functionAliasGroup(t, devfns);
            if (g != null) {
                return g;
            }
        }
        return null;
    }

    private Integer functionAliasGroup(PciFunction pdev, boolean[] devfns) {
        if (!multifunction(pdev) || acsEnabled(pdev, REQ)) {
            return null;
        }
        for (PciFunction t : all) {
            if (t == pdev || t.address().bus() != pdev.address().bus()
                    || t.address().device() != pdev.address().device() || acsEnabled(t, REQ)) {
                continue;
            }
            Integer g = aliasGroup(t, devfns);
            if (g != null) {
                return g;
            }
        }
        return null;
    }
}
