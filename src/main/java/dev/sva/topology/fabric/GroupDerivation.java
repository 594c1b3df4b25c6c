package dev.sva.topology.fabric;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The IOMMU groups Linux gives a fabric: {@code pci_device_group()} ({@code drivers/iommu/iommu.c}), step by step
 * as TOPOLOGY.md lists them, run over the functions in BDF order (parents before children, as the kernel
 * enumerates), each group lookup seeing only the functions derived before it. Each group carries the reasons its
 * members are together. Cost: O(functions × depth) — path checks are memoised per bridge, and the same-bus alias
 * search visits only functions that alias or are aliased.
 */
public final class GroupDerivation {

    /** Warning kind: a downstream port without Request Redirect lets its subtree reach sibling ports' subtrees. */
    public static final String PEER_TO_PEER_ACROSS_GROUPS = "PEER_TO_PEER_ACROSS_GROUPS";

    private GroupDerivation() {
    }

    /** Derives the groups of a validated fabric. Never throws for a fabric {@link Fabric#of} accepted. */
    public static Derivation derive(Fabric f) {
        return new Run(f).run();
    }

    /**
     * The AMD IOMMU's own PCI function (class 0806 "IOMMU", AMD/ATI vendor): {@code init_iommu_one()} claims it and
     * {@code check_device()} finds no IVRS entry for it, so it never gets a group on a host.
     */
    static boolean isAmdIommu(PciFunction f) {
        return f.vendorId() != null && (f.vendorId() == 0x1022 || f.vendorId() == 0x1002) && f.className() != null
                && f.className().trim().equalsIgnoreCase("IOMMU");
    }

    private static final class Group {
        final List<PciAddress> members = new ArrayList<>();
        final LinkedHashSet<Reason> reasons = new LinkedHashSet<>();
        /** (kind, bdf) of the reasons already given: one reason per cause, however many members it brings. */
        final java.util.HashSet<Long> causes = new java.util.HashSet<>();

        boolean newCause(ReasonKind kind, PciAddress bdf) {
            return causes.add(((long) kind.ordinal() << 40) | ((long) bdf.domain() << 16) | ((long) bdf.bus() << 8)
                    | bdf.devfn());
        }

        /** This group, given {@code r} unless it already has a reason for the same cause (kind, function). */
        Group with(Reason r) {
            if (newCause(r.kind(), r.bdf())) {
                reasons.add(r);
            }
            return this;
        }
    }

    private static final class Run {
        private final Fabric fabric;
        private final AcsRules rules;
        private final Map<PciAddress, Group> groupOf = new HashMap<>();
        private final List<Group> groups = new ArrayList<>();
        private final List<Warning> warnings = new ArrayList<>();
        private final Map<PciAddress, BitSet> aliasMask = new HashMap<>();
        /** busKey → devfn → the functions on that bus whose alias mask holds devfn. */
        private final Map<Integer, Map<Integer, List<PciFunction>>> aliasedBy = new HashMap<>();

        Run(Fabric fabric) {
            this.fabric = fabric;
            this.rules = new AcsRules(fabric);
            for (PciFunction p : fabric.functions()) {
                BitSet m = DmaAliasQuirks.aliases(p);
                if (m != null) {
                    aliasMask.put(p.address(), m);
                    Map<Integer, List<PciFunction>> byDevfn =
                            aliasedBy.computeIfAbsent(p.address().busKey(), k -> new HashMap<>());
                    for (int d = m.nextSetBit(0); d >= 0; d = m.nextSetBit(d + 1)) {
                        byDevfn.computeIfAbsent(d, k -> new ArrayList<>()).add(p);
                    }
                }
            }
        }

        Derivation run() {
            for (PciFunction p : fabric.functions()) {
                if (isAmdIommu(p)) {
                    warnings.add(new Warning(Warning.NO_GROUP, p.address(), "the AMD IOMMU's own function gets no"
                            + " IOMMU group on a host (init_iommu_one, check_device); it stays outside every group"));
                    continue;
                }
                warnAcsUnknown(p);
                Group g = deviceGroup(p);
                g.members.add(p.address());
                groupOf.put(p.address(), g);
            }
            warnCrossPortPeers();
            List<DerivedGroup> out = new ArrayList<>(groups.size());
            for (Group g : groups) {
                out.add(new DerivedGroup(g.members, new ArrayList<>(g.reasons)));
            }
            return new Derivation(out, warnings);
        }

