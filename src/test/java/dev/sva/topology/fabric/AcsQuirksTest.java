package dev.sva.topology.fabric;

import static dev.sva.topology.fabric.Fx.acs;
import static dev.sva.topology.fabric.Fx.bridge;
import static dev.sva.topology.fabric.Fx.derive;
import static dev.sva.topology.fabric.Fx.dp;
import static dev.sva.topology.fabric.Fx.ep;
import static dev.sva.topology.fabric.Fx.fn;
import static dev.sva.topology.fabric.Fx.groupOf;
import static dev.sva.topology.fabric.Fx.groups;
import static dev.sva.topology.fabric.Fx.ids;
import static dev.sva.topology.fabric.Fx.rp;
import static dev.sva.topology.fabric.Fx.up;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Each family of pci_dev_acs_enabled[] and of the DMA-alias quirks (drivers/pci/quirks.c). */
class AcsQuirksTest {

    /** A root port without any ACS capability, with the given ids, and an endpoint below it. */
    private static List<String> rootPortWithoutAcs(int vendor, int device) {
        return groups(derive(ids(rp("00:1c.0", 1, 1), vendor, device), ep("01:00.0")));
    }

    @ParameterizedTest(name = "{0}:{1} ({2})")
    @CsvSource({
        "8086, 1c10, pci_quirk_intel_pch_acs (Cougarpoint)",
        "8086, 3b51, pci_quirk_intel_pch_acs (Ibexpeak)",
        "8086, 1d1e, pci_quirk_intel_pch_acs (Patsburg even id)",
        "8086, 8c9e, pci_quirk_intel_pch_acs (9 series even id)",
        "177d, a000, pci_quirk_cavium_acs (ThunderX1)",
        "177d, af84, pci_quirk_cavium_acs (ThunderX2)",
        "17cb, 0400, pci_quirk_qcom_rp_acs",
        "1dbf, 0401, pci_quirk_qcom_rp_acs (HXT)",
        "10e8, e004, pci_quirk_xgene_acs",
        "1def, e00c, pci_quirk_xgene_acs (Ampere)",
        "14e4, d714, pci_quirk_brcm_acs",
        "0014, 7a09, pci_quirk_loongson_acs",
        "1c36, 0031, pci_quirk_al_acs",
        "1957, 8d81, pci_quirk_nxp_rp_acs",
        "1d17, 0710, pci_quirk_zhaoxin_pcie_ports_acs (listed)"})
    void rootPortQuirksIsolateWithoutAnAcsCapability(String vendor, String device, String quirk) {
        assertThat(rootPortWithoutAcs(Integer.parseInt(vendor, 16), Integer.parseInt(device, 16)))
                .containsExactly("00:1c.0", "01:00.0");
    }

    @ParameterizedTest(name = "{0}:{1} is not in its quirk's list")
    @CsvSource({"8086, 1d11", "8086, 8c91", "177d, b000", "8086, 1234"})
    void rootPortsOutsideTheQuirkListsFallBackToTheirCapability(String vendor, String device) {
        assertThat(rootPortWithoutAcs(Integer.parseInt(vendor, 16), Integer.parseInt(device, 16)))
                .containsExactly("00:1c.0 01:00.0");
    }

    @Test
    void anUnlistedZhaoxinPortAnswersFalseEvenWithFullAcs() {
        assertThat(groups(derive(acs(ids(rp("00:1c.0", 1, 1), 0x1d17, 0x0999)), ep("01:00.0"))))
                .containsExactly("00:1c.0 01:00.0");
        // The same port under another vendor is isolated by its capability.
        assertThat(groups(derive(acs(ids(rp("00:1c.0", 1, 1), 0x1234, 0x0999)), ep("01:00.0"))))
                .containsExactly("00:1c.0", "01:00.0");
    }

    @Test
    void intelSunrisePointRootPortsUseTheirCapabilityNotLspcisControl() {
        // lspci reads ACSCtl at the spec offset; the real control is at cap+8 and the kernel set it at boot.
        PciFunction spt = acs(ids(rp("00:1c.0", 1, 1), 0x8086, 0xa110), "SV RR CR UF", "");
        assertThat(groups(derive(spt, ep("01:00.0")))).containsExactly("00:1c.0", "01:00.0");
        PciFunction other = acs(ids(rp("00:1c.0", 1, 1), 0x8086, 0xa120), "SV RR CR UF", "");
        assertThat(groups(derive(other, ep("01:00.0")))).containsExactly("00:1c.0 01:00.0");
    }

