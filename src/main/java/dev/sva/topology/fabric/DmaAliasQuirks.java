package dev.sva.topology.fabric;

import java.util.BitSet;
import java.util.Set;

/**
 * The DMA-alias quirks of {@code drivers/pci/quirks.c} that feed {@code pci_for_each_dma_alias()} and
 * {@code pci_devs_are_dma_aliases()}: extra requester ids of broken devices ({@code dma_alias_mask}) and the
 * bridge flags that change the alias walk.
 */
final class DmaAliasQuirks {

    private DmaAliasQuirks() {
    }

    private static final Set<Integer> FUNC0 = Set.of(
            0x1180e832, 0x1180e476, // quirk_dma_func0_alias: Ricoh (Red Hat bz 605888)
            0x67663d40, 0x67663d41); // quirk_dma_func0_alias: Glenfly
    private static final Set<Integer> FUNC1 = Set.of(
            // quirk_dma_func1_alias: Marvell 88SE91xx/92xx (kernel bz 42679), TTI, JMicron JMB388 ESD, Plextor M6E
            0x1b4b9120, 0x1b4b9123, 0x1b4b9125, 0x1b4b9128, 0x1b4b9130, 0x1b4b9170, 0x1b4b9172, 0x1b4b917a,
            0x1b4b9182, 0x1b4b9183, 0x1b4b91a0, 0x1b4b9215, 0x1b4b9220, 0x1b4b9230, 0x1b4b9235,
            0x11030642, 0x11030645, 0x197b2393, 0x1c280122);
    private static final Set<Integer> MIC_X200 = Set.of(0x80862260, 0x80862264); // quirk_mic_x200_dma_alias
    private static final Set<Integer> PEX_VCA = Set.of( // quirk_pex_vca_alias
            0x80862954, 0x80862955, 0x80862956, 0x80862958, 0x80862959, 0x8086295a);
    private static final Set<Integer> PLX_NTB = Set.of(0x10b587b0, 0x10b587b1); // quirk_plx_ntb_dma_alias
    private static final Set<Integer> PCIE_BRIDGE_ALIAS = Set.of( // quirk_use_pcie_bridge_dma_alias
            0x1b211080, 0x10e38113, 0x12838892, 0x12838893, 0x8086244e);
    private static final Set<Integer> XLATE_ROOT = Set.of(0x14e49000, 0x14e49084); // quirk_bridge_cavm_thrx2_pcie_root
    private static final Set<Integer> NO_ALIAS = Set.of(0x1a031150); // quirk_aspeed_pci_bridge_no_alias (AST1150)

    /** The function's {@code dma_alias_mask}: the input's devfns plus the quirks'. Null when empty. */
    static BitSet aliases(PciFunction f) {
        BitSet m = null;
        for (Integer a : f.dmaAliases()) {
            m = set(m, a);
        }
        int vd = f.vendorDevice();
        if (vd == -1) {
            return m;
        }
        int slot = f.address().device();
        if (FUNC0.contains(vd) && f.address().function() != 0) {
            m = set(m, slot << 3);
        }
        if (FUNC1.contains(vd) && f.address().function() != 1) {
            m = set(m, (slot << 3) | 1);
        }
        // quirk_fixed_dma_alias: Adaptec 3405/3805 DMA as the hidden 01.0
        if (vd == 0x90050285 && Integer.valueOf(0x9005).equals(f.subsystemVendorId())
                && f.subsystemDeviceId() != null && (f.subsystemDeviceId() == 0x02bb || f.subsystemDeviceId() == 0x02bc)) {
            m = set(m, 1 << 3);
        }
        if (MIC_X200.contains(vd)) {
            m = set(m, 0x10 << 3);
            m = set(m, 0x11 << 3);
            m = set(m, (0x12 << 3) | 3);
        }
        if (PEX_VCA.contains(vd)) {
            for (int s = 0; s < 0x20; s++) {
                for (int fn = 0; fn < 5; fn++) {
                    m = set(m, (s << 3) | fn);
                }
            }
        }
        if (PLX_NTB.contains(vd)) {
            if (m == null) {
                m = new BitSet(256);
            }
            m.set(0, 256);
        }
        return m;
    }

    /** The quirk that adds aliases to this function, or null (for reasons). */
    static String aliasQuirk(PciFunction f) {
        int vd = f.vendorDevice();
        if (FUNC0.contains(vd)) {
            return "quirk_dma_func0_alias";
        }
        if (FUNC1.contains(vd)) {
            return "quirk_dma_func1_alias";
        }
        if (vd == 0x90050285) {
            return "quirk_fixed_dma_alias";
        }
        if (MIC_X200.contains(vd)) {
            return "quirk_mic_x200_dma_alias";
        }
        if (PEX_VCA.contains(vd)) {
            return "quirk_pex_vca_alias";
        }
        if (PLX_NTB.contains(vd)) {
            return "quirk_plx_ntb_dma_alias";
        }
        return null;
    }

    /**
     * {@code PCI_DEV_FLAG_PCIE_BRIDGE_ALIAS} (quirk_use_pcie_bridge_dma_alias): a non-PCIe bridge off a non-root bus
     * whose parent is PCIe and not a PCIe-to-PCI bridge is really a PCIe-to-PCI bridge and aliases as
     * (secondary bus, 00.0).
     */
    static boolean pcieBridgeAlias(PciFunction bridge, Fabric fabric) {
        if (!PCIE_BRIDGE_ALIAS.contains(bridge.vendorDevice()) || bridge.type() != PortType.PCI_BRIDGE) {
            return false;
        }
        int bus = bridge.address().busKey();
        if (fabric.isRootBus(bus)) {
            return false;
        }
        PciFunction parent = fabric.busSelf(bus);
        return parent != null && parent.type().isPcie() && parent.type() != PortType.PCIE_TO_PCI_BRIDGE;
    }

    /** {@code PCI_DEV_FLAGS_BRIDGE_XLATE_ROOT}: the IOMMU sits at this bridge; the alias walk stops here. */
    static boolean xlateRoot(PciFunction bridge) {
        return XLATE_ROOT.contains(bridge.vendorDevice());
    }

    /** {@code PCI_DEV_FLAGS_PCI_BRIDGE_NO_ALIAS}: a PCIe-to-PCI bridge that forwards requester ids unchanged. */
    static boolean noAlias(PciFunction bridge) {
        return NO_ALIAS.contains(bridge.vendorDevice());
    }

    private static BitSet set(BitSet m, int devfn) {
        if (m == null) {
            m = new BitSet(256);
        }
        m.set(devfn);
        return m;
    }
}
