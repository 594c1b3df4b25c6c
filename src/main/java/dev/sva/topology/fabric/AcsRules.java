package dev.sva.topology.fabric;

import static dev.sva.topology.fabric.AcsFlag.CR;
import static dev.sva.topology.fabric.AcsFlag.DT;
import static dev.sva.topology.fabric.AcsFlag.EC;
import static dev.sva.topology.fabric.AcsFlag.RR;
import static dev.sva.topology.fabric.AcsFlag.SV;
import static dev.sva.topology.fabric.AcsFlag.TB;
import static dev.sva.topology.fabric.AcsFlag.UF;

import java.util.HashMap;
import java.util.Map;

/**
 * {@code pci_acs_enabled()} and {@code pci_acs_path_enabled()} ({@code drivers/pci/pci.c}) over one fabric, with the
 * device-specific quirks of {@link AcsQuirks} first. Path answers are memoised per bridge, so a derivation costs
 * O(functions × depth) at most. Not thread-safe: one instance per derivation or check.
 */
final class AcsRules {

    static final int REQ_ACS_FLAGS = SV.bit() | RR.bit() | CR.bit() | UF.bit();
    static final int PASID_FLAGS = RR.bit() | UF.bit();
    private static final int SV_B = SV.bit();
    private static final int EC_B = EC.bit();

    private final Fabric fabric;
    /** An IVRS table exists, i.e. an AMD IOMMU is present ({@code pci_quirk_amd_sb_acs} needs one). */
    final boolean ivrs;
    private final Map<Long, Object> pathMemo = new HashMap<>();
    private static final Object PASS = new Object();

    AcsRules(Fabric fabric) {
        this.fabric = fabric;
        boolean amdIommu = false;
        for (PciFunction f : fabric.functions()) {
            if (GroupDerivation.isAmdIommu(f)) {
                amdIommu = true;
                break;
            }
        }
        this.ivrs = amdIommu;
    }

    Fabric fabric() {
        return fabric;
    }

    /** {@code pci_acs_enabled(pdev, acs_flags)}. */
    boolean enabled(PciFunction f, int flags) {
        // A quirk decides first (pci_dev_specific_acs_enabled; quirks before the standard capability since
        // "PCI: Reverse standard ACS vs device-specific ACS enabling").
        int q = AcsQuirks.specific(f, flags, this);
        if (q >= 0) {
            return q > 0;
        }
        switch (f.type()) {
            // Conventional PCI and PCI-X never support ACS: the shared bus lets any device snoop DMA.
            case PCI, PCI_BRIDGE:
                return false;
            // PCI/X-to-PCIe bridges are handled as non-PCIe; PCIe-to-PCI bridges and RC event collectors are
            // excluded from ACS by PCIe 3.0 6.12.1.
            case PCI_TO_PCIE_BRIDGE, PCIE_TO_PCI_BRIDGE, RC_EVENT_COLLECTOR:
                return false;
            // Downstream and root ports must implement ACS to show their peer-to-peer capabilities.
            case DOWNSTREAM_PORT, ROOT_PORT:
                return flagsEnabled(f, flags);
            // The remaining PCIe types need ACS only when part of a multifunction device (PCIe 3.0 6.12.1.2).
            case ENDPOINT, UPSTREAM_PORT, LEGACY_ENDPOINT, RC_INTEGRATED_ENDPOINT:
                if (!fabric.isMultifunction(f)) {
                    return true;
                }
                return flagsEnabled(f, flags);
            default:
                return true;
        }
    }

    /**
     * {@code pci_acs_flags_enabled()}: no capability → false; {@code flags &= (cap | EC)} (a flag the capability
     * lacks counts as hard-wired enabled, except egress control); then every remaining flag must be set in ctl.
     */
    boolean flagsEnabled(PciFunction f, int flags) {
        Acs acs = f.acs();
        if (acs == null) {
            return false; // no ACS capability, or lspci could not show it (acsUnknown): assume none
        }
        int cap = effectiveCap(f);
        int req = flags & (cap | EC_B);
        return (acs.ctlMask() & req) == req;
    }