    @Test
    void intelPchQuirkAppliesOnlyToRootPorts() {
        PciFunction notRoot = ids(dp("02:00.0", 3, 3), 0x8086, 0x1c10);
        assertThat(groups(derive(acs(rp("00:01.0", 1, 3)), up("01:00.0", 2, 3), notRoot, ep("03:00.0"))))
                .containsExactly("00:01.0", "01:00.0", "02:00.0 03:00.0");
    }

    @ParameterizedTest(name = "{0}:{1}")
    @CsvSource({"8086, 1521", "8086, 10fb", "8086, 15b8", "1924, 0a03", "19a2, 0710", "10df, 0720",
        "177d, a026", "14e4, 16d7", "14e4, 1763", "1d17, 9083"})
    void multifunctionEndpointsWithoutPeerToPeerAreIsolatedFunctions(String vendor, String device) {
        int v = Integer.parseInt(vendor, 16);
        int d = Integer.parseInt(device, 16);
        Derivation q = derive(acs(rp("00:01.0", 1, 1)), ids(ep("01:00.0"), v, d), ids(ep("01:00.1"), v, d));
        assertThat(groups(q)).containsExactly("00:01.0", "01:00.0", "01:00.1");
        Derivation none = derive(acs(rp("00:01.0", 1, 1)), ids(ep("01:00.0"), 0x1234, d), ids(ep("01:00.1"), 0x1234, d));
        assertThat(groups(none)).containsExactly("00:01.0", "01:00.0 01:00.1");
    }

    @Test
    void intelRootComplexIntegratedEndpointsAreIsolated() {
        PciFunction a = ids(fn("00:14.0", PortType.RC_INTEGRATED_ENDPOINT), 0x8086, 0x1234);
        PciFunction b = ids(fn("00:14.2", PortType.RC_INTEGRATED_ENDPOINT), 0x8086, 0x1235);
        assertThat(groups(derive(a, b))).containsExactly("00:14.0", "00:14.2");
        // Intel endpoints of another type get no such quirk.
        assertThat(groups(derive(ids(fn("00:14.0", PortType.ENDPOINT), 0x8086, 0x1234),
                ids(fn("00:14.2", PortType.ENDPOINT), 0x8086, 0x1235)))).containsExactly("00:14.0 00:14.2");
    }

    @Test
    void amdSouthbridgeFunctionsAreIsolatedOnlyWithAnAmdIommu() {
        PciFunction smbus = ids(fn("00:14.0", PortType.PCI), 0x1002, 0x4385);
        PciFunction ide = ids(fn("00:14.1", PortType.PCI), 0x1002, 0x439c);
        assertThat(groups(derive(smbus, ide))).containsExactly("00:14.0 00:14.1");
        PciFunction iommu = ids(fn("00:00.2", PortType.PCI), 0x1002, 0x5a23).withClassName("IOMMU");
        assertThat(groups(derive(iommu, smbus, ide))).containsExactly("00:14.0", "00:14.1");
    }

    @Test
    void amdSouthbridgeQuirkNeedsARootBus() {
        PciFunction iommu = ids(fn("00:00.2", PortType.PCI), 0x1022, 0x1451).withClassName("IOMMU");
        Derivation d = derive(iommu, acs(rp("00:01.0", 1, 1)), ids(fn("01:00.0", PortType.PCI), 0x1022, 0x7809),
                ids(fn("01:00.1", PortType.PCI), 0x1022, 0x7809));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0 01:00.1");
    }

    @Test
    void wangxunListedNicsIsolateFunctionsAndOthersNeverDo() {
        Derivation listed = derive(acs(rp("00:01.0", 1, 1)), ids(ep("01:00.0"), 0x8088, 0x1001),
                ids(ep("01:00.1"), 0x8088, 0x1001));
        assertThat(groups(listed)).containsExactly("00:01.0", "01:00.0", "01:00.1");
        Derivation other = derive(acs(rp("00:01.0", 1, 1)), acs(ids(ep("01:00.0"), 0x8088, 0x9999)),
                acs(ids(ep("01:00.1"), 0x8088, 0x9999)));
        assertThat(groups(other)).containsExactly("00:01.0", "01:00.0 01:00.1");
    }

    @Test
    void idtSwitchesLoseSourceValidationFromTheirCapability() {
        // pci_disable_broken_acs_cap(): SV is cleared from acs_capabilities, so it counts as hard-wired.
        PciFunction idt = acs(ids(dp("02:00.0", 3, 3), 0x111d, 0x80b5), "SV RR CR UF", "RR CR UF");
        assertThat(groups(derive(acs(rp("00:01.0", 1, 3)), up("01:00.0", 2, 3), idt, ep("03:00.0"))))
                .containsExactly("00:01.0", "01:00.0", "02:00.0", "03:00.0");
        PciFunction other = acs(ids(dp("02:00.0", 3, 3), 0x10b5, 0x8747), "SV RR CR UF", "RR CR UF");
        assertThat(groups(derive(acs(rp("00:01.0", 1, 3)), up("01:00.0", 2, 3), other, ep("03:00.0"))))
                .containsExactly("00:01.0", "01:00.0", "02:00.0 03:00.0");
    }