        /** {@code pci_device_group()}. */
        private Group deviceGroup(PciFunction p) {
            // Step 1: pci_for_each_dma_alias() (drivers/pci/search.c) with get_pci_alias_or_group(). The device's
            // own requester id and its dma_alias_mask are handed over with the device itself, which has no group
            // yet; then up the buses, skipping virtual buses (!bus->self), each bridge that aliases hands itself
            // over, and its group, if any, is the answer. The walk ends at a BRIDGE_XLATE_ROOT bridge.
            PciFunction pdev = p;
            int bus = p.address().busKey();
            while (!fabric.isRootBus(bus)) {
                PciFunction self = fabric.busSelf(bus);
                bus = fabric.parentBus(bus);
                if (self == null) {
                    continue;
                }
                if (DmaAliasQuirks.xlateRoot(self)) {
                    break; // PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT: translation happens here, nothing above aliases
                }
                String alias = topologyAlias(self);
                if (alias == null) {
                    continue;
                }
                pdev = self;
                Group g = groupOf.get(self.address());
                if (g != null) {
                    return g.with(new Reason(ReasonKind.DMA_ALIAS, self.address(), null, "the functions behind "
                            + describe(self) + " " + self.address() + " issue their DMA as " + alias
                            + " (pci_for_each_dma_alias); they share the bridge's group"));
                }
            }
            // Step 2: climb from the last alias until the path to the root is ACS-isolated
            // (pci_acs_path_enabled(bus->self, NULL, REQ_ACS_FLAGS)); otherwise the bridge joins in.
            for (bus = pdev.address().busKey(); !fabric.isRootBus(bus); bus = fabric.parentBus(bus)) {
                PciFunction self = fabric.busSelf(bus);
                if (self == null) {
                    continue; // a virtual bus of SR-IOV VFs (virtfn_add_bus) has no bridge
                }
                PciFunction failure = rules.pathFailure(self, AcsRules.REQ_ACS_FLAGS);
                if (failure == null) {
                    break;
                }
                pdev = self;
                Group g = groupOf.get(self.address());
                if (g != null) {
                    int missing = rules.missing(failure, AcsRules.REQ_ACS_FLAGS);
                    return g.with(new Reason(ReasonKind.ACS_PATH, failure.address(), AcsFlag.fromMask(missing),
                            failure.address() + " (" + failure.type() + ") is not ACS-isolated: "
                                    + rules.why(failure, AcsRules.REQ_ACS_FLAGS) + "; the functions whose path to"
                                    + " the root crosses it (pci_acs_path_enabled) share the group of the bridge"
                                    + " above them"));
                }
            }
            // Step 4: aliases on the same bus (get_pci_alias_group), then step 5: the other functions of a
            // multifunction slot that also lack ACS (get_pci_function_alias_group); one devfn bitmap for both.
            BitSet devfns = new BitSet(256);
            List<Reason> trail = new ArrayList<>();
            Group g = aliasGroup(pdev, devfns, trail);
            if (g == null) {
                trail.clear();
                g = functionAliasGroup(pdev, devfns, trail);
            }
            if (g != null) {
                for (Reason r : trail) {
                    if (g.newCause(r.kind(), r.bdf()) || r.kind() == ReasonKind.DMA_ALIAS) {
                        g.reasons.add(r);
                    }
                }
                return g;
            }
            // Step 6: a new group.
            g = new Group();
            groups.add(g);
            return g;
        }

        /** The requester id a bridge substitutes for the devices below it, or null when it forwards them as-is. */
        private String topologyAlias(PciFunction self) {
            switch (self.type()) {
                case ROOT_PORT, UPSTREAM_PORT, DOWNSTREAM_PORT:
                    return null;
                case PCIE_TO_PCI_BRIDGE:
                    if (DmaAliasQuirks.noAlias(self)) {
                        return null; // PCI_DEV_FLAGS_PCI_BRIDGE_NO_ALIAS
                    }
                    // PCIe-to-PCI/X bridges alias as (subordinate bus, 00.0): PCIe-to-PCI/X bridge spec 1.0, 2.3
                    return String.format("%02x:00.0", self.secondaryBus());
                case PCI_TO_PCIE_BRIDGE:
                    return self.address().toString();
                case PCI_BRIDGE:
                    if (DmaAliasQuirks.pcieBridgeAlias(self, fabric)) {
                        return String.format("%02x:00.0 (quirk_use_pcie_bridge_dma_alias)", self.secondaryBus());
                    }
                    return self.address().toString();
                default:
                    return null;
            }
        }

        /** {@code get_pci_alias_group()}: recursive over same-bus aliases, each devfn at most once. */
        private Group aliasGroup(PciFunction pdev, BitSet devfns, List<Reason> trail) {
            int devfn = pdev.address().devfn();
            if (devfns.get(devfn)) {
                return null;
            }
            devfns.set(devfn);
            Group g = groupOf.get(pdev.address());
            if (g != null) {
                return g;
            }
            for (PciFunction tmp : aliasCandidates(pdev)) {
                g = aliasGroup(tmp, devfns, trail);
                if (g == null) {
                    g = functionAliasGroup(tmp, devfns, trail);
                }
                if (g != null) {
                    String quirk = DmaAliasQuirks.aliasQuirk(aliasMask.containsKey(pdev.address())
                            && aliasMask.get(pdev.address()).get(tmp.address().devfn()) ? pdev : tmp);
                    trail.add(new Reason(ReasonKind.DMA_ALIAS, tmp.address(), null, pdev.address() + " and "
                            + tmp.address() + " are DMA aliases of each other ("
                            + (quirk == null ? "declared dmaAliases" : quirk) + ", pci_devs_are_dma_aliases)"));
                    return g;
                }
            }
            return null;
        }