    /** The flags of {@code flags} that the function fails, by the same rules as {@link #enabled}. */
    int missing(PciFunction f, int flags) {
        int q = AcsQuirks.specific(f, flags, this);
        if (q >= 0) {
            return q > 0 ? 0 : AcsQuirks.missing(f, flags, this);
        }
        if (enabled(f, flags)) {
            return 0;
        }
        Acs acs = f.acs();
        if (acs == null || !f.type().isPcie() || f.type() == PortType.PCI_TO_PCIE_BRIDGE
                || f.type() == PortType.PCIE_TO_PCI_BRIDGE || f.type() == PortType.RC_EVENT_COLLECTOR) {
            return flags;
        }
        int req = flags & (effectiveCap(f) | EC_B);
        return req & ~acs.ctlMask();
    }

    /** Why the function fails, in words (for reasons). */
    String why(PciFunction f, int flags) {
        String quirk = AcsQuirks.deciding(f, flags, this);
        if (quirk != null) {
            return "quirk " + quirk + " says ACS is not enough";
        }
        return switch (f.type()) {
            case PCI, PCI_BRIDGE -> "conventional PCI never isolates: the shared bus lets any device see DMA";
            case PCI_TO_PCIE_BRIDGE, PCIE_TO_PCI_BRIDGE, RC_EVENT_COLLECTOR ->
                    "a " + f.type() + " is never ACS-isolated (PCIe 3.0 6.12.1)";
            default -> f.acs() == null
                    ? (f.acsUnknown() ? "its ACS capability could not be read (lspci without root); assumed absent"
                            : "it has no ACS capability")
                    : "ACS control lacks " + AcsFlag.fromMask(missing(f, flags));
        };
    }

    /** The capability with the kernel's own corrections ({@code pci_disable_broken_acs_cap}). */
    int effectiveCap(PciFunction f) {
        int cap = f.acs() == null ? 0 : f.acs().capMask();
        // pci_disable_broken_acs_cap(): IDT 89H32H8G3 switches flag SV errors on completions; the kernel clears
        // SV from acs_capabilities, so SV then counts as hard-wired.
        if (f.vendorDevice() == 0x111d80b5 || f.vendorDevice() == 0x111d8090) {
            cap &= ~SV_B;
        }
        return cap;
    }

    /** {@code pci_acs_path_enabled(start, NULL, flags)}: every bridge from start to the root bus passes. */
    boolean pathEnabled(PciFunction start, int flags) {
        return pathFailure(start, flags) == null;
    }

    /** The first function on the path from {@code start} to the root that fails, or null when the path passes. */
    PciFunction pathFailure(PciFunction start, int flags) {
        long key = ((long) flags << 32) | index(start);
        Object memo = pathMemo.get(key);
        if (memo != null) {
            return memo == PASS ? null : (PciFunction) memo;
        }
        PciFunction failure;
        if (!enabled(start, flags)) {
            failure = start;
        } else {
            int bus = start.address().busKey();
            PciFunction up = fabric.isRootBus(bus) ? null : fabric.busSelf(bus);
            // Recursion depth is bounded by the bus depth: at most 256 buses per domain (Fabric.of); a bridge never
            // sits on a virtual bus, so a non-root bus of a bridge always has a bridge above it.
            failure = up == null ? null : pathFailure(up, flags);
        }
        pathMemo.put(key, failure == null ? PASS : failure);
        return failure;
    }

    private static long index(PciFunction p) {
        PciAddress a = p.address();
        return ((long) a.domain() << 16) | ((long) a.bus() << 8) | a.devfn();
    }

    static final int ALL_MF_FLAGS = SV.bit() | TB.bit() | RR.bit() | CR.bit() | UF.bit() | DT.bit();
}