    // --- DMA-alias quirks ---

    @Test
    void ricohFunctionsAliasFunctionZero() {
        // quirk_dma_func0_alias: both functions carry full ACS, so only the alias joins them.
        Derivation d = derive(acs(rp("00:01.0", 1, 1)), acs(ids(ep("01:00.0"), 0x1180, 0xe822)),
                acs(ids(ep("01:00.3"), 0x1180, 0xe832)));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0 01:00.3");
        assertThat(groupOf(d, "01:00.3").reasons()).singleElement()
                .satisfies(r -> assertThat(r.detail()).contains("quirk_dma_func0_alias"));
    }

    @Test
    void marvellSataControllersAliasFunctionOne() {
        Derivation d = derive(acs(rp("00:01.0", 1, 1)), acs(ids(ep("01:00.0"), 0x1b4b, 0x9230)),
                acs(ids(ep("01:00.1"), 0x1b4b, 0x9230)));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0 01:00.1");
        Derivation unquirked = derive(acs(rp("00:01.0", 1, 1)), acs(ids(ep("01:00.0"), 0x1b4b, 0x9999)),
                acs(ids(ep("01:00.1"), 0x1b4b, 0x9999)));
        assertThat(groups(unquirked)).containsExactly("00:01.0", "01:00.0", "01:00.1");
    }

    @Test
    void adaptecRaidAliasesItsHiddenDmaEngine() {
        PciFunction raid = ids(ep("02:0e.0"), 0x9005, 0x0285).withSubsystem(0x9005, 0x02bb);
        PciFunction other = ep("02:01.0"); // stands where the hidden 01.0 engine answers
        Derivation d = derive(acs(rp("00:01.0", 1, 2)), bridge("01:00.0", PortType.PCIE_TO_PCI_BRIDGE, 2, 2),
                other, raid);
        assertThat(groupOf(d, "02:0e.0").members()).contains(Fx.a("02:01.0"));
        assertThat(DmaAliasQuirks.aliases(raid).get(1 << 3)).isTrue();
        assertThat(DmaAliasQuirks.aliases(raid.withSubsystem(0x9005, 0x0001))).isNull();
    }

    @Test
    void plxNonTransparentBridgesAliasEveryDevfn() {
        PciFunction ntb = acs(ids(ep("00:05.0"), 0x10b5, 0x87b0));
        Derivation d = derive(acs(ep("00:02.0")), ntb, acs(ep("00:1f.0")));
        assertThat(groups(d)).containsExactly("00:02.0 00:05.0 00:1f.0");
    }

    @Test
    void pcieBridgeAliasQuirkNamesTheSecondaryBus() {
        PciFunction asm1083 = ids(bridge("01:00.0", PortType.PCI_BRIDGE, 2, 2), 0x1b21, 0x1080);
        Derivation d = derive(acs(rp("00:01.0", 1, 2)), asm1083, fn("02:00.0", PortType.PCI));
        assertThat(groupOf(d, "02:00.0").reasons()).anySatisfy(r ->
                assertThat(r.detail()).contains("02:00.0 (quirk_use_pcie_bridge_dma_alias)"));
        assertThat(groups(d)).containsExactly("00:01.0", "01:00.0 02:00.0");
    }

    @Test
    void theQuirkTableCitesAKernelFunctionInEveryRow() {
        assertThat(AcsQuirks.TABLE).allSatisfy(r -> assertThat(r.quirk()).startsWith("pci_quirk_"));
        assertThat(AcsQuirks.TABLE).extracting(AcsQuirks.Row::quirk).contains("pci_quirk_amd_sb_acs",
                "pci_quirk_mf_endpoint_acs", "pci_quirk_rciep_acs", "pci_quirk_qcom_rp_acs", "pci_quirk_intel_pch_acs",
                "pci_quirk_intel_spt_pch_acs", "pci_quirk_cavium_acs", "pci_quirk_xgene_acs", "pci_quirk_brcm_acs",
                "pci_quirk_loongson_acs", "pci_quirk_al_acs", "pci_quirk_nxp_rp_acs",
                "pci_quirk_zhaoxin_pcie_ports_acs", "pci_quirk_wangxun_nic_acs");
    }
}