        /** {@code get_pci_function_alias_group()}. */
        private Group functionAliasGroup(PciFunction pdev, BitSet devfns, List<Reason> trail) {
            if (!fabric.isMultifunction(pdev) || rules.enabled(pdev, AcsRules.REQ_ACS_FLAGS)) {
                return null;
            }
            for (PciFunction tmp : fabric.onBus(pdev.address().busKey())) {
                if (tmp == pdev || tmp.address().device() != pdev.address().device()
                        || GroupDerivation.isAmdIommu(tmp) || rules.enabled(tmp, AcsRules.REQ_ACS_FLAGS)) {
                    continue;
                }
                Group g = aliasGroup(tmp, devfns, trail);
                if (g != null) {
                    int missing = rules.missing(tmp, AcsRules.REQ_ACS_FLAGS);
                    trail.add(new Reason(ReasonKind.MULTIFUNCTION, tmp.address(), AcsFlag.fromMask(missing),
                            pdev.address() + " and " + tmp.address() + " are functions of one multifunction slot and"
                                    + " neither is ACS-isolated (" + tmp.address() + ": "
                                    + rules.why(tmp, AcsRules.REQ_ACS_FLAGS) + ")"));
                    return g;
                }
            }
            return null;
        }

        /** Functions on pdev's bus that pdev aliases or that alias pdev, in devfn order (the bus list's order). */
        private List<PciFunction> aliasCandidates(PciFunction pdev) {
            BitSet own = aliasMask.get(pdev.address());
            Map<Integer, List<PciFunction>> byDevfn = aliasedBy.get(pdev.address().busKey());
            List<PciFunction> them = byDevfn == null ? null : byDevfn.get(pdev.address().devfn());
            if (own == null && them == null) {
                return List.of();
            }
            TreeMap<Integer, PciFunction> out = new TreeMap<>();
            if (own != null) {
                PciAddress a = pdev.address();
                for (int d = own.nextSetBit(0); d >= 0; d = own.nextSetBit(d + 1)) {
                    fabric.function(PciAddress.of(a.domain(), a.bus(), d)).ifPresent(t -> out.put(t.address().devfn(), t));
                }
            }
            if (them != null) {
                for (PciFunction t : them) {
                    out.put(t.address().devfn(), t);
                }
            }
            out.remove(pdev.address().devfn());
            List<PciFunction> list = new ArrayList<>(out.size());
            for (PciFunction t : out.values()) {
                if (!isAmdIommu(t)) {
                    list.add(t);
                }
            }
            return list;
        }

        private void warnAcsUnknown(PciFunction p) {
            if (!p.acsUnknown() || p.acs() != null) {
                return;
            }
            boolean consulted = p.type() == PortType.ROOT_PORT || p.type() == PortType.DOWNSTREAM_PORT
                    || fabric.isMultifunction(p);
            if (consulted) {
                warnings.add(new Warning(Warning.ACS_UNKNOWN, p.address(), "its ACS capability could not be read"
                        + " (lspci without root prints no extended capabilities); the derivation assumed none"));
            }
        }

        /**
         * A switch's downstream port without Request Redirect forwards requests from below it to a sibling port whose
         * window holds the address (PCIe r6.0 6.12.1.1). {@code pci_device_group()} only checks the requester's own
         * path, so the sibling's subtree can be in another group; say so, naming the port.
         */
        private void warnCrossPortPeers() {
            for (PciFunction p : fabric.functions()) {
                if (p.type() != PortType.DOWNSTREAM_PORT || rules.enabled(p, AcsFlag.RR.bit())) {
                    continue;
                }
                Group mine = groupOf.get(p.address());
                Set<PciAddress> others = new java.util.TreeSet<>();
                for (PciFunction s : fabric.onBus(p.address().busKey())) {
                    if (s != p && groupOf.containsKey(s.address()) && groupOf.get(s.address()) != mine
                            && (!s.bars().isEmpty() || s.isBridge() && hasDevicesBelow(s))) {
                        others.add(s.address());
                    }
                }
                if (!others.isEmpty()) {
                    warnings.add(new Warning(PEER_TO_PEER_ACROSS_GROUPS, p.address(), "downstream port "
                            + p.address() + " has no ACS Request Redirect: DMA from below it reaches "
                            + others + " (or the functions below them) peer-to-peer, which Linux's pci_device_group()"
                            + " puts in other groups"));
                }
            }
        }

        private boolean hasDevicesBelow(PciFunction bridge) {
            return !fabric.onBus((bridge.address().domain() << 8) | bridge.secondaryBus()).isEmpty();
        }

        private static String describe(PciFunction bridge) {
            return switch (bridge.type()) {
                case PCIE_TO_PCI_BRIDGE -> "PCIe-to-PCI bridge";
                case PCI_TO_PCIE_BRIDGE -> "PCI-to-PCIe bridge";
                case PCI_BRIDGE -> "conventional PCI bridge";
                default -> bridge.type().toString();
            };
        }
    }

    static Set<AcsFlag> none() {
        return EnumSet.noneOf(AcsFlag.class);
    }
}
