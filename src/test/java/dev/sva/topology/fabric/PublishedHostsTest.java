package dev.sva.topology.fabric;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The derivation against REAL, published {@code lspci -vvv} listings (src/test/resources/hosts/NAME/lspci.txt, each
 * with a SOURCE.md): every group the host itself reported ({@code IOMMU group: N}) must be derived exactly, and
 * every function the host reported no group for is named, with why lspci cannot show the reason.
 */
class PublishedHostsTest {

    private static String listing(String host) {
        try (InputStream in = PublishedHostsTest.class.getResourceAsStream("/hosts/" + host + "/lspci.txt")) {
            assertThat(in).as("listing of " + host).isNotNull();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static Set<String> show(List<List<PciAddress>> groups) {
        return groups.stream()
                .map(g -> g.stream().map(PciAddress::toString).sorted().collect(Collectors.joining(" ")))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static PciAddress a(String bdf) {
        return PciAddress.parse(bdf);
    }

    /**
     * NXP LS1028A (arm64, SMMU-500), posted by Vladimir Oltean to linux-pci/netdev on 2023-08-09
     * (hosts/nxp-ls1028a/SOURCE.md). Bus 0 is a root bus holding seven RC-integrated endpoints in slot 00 (ENETC
     * NICs, MDIO, PTP timer, Felix switch) and a root complex event collector at 1f.0. Every 00:00.x has an ACS
     * capability with NO capability bits and nothing enabled.
     */
    @Test
    void nxpLs1028aEveryReportedGroupIsDerivedExactly() {
        ParsedListing p = LspciParser.parse(listing("nxp-ls1028a"));
        assertThat(p.functions()).hasSize(8);
        assertThat(p.warnings()).isEmpty();
        // Listed without -nn: vendor/device ids are unknown, so no id-keyed quirk (pci_dev_acs_enabled[]) can
        // apply. None would here anyway: the only NXP row, pci_quirk_nxp_rp_acs, is for root ports.
        assertThat(p.functions()).allSatisfy(f -> assertThat(f.vendorId()).isNull());

        Derivation d = GroupDerivation.derive(Fabric.of(p.functions()));
        // Seven functions of one slot stay apart: pci_acs_flags_enabled() (drivers/pci/pci.c) masks the request
        // with (cap | EC), and a capability with no bits means every requested flag counts as hard-wired on, so
        // get_pci_function_alias_group() joins no sibling. The RCEC is alone in its slot.
        assertThat(show(d.groups().stream().map(DerivedGroup::members).toList())).containsExactly(
                "0000:00:00.0", "0000:00:00.1", "0000:00:00.2", "0000:00:00.3", "0000:00:00.4", "0000:00:00.5",
                "0000:00:00.6", "0000:00:1f.0");
        assertThat(d.warnings()).isEmpty();

        // The host's own report: four groups, each a single function.
        assertThat(show(p.hostGroups())).containsExactly("0000:00:00.2", "0000:00:00.3", "0000:00:00.4",
                "0000:00:00.5");
        for (List<PciAddress> hostGroup : p.hostGroups()) {
            assertThat(d.groupOf(hostGroup.get(0))).get().extracting(DerivedGroup::members)
                    .isEqualTo(List.copyOf(new TreeSet<>(hostGroup)));
        }

        Enforced e = HostReport.enforce(d, p.hostGroups());
        assertThat(e.divergences()).isEmpty();
        // Expected, not a divergence: four functions carry no "IOMMU group:" line, and lspci cannot show why.
        // 00:00.0, 00:00.1 and 00:00.6 are "disabled" in the device tree and have no driver bound (the subject of
        // the post); that is consistent with a device-tree (of_iommu) host giving the group only when a driver
        // probes (really_probe -> pci_dma_configure -> of_dma_configure). The RCEC 00:1f.0 has a driver
        // (pcieport) yet no group — presumably its requester id is outside the firmware's iommu-map (not
        // verified; like a device outside an AMD IVRS table). The derivation's group for each is kept and named.
        assertThat(e.warnings()).filteredOn(w -> Warning.HOST_REPORT_MISMATCH.equals(w.kind()))
                .extracting(Warning::bdf)
                .containsExactly(a("0000:00:00.0"), a("0000:00:00.1"), a("0000:00:00.6"), a("0000:00:1f.0"));
        assertThat(show(e.groups().stream().map(DerivedGroup::members).toList()))
                .isEqualTo(show(d.groups().stream().map(DerivedGroup::members).toList()));
    }

    /**
     * ASUS ProArt Z790-CREATOR WIFI (Raptor Lake desktop with an on-board Thunderbolt 4 switch), the "PCI devices"
     * section of Debian bug #1029990 as mailed by Vincent Danjean to linux-wireless on 2023-02-21
     * (hosts/asus-z790-tb4/SOURCE.md). reportbug ran {@code lspci -nnvv} without root: every extended capability is
     * {@code <access denied>}, so neither the PCIe port types nor ACS are in the text. The host's own groups are (one
     * {@code IOMMU group:} line per function, 30 groups for 36 functions).
     */
    @Test
    void asusZ790ListedWithoutRootTakesPcieportBridgesAsPortsAndNamesEveryAcsItCouldNotSee() {
        ParsedListing p = LspciParser.parse(listing("asus-z790-tb4"));
        assertThat(p.functions()).hasSize(36);
        assertThat(p.hostGroups()).hasSize(30);
        // pcie_portdrv_probe() binds only PCIe ports: the 14 pcieport bridges are ports, typed by position.
        assertThat(p.warnings()).filteredOn(w -> Warning.PORT_TYPE_INFERRED.equals(w.kind())).hasSize(14);
        Fabric f = Fabric.of(p.functions());
        assertThat(f.function(a("0000:00:1c.4")).orElseThrow().type()).isEqualTo(PortType.ROOT_PORT);
        assertThat(f.function(a("0000:08:00.0")).orElseThrow().type()).isEqualTo(PortType.UPSTREAM_PORT);
        assertThat(f.function(a("0000:09:03.0")).orElseThrow().type()).isEqualTo(PortType.DOWNSTREAM_PORT);

        // As listed, ACS is unknown and taken as absent (never guessed present): every port joins what is below it,
        // the host's finer groups are each named HOST_FINER, and the coarser grouping is enforced.
        Derivation d = GroupDerivation.derive(f);
        // ACS_UNKNOWN where it is consulted: the 13 root and downstream ports and the 6 denied functions of
        // multifunction slots (00:1f.0/.4/.5 print "Cap-": no capability list at all, so no ACS, known).
        assertThat(d.warnings()).filteredOn(w -> Warning.ACS_UNKNOWN.equals(w.kind())).hasSize(19);
        Enforced e = HostReport.enforce(d, p.hostGroups());
        assertThat(e.divergences()).isNotEmpty().allMatch(v -> v.kind() == DivergenceKind.HOST_FINER);
        assertThat(e.groupOf(a("0000:0a:00.0")).orElseThrow().members()).contains(a("0000:00:1c.4"),
                a("0000:08:00.0"), a("0000:09:00.0"), a("0000:3e:00.0"));
    }

    /**
     * The same host with the one fact the listing could not show supplied, and nothing else: every PCIe port has an
     * ACS capability offering SV TB RR CR UF, of which Linux enabled SV RR CR UF ({@code pci_std_enable_acs()},
     * {@code drivers/pci/pci.c}, once the IOMMU asked for ACS with {@code pci_request_acs()}). Nothing is assumed
     * about endpoints. With that, the derivation must reproduce all 30 of the host's groups exactly: root ports alone
     * (their ACS path is isolated), the Thunderbolt switch's upstream and four downstream ports alone, each device
     * alone below its port, and the PCH's multifunction slots 00:14, 00:15 and 00:1f each one group (no ACS on
     * their functions, get_pci_function_alias_group()).
     */
    @Test
    void asusZ790WithPortAcsAssumedReproducesEveryHostGroupExactly() {
        ParsedListing p = LspciParser.parse(listing("asus-z790-tb4"));
        Acs linuxEnabled = new Acs(java.util.EnumSet.of(AcsFlag.SV, AcsFlag.TB, AcsFlag.RR, AcsFlag.CR, AcsFlag.UF),
                java.util.EnumSet.of(AcsFlag.SV, AcsFlag.RR, AcsFlag.CR, AcsFlag.UF));
        List<PciFunction> assumed = p.functions().stream()
                .map(fn -> fn.type() == PortType.ROOT_PORT || fn.type() == PortType.UPSTREAM_PORT
                        || fn.type() == PortType.DOWNSTREAM_PORT ? fn.withAcs(linuxEnabled).withAcsUnknown(false) : fn)
                .toList();
        Derivation d = GroupDerivation.derive(Fabric.of(assumed));
        assertThat(show(d.groups().stream().map(DerivedGroup::members).toList())).isEqualTo(show(p.hostGroups()));
        assertThat(show(p.hostGroups())).contains("0000:00:14.0 0000:00:14.2",
                "0000:00:15.0 0000:00:15.1 0000:00:15.2", "0000:00:1f.0 0000:00:1f.3 0000:00:1f.4 0000:00:1f.5",
                "0000:08:00.0", "0000:0a:00.0");
        Enforced e = HostReport.enforce(d, p.hostGroups());
        assertThat(e.divergences()).isEmpty();
        assertThat(e.warnings()).noneMatch(w -> Warning.HOST_REPORT_MISMATCH.equals(w.kind()));
    }

    /**
     * Lenovo ThinkPad X13s (Qualcomm SC8280XP, arm64, SMMUv3), {@code sudo lspci -vvv} posted by Steev Klimaszewski to
     * linux-pci/linux-arm-msm on 2026-06-29 (hosts/lenovo-x13s/SOURCE.md). Three PCI domains, each a root port with
     * no ACS capability at all; two have a device below (NVMe, Wi-Fi), one has its link down. The shape "a root port
     * without ACS merges its endpoint": pci_acs_path_enabled() fails at the port (pci_acs_flags_enabled() without a
     * capability), so the endpoint joins the port's group (pci_device_group() step 2).
     */
    @Test
    void lenovoX13sRootPortsWithoutAcsMergeTheirEndpointsAsTheHostReports() {
        ParsedListing p = LspciParser.parse(listing("lenovo-x13s"));
        assertThat(p.functions()).hasSize(5);
        assertThat(p.warnings()).isEmpty();
        assertThat(p.functions()).filteredOn(fn -> fn.type() == PortType.ROOT_PORT)
                .hasSize(3).allSatisfy(fn -> assertThat(fn.acs()).isNull());

        Derivation d = GroupDerivation.derive(Fabric.of(p.functions()));
        assertThat(show(d.groups().stream().map(DerivedGroup::members).toList())).isEqualTo(show(p.hostGroups()))
                .containsExactly("0002:00:00.0 0002:01:00.0", "0004:00:00.0", "0006:00:00.0 0006:01:00.0");
        assertThat(d.groupOf(a("0002:01:00.0")).orElseThrow().reasons()).singleElement()
                .satisfies(r -> {
                    assertThat(r.kind()).isEqualTo(ReasonKind.ACS_PATH);
                    assertThat(r.bdf()).isEqualTo(a("0002:00:00.0"));
                });
        Enforced e = HostReport.enforce(d, p.hostGroups());
        assertThat(e.divergences()).isEmpty();
        // Listed without -nn: no ids, so no quirk could isolate the ports; the host agrees none did.
        assertThat(p.functions()).allSatisfy(fn -> assertThat(fn.vendorId()).isNull());
    }

    /**
     * An iMac (Comet Lake / Z490, Radeon Pro 5500 behind its own switch, Apple T2, a Titan Ridge Thunderbolt 3 switch),
     * {@code lspci -nnvv} without root posted by Atharva Tiwari to linux-pci/linux-usb on 2026-01-08
     * (hosts/imac-comet-lake/SOURCE.md). Its shapes: a CPU root port without ACS merging a VGA + audio pair and the
     * GPU's switch ports into one group; a Thunderbolt switch with every port isolated; multifunction slots grouped.
     * lspci could not show ACS; the exact comparison supplies Linux's ACS on every port but the CPU's x16 port
     * (8086:1901), which has no ACS capability — two hardware facts the listing hides, named here, not guessed.
     */
    @Test
    void imacWithAGpuBehindARootPortWithoutAcsReproducesEveryHostGroup() {
        ParsedListing p = LspciParser.parse(listing("imac-comet-lake"));
        assertThat(p.functions()).hasSize(33);
        assertThat(p.hostGroups()).hasSize(21);
        Fabric listed = Fabric.of(p.functions());
        assertThat(listed.function(a("0000:01:00.0")).orElseThrow().type()).isEqualTo(PortType.UPSTREAM_PORT);
        assertThat(listed.function(a("0000:02:00.0")).orElseThrow().type()).isEqualTo(PortType.DOWNSTREAM_PORT);
        // As listed (ACS unknown, taken as absent): never finer than the host, every disagreement HOST_FINER.
        Enforced asListed = HostReport.enforce(GroupDerivation.derive(listed), p.hostGroups());
        assertThat(asListed.divergences()).isNotEmpty().allMatch(v -> v.kind() == DivergenceKind.HOST_FINER);

        Acs linuxEnabled = new Acs(java.util.EnumSet.of(AcsFlag.SV, AcsFlag.TB, AcsFlag.RR, AcsFlag.CR, AcsFlag.UF),
                java.util.EnumSet.of(AcsFlag.SV, AcsFlag.RR, AcsFlag.CR, AcsFlag.UF));
        List<PciFunction> assumed = p.functions().stream()
                .map(fn -> (fn.type() == PortType.ROOT_PORT || fn.type() == PortType.UPSTREAM_PORT
                        || fn.type() == PortType.DOWNSTREAM_PORT) && !Integer.valueOf(0x1901).equals(fn.deviceId())
                        ? fn.withAcs(linuxEnabled).withAcsUnknown(false) : fn)
                .toList();
        Derivation d = GroupDerivation.derive(Fabric.of(assumed));
        assertThat(show(d.groups().stream().map(DerivedGroup::members).toList())).isEqualTo(show(p.hostGroups()));
        assertThat(show(p.hostGroups())).contains(
                "0000:00:01.0 0000:01:00.0 0000:02:00.0 0000:03:00.0 0000:03:00.1",
                "0000:04:00.0 0000:04:00.1 0000:04:00.2 0000:04:00.3", "0000:08:01.0", "0000:0a:00.0");
        // The GPU joins the CPU port's group because the port fails pci_acs_path_enabled(), step 2.
        assertThat(d.groupOf(a("0000:03:00.0")).orElseThrow().reasons()).anySatisfy(r -> {
            assertThat(r.kind()).isEqualTo(ReasonKind.ACS_PATH);
            assertThat(r.bdf()).isEqualTo(a("0000:00:01.0"));
        });
        assertThat(HostReport.enforce(d, p.hostGroups()).divergences()).isEmpty();
    }
}
