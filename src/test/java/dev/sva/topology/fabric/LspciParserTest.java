package dev.sva.topology.fabric;

import static dev.sva.topology.fabric.Fx.a;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class LspciParserTest {

    /** The shape of `sudo lspci -vvv -nn -D` (trimmed: lines the parser ignores are mostly left out). */
    static final String LISTING = """
            $ sudo lspci -vvv -nn -D
            0000:00:00.0 Host bridge [0600]: Intel Corporation 8th Gen Core Processor Host Bridge/DRAM Registers [8086:3ec2] (rev 07)
            \tSubsystem: ASUSTeK Computer Inc. PRIME H310M-E [1043:8694]
            \tControl: I/O- Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx-
            \tIOMMU group: 1
            \tKernel driver in use: skl_uncore

            0000:00:01.0 PCI bridge [0604]: Intel Corporation 6th-10th Gen Core Processor PCIe Controller (x16) [8086:1901] (rev 07) (prog-if 00 [Normal decode])
            \tControl: I/O+ Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx+
            \tIOMMU group: 2
            \tBus: primary=00, secondary=01, subordinate=01, sec-latency=0
            \tMemory behind bridge: de000000-df0fffff [size=17M] [32-bit]
            \tCapabilities: [88] Subsystem: ASUSTeK Computer Inc. Device [1043:8694]
            \tCapabilities: [a0] Express (v2) Root Port (Slot+), MSI 00
            \t\tDevCap:\tMaxPayload 256 bytes, PhantFunc 0
            \tCapabilities: [100 v1] Virtual Channel
            \tKernel driver in use: pcieport

            0000:00:1c.0 PCI bridge [0604]: Intel Corporation Cannon Lake PCH PCI Express Root Port #5 [8086:a33c] (rev f0) (prog-if 00 [Normal decode])
            \tIOMMU group: 3
            \tBus: primary=00, secondary=02, subordinate=02, sec-latency=0
            \tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00
            \tCapabilities: [100 v1] Advanced Error Reporting
            \tCapabilities: [220 v1] Access Control Services
            \t\tACSCap:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd- EgressCtrl- DirectTrans-
            \t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd- EgressCtrl- DirectTrans-
            \tKernel driver in use: pcieport

            0000:01:00.0 VGA compatible controller [0300]: NVIDIA Corporation TU116 [GeForce GTX 1660] [10de:2184] (rev a1) (prog-if 00 [VGA controller])
            \tSubsystem: Micro-Star International Co., Ltd. [MSI] TU116 [GeForce GTX 1660] [1462:3790]
            \tIOMMU group: 2
            \tRegion 0: Memory at de000000 (32-bit, non-prefetchable) [size=16M]
            \tRegion 1: Memory at c0000000 (64-bit, prefetchable) [size=256M]
            \tRegion 5: I/O ports at e000 [size=128]
            \tExpansion ROM at df000000 [disabled] [size=512K]
            \tCapabilities: [78] Express (v2) Legacy Endpoint, MSI 00
            \tKernel driver in use: vfio-pci

            0000:01:00.1 Audio device [0403]: NVIDIA Corporation TU116 High Definition Audio Controller [10de:1aeb] (rev a1)
            \tIOMMU group: 2
            \tRegion 0: Memory at df080000 (32-bit, non-prefetchable) [size=16K]
            \tCapabilities: [78] Express (v2) Endpoint, MSI 00
            \tKernel driver in use: vfio-pci

            0000:02:00.0 Ethernet controller [0200]: Intel Corporation 82599ES 10-Gigabit SFI/SFP+ Network Connection [8086:10fb] (rev 01)
            \tIOMMU group: 6
            \tRegion 0: Memory at 4000000000 (64-bit, prefetchable) [size=1M]
            \tCapabilities: [a0] Express (v2) Endpoint, MSI 00
            \tCapabilities: [160 v1] Single Root I/O Virtualization (SR-IOV)
            \t\tIOVCap:\tMigration-, Interrupt Message Number: 000
            \t\tInitial VFs: 64, Total VFs: 64, Number of VFs: 2, Function Dependency Link: 00
            \t\tVF offset: 128, stride: 2, Device ID: 10ed
            \t\tRegion 0: Memory at 0000004000200000 (64-bit, prefetchable)
            \t\tRegion 3: Memory at 0000004000300000 (64-bit, prefetchable)
            \tCapabilities: [1d0 v1] Access Control Services
            \t\tACSCap:\tSrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-
            \t\tACSCtl:\tSrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-
            \tCapabilities: [2a0 v1] Process Address Space ID (PASID)
            \t\tPASIDCap: Exec- Priv-, Max PASID Width: 14
            \tCapabilities: [2b0 v1] Page Request Interface (PRI)
            \tCapabilities: [2c0 v1] Address Translation Service (ATS)
            \tKernel driver in use: ixgbe

            0000:02:10.0 Ethernet controller [0200]: Intel Corporation 82599 Ethernet Controller Virtual Function [8086:10ed] (rev 01)
            \tIOMMU group: 4
            \tRegion 0: Memory at 4000200000 (64-bit, prefetchable) [virtual] [size=16K]
            \tCapabilities: [a0] Express (v2) Endpoint, MSI 00

            0000:02:10.2 Ethernet controller [0200]: Intel Corporation 82599 Ethernet Controller Virtual Function [8086:10ed] (rev 01)
            \tIOMMU group: 5
            \tCapabilities: [a0] Express (v2) Endpoint, MSI 00
            """;

    @Test
    void readsEveryFieldTheModelNeeds() {
        ParsedListing l = LspciParser.parse(LISTING);
        assertThat(l.functions()).hasSize(8);
        PciFunction host = l.functions().get(0);
        assertThat(host.type()).isEqualTo(PortType.PCI);
        assertThat(host.vendorId()).isEqualTo(0x8086);
        assertThat(host.deviceId()).isEqualTo(0x3ec2);
        assertThat(host.subsystemVendorId()).isEqualTo(0x1043);
        assertThat(host.className()).isEqualTo("Host bridge");
        PciFunction rp = l.functions().get(1);
        assertThat(rp.type()).isEqualTo(PortType.ROOT_PORT);
        assertThat(rp.secondaryBus()).isEqualTo(1);
        assertThat(rp.subordinateBus()).isEqualTo(1);
        assertThat(rp.acs()).isNull();
        assertThat(rp.acsUnknown()).isFalse();
        assertThat(rp.subsystemVendorId()).as("the SSVID capability is not the header's Subsystem").isNull();
        assertThat(rp.driver()).isEqualTo("pcieport");
        PciFunction pch = l.functions().get(2);
        assertThat(pch.acs().cap()).containsExactlyInAnyOrder(AcsFlag.SV, AcsFlag.RR, AcsFlag.CR);
        PciFunction gpu = l.functions().get(3);
        assertThat(gpu.type()).isEqualTo(PortType.LEGACY_ENDPOINT);
        assertThat(gpu.bars()).containsExactly(new Bar(0, 0xde000000L, 16L << 20), new Bar(1, 0xc0000000L, 256L << 20));
        assertThat(gpu.driver()).isEqualTo("vfio-pci");
        PciFunction nic = l.functions().get(5);
        assertThat(nic.bars()).as("the VF BARs in the SR-IOV capability are not the PF's")
                .containsExactly(new Bar(0, 0x4000000000L, 1L << 20));
        assertThat(nic.pasidBits()).as("lspci prints the width in hex").isEqualTo(20);
        assertThat(nic.pri()).isTrue();
        assertThat(nic.ats()).isTrue();
        assertThat(nic.virtualFunction()).isFalse();
        assertThat(l.functions().get(6).virtualFunction()).isTrue(); // 02:10.0 = PF rid + 128
        assertThat(l.functions().get(7).virtualFunction()).isTrue(); // + stride 2
        assertThat(l.hostGroups()).containsExactly(List.of(a("00:00.0")),
                List.of(a("00:01.0"), a("01:00.0"), a("01:00.1")), List.of(a("00:1c.0")),
                List.of(a("02:10.0")), List.of(a("02:10.2")), List.of(a("02:00.0")));
        assertThat(l.warnings()).singleElement().satisfies(w -> assertThat(w.kind()).isEqualTo(Warning.SKIPPED_LINE));
    }

    @Test
    void theParsedHostDerivesItsOwnReport() {
        ParsedListing l = LspciParser.parse(LISTING);
        Derivation d = GroupDerivation.derive(Fabric.of(l.functions()));
        Enforced e = HostReport.enforce(d, l.hostGroups());
        assertThat(e.divergences()).isEmpty();
        assertThat(Fx.groupsOf(e.groups())).containsExactly("00:00.0", "00:01.0 01:00.0 01:00.1",
                "00:1c.0", "02:00.0", "02:10.0", "02:10.2");
    }

    @Test
    void readsListingsWithoutDomainsAndWithSpacesForTabs() {
        String text = """
                00:02.0 VGA compatible controller [0300]: Intel Corporation UHD Graphics 630 [8086:3e92]
                        Capabilities: [ac] MSI: Enable+ Count=1/1 Maskable- 64bit-
                        Capabilities: <access denied>
                        Kernel driver in use: i915
                """;
        ParsedListing l = LspciParser.parse(text);
        PciFunction f = l.functions().get(0);
        assertThat(f.address()).isEqualTo(a("0000:00:02.0"));
        assertThat(f.acsUnknown()).isTrue();
        assertThat(f.driver()).isEqualTo("i915");
        assertThat(l.hostGroups()).isEmpty();
    }

    @Test
    void anAmdIommuFunctionIsRecognisedByItsClass() {
        ParsedListing l = LspciParser.parse(
                "00:00.2 IOMMU [0806]: Advanced Micro Devices, Inc. [AMD] Starship/Matisse IOMMU [1022:1481]\n");
        assertThat(GroupDerivation.isAmdIommu(l.functions().get(0))).isTrue();
    }

    private static ListingParseException refused(String text) {
        try {
            LspciParser.parse(text);
        } catch (ListingParseException e) {
            return e;
        }
        throw new AssertionError("accepted");
    }

    @Test
    void refusesACutOffHeader() {
        ListingParseException e = refused("00:01.0 PCI bri\n");
        assertThat(e.line()).isEqualTo(1);
        assertThat(e.reason()).contains("cut off");
    }

    @Test
    void refusesADuplicateAddressNamingBothLines() {
        ListingParseException e = refused("00:02.0 VGA [0300]: X [8086:3e92]\n\n0000:00:02.0 VGA [0300]: X [8086:3e92]\n");
        assertThat(e.line()).isEqualTo(3);
        assertThat(e.reason()).contains("line 1");
    }

    @Test
    void refusesABridgeBlockWithoutItsBusLine() {
        ListingParseException e = refused("""
                00:01.0 PCI bridge [0604]: Intel Corporation X [8086:1901]
                \tCapabilities: [a0] Express (v2) Root Port (Slot+), MSI 00
                """);
        assertThat(e.line()).isEqualTo(1);
        assertThat(e.reason()).contains("truncated");
    }

    @Test
    void refusesATruncatedAcsCapability() {
        ListingParseException e = refused("""
                00:1c.0 PCI bridge [0604]: Intel Corporation X [8086:a33c]
                \tBus: primary=00, secondary=02, subordinate=02, sec-latency=0
                \tCapabilities: [40] Express (v2) Root Port (Slot+), MSI 00
                \tCapabilities: [220 v1] Access Control Services
                \t\tACSCap:\tSrcValid+ TransBlk- ReqRedir+
                """);
        assertThat(e.line()).isEqualTo(5);
        assertThat(e.reason()).contains("truncated");
        assertThat(refused("""
                00:1c.0 PCI bridge [0604]: Intel Corporation X [8086:a33c]
                \tBus: primary=00, secondary=02, subordinate=02, sec-latency=0
                \tCapabilities: [220 v1] Access Control Services
                """).line()).isEqualTo(3);
    }

    @Test
    void refusesAPrimaryBusThatIsNotTheFunctionsBus() {
        ListingParseException e = refused("""
                00:01.0 PCI bridge [0604]: Intel Corporation X [8086:1901]
                \tBus: primary=05, secondary=01, subordinate=01, sec-latency=0
                """);
        assertThat(e.line()).isEqualTo(2);
    }

    @Test
    void refusesAnUnknownExpressType() {
        assertThat(refused("""
                00:01.0 Thing [ff00]: X [1234:5678]
                \tCapabilities: [a0] Express (v2) Teleporter, MSI 00
                """).reason()).contains("Teleporter");
    }

    @Test
    void refusesTextWithoutAnyFunction() {
        assertThat(refused("hello\nworld\n").reason()).contains("no PCI function");
        assertThat(refused("").line()).isZero();
    }

    @Test
    void refusesMoreThan16MiB() {
        String big = "x".repeat(LspciParser.MAX_CHARS + 1);
        ListingParseException e = refused(big);
        assertThat(e.line()).isZero();
        assertThat(e.reason()).contains("limit");
    }

    @Test
    void aDeepBusNestingParsesIntoAFabricWithoutRecursion() {
        StringBuilder sb = new StringBuilder();
        for (int bus = 0; bus < 255; bus++) {
            sb.append(String.format("%02x:00.0 PCI bridge [0604]: X [10b5:8747]%n", bus));
            sb.append(String.format("\tBus: primary=%02x, secondary=%02x, subordinate=ff, sec-latency=0%n", bus, bus + 1));
            sb.append(String.format("\tCapabilities: [68] Express (v2) %s, MSI 00%n%n",
                    bus % 2 == 0 ? "Upstream Port" : "Downstream Port"));
        }
        ParsedListing l = LspciParser.parse(sb.toString());
        Fabric f = Fabric.of(l.functions());
        // The upstream port on the root bus is isolated by being single-function; below the first downstream
        // port without ACS everything is one group.
        assertThat(GroupDerivation.derive(f).groups()).hasSize(2);
    }

    @Test
    void aBusLoopParsesButTheFabricRefusesIt() {
        String text = """
                00:01.0 PCI bridge [0604]: X [8086:1901]
                \tBus: primary=00, secondary=01, subordinate=02, sec-latency=0
                \tCapabilities: [a0] Express (v2) Root Port (Slot+), MSI 00
                01:00.0 PCI bridge [0604]: X [10b5:8747]
                \tBus: primary=01, secondary=00, subordinate=00, sec-latency=0
                \tCapabilities: [68] Express (v2) Upstream Port, MSI 00
                """;
        List<PciFunction> fs = LspciParser.parse(text).functions();
        assertThatThrownBy(() -> Fabric.of(fs)).isInstanceOf(FabricException.class).hasMessageContaining("loop");
    }

    /**
     * Without root lspci prints no Express line. A bridge bound to pcieport is a PCIe port all the same
     * (pcie_portdrv_probe() binds nothing else), typed by where it sits; a bridge without that driver stays what the
     * text shows, a conventional PCI bridge.
     */
    @Test
    void aBridgeDrivenByPcieportWhoseCapabilitiesWereDeniedIsAPortTypedByPosition() {
        String text = """
                00:1c.0 PCI bridge [0604]: Intel Corporation Device [8086:7a38] (rev 11)
                \tBus: primary=00, secondary=01, subordinate=03, sec-latency=0
                \tCapabilities: <access denied>
                \tKernel driver in use: pcieport

                01:00.0 PCI bridge [0604]: Intel Corporation Device [8086:1136] (rev 02)
                \tBus: primary=01, secondary=02, subordinate=03, sec-latency=0
                \tCapabilities: <access denied>
                \tKernel driver in use: pcieport

                02:00.0 PCI bridge [0604]: Intel Corporation Device [8086:1136] (rev 02)
                \tBus: primary=02, secondary=03, subordinate=03, sec-latency=0
                \tCapabilities: <access denied>
                \tKernel driver in use: pcieport

                00:1e.0 PCI bridge [0604]: Intel Corporation 82801 PCI Bridge [8086:244e]
                \tBus: primary=00, secondary=04, subordinate=04, sec-latency=32
                \tCapabilities: <access denied>
                """;
        ParsedListing p = LspciParser.parse(text);
        assertThat(p.functions()).extracting(PciFunction::type).containsExactly(PortType.ROOT_PORT,
                PortType.UPSTREAM_PORT, PortType.DOWNSTREAM_PORT, PortType.PCI_BRIDGE);
        assertThat(p.warnings()).filteredOn(w -> Warning.PORT_TYPE_INFERRED.equals(w.kind()))
                .extracting(Warning::bdf).containsExactly(a("00:1c.0"), a("01:00.0"), a("02:00.0"));
        assertThat(p.functions()).allSatisfy(f -> assertThat(f.acsUnknown()).isTrue());
    }
}
