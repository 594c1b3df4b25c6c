package dev.sva.topology.fabric;

import static dev.sva.topology.fabric.AcsFlag.CR;
import static dev.sva.topology.fabric.AcsFlag.DT;
import static dev.sva.topology.fabric.AcsFlag.EC;
import static dev.sva.topology.fabric.AcsFlag.RR;
import static dev.sva.topology.fabric.AcsFlag.SV;
import static dev.sva.topology.fabric.AcsFlag.TB;
import static dev.sva.topology.fabric.AcsFlag.UF;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pci_dev_acs_enabled[]} of {@code drivers/pci/quirks.c}, the whole table in the kernel's order: the first
 * row whose vendor:device matches and whose function answers 0 or 1 decides ({@code pci_dev_specific_acs_enabled});
 * a row answering "not applicable" (-ENOTTY/-ENODEV, here -1) lets the search continue. Each row cites its quirk.
 */
final class AcsQuirks {

    static final int ANY = -1;
    private static final int SV_RR_CR_UF = SV.bit() | RR.bit() | CR.bit() | UF.bit();

    /** A quirk function: -1 = does not apply, 0 = ACS not enabled for these flags, 1 = enabled. */
    interface Fn {
        int apply(PciFunction f, int flags, AcsRules ctx);
    }

    /** One row of {@code pci_dev_acs_enabled[]}. */
    record Row(int vendor, int device, String quirk, Fn fn) {}

    static final List<Row> TABLE;
    /** The table's rows by vendor, in table order (only rows of the device's vendor can match). */
    private static final Map<Integer, List<Row>> BY_VENDOR;

    private AcsQuirks() {
    }

    /** {@code pci_acs_ctrl_enabled(req, ena)}: every requested control is provided. */
    static int ctrlEnabled(int req, int ena) {
        return (req & ena) == req ? 1 : 0;
    }

    // pci_quirk_amd_sb_acs: AMD/ATI southbridge multifunction devices on a root bus do no peer-to-peer when an
    // AMD IOMMU (IVRS table) exists; the request is masked to the multifunction-relevant RR|CR|EC|DT first.
    static int amdSb(PciFunction f, int flags, AcsRules ctx) {
        if (!ctx.fabric().isMultifunction(f) || !ctx.fabric().isRootBus(f.address().busKey())) {
            return -1;
        }
        if (!ctx.ivrs) {
            return -1;
        }
        flags &= RR.bit() | CR.bit() | EC.bit() | DT.bit();
        return ctrlEnabled(flags, RR.bit() | CR.bit());
    }

    // pci_quirk_mf_endpoint_acs: vendor-verified multifunction devices without peer-to-peer between functions.
    static int mfEndpoint(PciFunction f, int flags, AcsRules ctx) {
        return ctrlEnabled(flags, SV.bit() | TB.bit() | RR.bit() | CR.bit() | UF.bit() | DT.bit());
    }

    // pci_quirk_rciep_acs: Intel RCiEPs allow p2p only on translated addresses (VT-d 3.1, 3.16).
    static int rciep(PciFunction f, int flags, AcsRules ctx) {
        if (f.type() != PortType.RC_INTEGRATED_ENDPOINT) {
            return -1;
        }
        return ctrlEnabled(flags, SV_RR_CR_UF);
    }

    // pci_quirk_qcom_rp_acs (also HXT SD4800), pci_quirk_nxp_rp_acs, pci_quirk_xgene_acs, pci_quirk_brcm_acs,
    // pci_quirk_loongson_acs: root ports without an ACS capability that never route peer-to-peer.
    static int svRrCrUf(PciFunction f, int flags, AcsRules ctx) {
        return ctrlEnabled(flags, SV_RR_CR_UF);
    }

    static boolean isIntelPchRootPort(PciFunction f) {
        int d = rootPortDevice(f);
        return in(d, 0x3b42, 0x3b51) || in(d, 0x1c10, 0x1c1f) || in(d, 0x1e10, 0x1e1f) || in(d, 0x8c10, 0x8c1f)
                || in(d, 0x9c10, 0x9c1b) || in(d, 0x9c90, 0x9c9b) || (in(d, 0x1d10, 0x1d1e) && d % 2 == 0)
                || in(d, 0x8d10, 0x8d1e) || (in(d, 0x8c90, 0x8c9e) && d % 2 == 0);
    }

    // pci_quirk_intel_pch_acs: PCH root ports (pci_quirk_intel_pch_acs_ids, Red Hat bz 1037684) without an ACS
    // capability whose peer decodes the kernel disables at boot (pci_quirk_enable_intel_pch_acs, run by
    // pci_enable_acs() whenever an IOMMU requested ACS). Whether that succeeded (RCBA enabled) lspci cannot
    // show; we assume it did, as on every host with the IOMMU on, and the host's report decides otherwise.
    static int intelPch(PciFunction f, int flags, AcsRules ctx) {
        if (!isIntelPchRootPort(f)) {
            return -1;
        }
        return ctrlEnabled(flags, SV_RR_CR_UF);
    }

    static boolean isIntelSptRootPort(PciFunction f) {
        int d = rootPortDevice(f);
        return in(d, 0xa110, 0xa11f) || in(d, 0xa167, 0xa16a) || in(d, 0xa290, 0xa29f) || in(d, 0xa2e7, 0xa2ee)
                || in(d, 0x9d10, 0x9d1b);
    }

    // pci_quirk_intel_spt_pch_acs: Sunrise/Union Point root ports keep ACS control at cap+8, so lspci's ACSCtl is
    // read at the wrong offset. pci_quirk_enable_intel_spt_pch_acs sets ctrl |= cap & (SV|RR|CR|UF) at boot, so
    // the real control is the capability's SV|RR|CR|UF; the test is then pci_acs_flags_enabled's.
    static int intelSpt(PciFunction f, int flags, AcsRules ctx) {
        if (!isIntelSptRootPort(f) || f.acs() == null) {
            return -1;
        }
        int cap = f.acs().capMask();
        int req = flags & (cap | EC.bit());
        return ctrlEnabled(req, cap & SV_RR_CR_UF);
    }

    // pci_quirk_cavium_acs: ThunderX root ports implement SV|RR|CR|UF-equivalent protection internally.
    static int cavium(PciFunction f, int flags, AcsRules ctx) {
        int d = rootPortDevice(f);
        if (!(in(d, 0xa000, 0xa7ff) || d == 0xaf84 || d == 0xb884)) {
            return -1;
        }
        return ctrlEnabled(flags, SV_RR_CR_UF);
    }

    // pci_quirk_al_acs: Amazon Annapurna Labs root ports; only SV|RR|CR|UF may be requested.
    static int annapurna(PciFunction f, int flags, AcsRules ctx) {
        if (f.type() != PortType.ROOT_PORT) {
            return -1;
        }
        return (flags & ~SV_RR_CR_UF) != 0 ? 0 : 1;
    }

    // pci_quirk_zhaoxin_pcie_ports_acs: listed root/downstream ports are isolated; any OTHER Zhaoxin root or
    // downstream port answers false (not "no quirk").
    static int zhaoxinPorts(PciFunction f, int flags, AcsRules ctx) {
        if (f.type() != PortType.ROOT_PORT && f.type() != PortType.DOWNSTREAM_PORT) {
            return -1;
        }
        int d = f.deviceId() == null ? -1 : f.deviceId();
        if (in(d, 0x0710, 0x071e) || d == 0x0721 || in(d, 0x0723, 0x0752)) {
            return ctrlEnabled(flags, SV_RR_CR_UF);
        }
        return 0;
    }

    // pci_quirk_wangxun_nic_acs: listed NICs isolate their functions; every other Wangxun device answers false.
    static int wangxun(PciFunction f, int flags, AcsRules ctx) {
        int d = f.deviceId() == null ? -1 : f.deviceId();
        if (in(d, 0x0100, 0x010f) || d == 0x1001 || d == 0x2001 || d == 0x5010 || d == 0x5025 || d == 0x5040
                || d == 0x5110 || d == 0x5125 || d == 0x5140) {
            return ctrlEnabled(flags, SV_RR_CR_UF);
        }
        return 0;
    }

    /** The device id of a root port; -1 for any other function or an unknown id, which no quirk's id range holds. */
    private static int rootPortDevice(PciFunction f) {
        return f.type() == PortType.ROOT_PORT && f.deviceId() != null ? f.deviceId() : -1;
    }

    private static boolean in(int v, int lo, int hi) {
        return v >= lo && v <= hi;
    }

    static {
        List<Row> t = new ArrayList<>();
        final int ati = 0x1002;
        final int amd = 0x1022;
        final int intel = 0x8086;
        for (int d : new int[] {0x4385, 0x439c, 0x4383, 0x439d, 0x4384, 0x4399}) {
            t.add(new Row(ati, d, "pci_quirk_amd_sb_acs", AcsQuirks::amdSb));
        }
        t.add(new Row(amd, 0x780f, "pci_quirk_amd_sb_acs", AcsQuirks::amdSb));
        t.add(new Row(amd, 0x7809, "pci_quirk_amd_sb_acs", AcsQuirks::amdSb));
        for (int d : new int[] {0x0903, 0x0923, 0x0a03}) { // Solarflare
            t.add(new Row(0x1924, d, "pci_quirk_mf_endpoint_acs", AcsQuirks::mfEndpoint));
        }
        for (int d : new int[] {
            0x10c6, 0x10db, 0x10dd, 0x10e1, 0x10f1, 0x10f7, 0x10f8, 0x10f9, 0x10fa, 0x10fb, 0x10fc, 0x1507, 0x1514,
            0x151c, 0x1529, 0x152a, 0x154d, 0x154f, 0x1551, 0x1558, // 82599
            0x1509, 0x150e, 0x150f, 0x1510, 0x1511, 0x1516, 0x1527, // 82580
            0x10c9, 0x10e6, 0x10e7, 0x10e8, 0x150a, 0x150d, 0x1518, 0x1526, // 82576
            0x10a7, 0x10a9, 0x10d6, // 82575
            0x1521, 0x1522, 0x1523, 0x1524, // I350
            0x105e, 0x105f, 0x1060, 0x10d9, // 82571 (quads omitted: non-ACS switch)
            0x15b7, 0x15b8}) { // I219
            t.add(new Row(intel, d, "pci_quirk_mf_endpoint_acs", AcsQuirks::mfEndpoint));
        }
        t.add(new Row(intel, ANY, "pci_quirk_rciep_acs", AcsQuirks::rciep));
        for (int d : new int[] {0x0400, 0x0401, 0x0115, 0x0111, 0x0120}) { // QCOM QDF2xxx, SA8775P, Hamoa, Glymur
            t.add(new Row(0x17cb, d, "pci_quirk_qcom_rp_acs", AcsQuirks::svRrCrUf));
        }
        t.add(new Row(0x1dbf, 0x0401, "pci_quirk_qcom_rp_acs", AcsQuirks::svRrCrUf)); // HXT SD4800
        t.add(new Row(intel, ANY, "pci_quirk_intel_pch_acs", AcsQuirks::intelPch));
        t.add(new Row(intel, ANY, "pci_quirk_intel_spt_pch_acs", AcsQuirks::intelSpt));
        t.add(new Row(0x19a2, 0x0710, "pci_quirk_mf_endpoint_acs", AcsQuirks::mfEndpoint)); // Emulex BE3-R
        t.add(new Row(0x10df, 0x0720, "pci_quirk_mf_endpoint_acs", AcsQuirks::mfEndpoint)); // Emulex Skyhawk-R
        t.add(new Row(0x177d, ANY, "pci_quirk_cavium_acs", AcsQuirks::cavium));
        for (int d : new int[] {0xa026, 0xa059, 0xa060}) {
            t.add(new Row(0x177d, d, "pci_quirk_mf_endpoint_acs", AcsQuirks::mfEndpoint));
        }
        t.add(new Row(0x10e8, 0xe004, "pci_quirk_xgene_acs", AcsQuirks::svRrCrUf)); // APM X-Gene
        for (int d = 0xe005; d <= 0xe00c; d++) { // Ampere Computing
            t.add(new Row(0x1def, d, "pci_quirk_xgene_acs", AcsQuirks::svRrCrUf));
        }
        for (int d : new int[] {0x16d7, 0x1750, 0x1751, 0x1752, 0x1760, 0x1761, 0x1762, 0x1763}) {
            t.add(new Row(0x14e4, d, "pci_quirk_mf_endpoint_acs", AcsQuirks::mfEndpoint));
        }
        t.add(new Row(0x14e4, 0xd714, "pci_quirk_brcm_acs", AcsQuirks::svRrCrUf));
        for (int d : new int[] {0x3c09, 0x3c19, 0x3c29, 0x7a09, 0x7a19, 0x7a29, 0x7a39, 0x7a49, 0x7a59, 0x7a69}) {
            t.add(new Row(0x0014, d, "pci_quirk_loongson_acs", AcsQuirks::svRrCrUf));
        }
        t.add(new Row(0x1c36, 0x0031, "pci_quirk_al_acs", AcsQuirks::annapurna));
        for (int d : new int[] {0x3038, 0x3104, 0x9083}) {
            t.add(new Row(0x1d17, d, "pci_quirk_mf_endpoint_acs", AcsQuirks::mfEndpoint));
        }
        for (int d : new int[] {
            0x8d81, 0x8da1, 0x8d83, 0x8d80, 0x8da0, 0x8d82, 0x8d90, 0x8db0, 0x8d92, 0x8d91, 0x8db1, 0x8d93,
            0x8d89, 0x8da9, 0x8d8b, 0x8d88, 0x8da8, 0x8d8a, 0x8d98, 0x8db8, 0x8d9a, 0x8d99, 0x8db9, 0x8d9b}) {
            t.add(new Row(0x1957, d, "pci_quirk_nxp_rp_acs", AcsQuirks::svRrCrUf));
        }
        t.add(new Row(0x1d17, ANY, "pci_quirk_zhaoxin_pcie_ports_acs", AcsQuirks::zhaoxinPorts));
        t.add(new Row(0x8088, ANY, "pci_quirk_wangxun_nic_acs", AcsQuirks::wangxun));
        TABLE = Collections.unmodifiableList(t);
        Map<Integer, List<Row>> byVendor = new HashMap<>();
        for (Row r : t) {
            byVendor.computeIfAbsent(r.vendor(), k -> new ArrayList<>()).add(r);
        }
        BY_VENDOR = byVendor;
    }

    /** {@code pci_dev_specific_acs_enabled()}: -1 when no row decides. */
    static int specific(PciFunction f, int flags, AcsRules ctx) {
        Row r = decidingRow(f, flags, ctx);
        return r == null ? -1 : r.fn().apply(f, flags, ctx);
    }

    /** The quirk that decides for this function and request, or null. */
    static String deciding(PciFunction f, int flags, AcsRules ctx) {
        Row r = decidingRow(f, flags, ctx);
        return r == null ? null : r.quirk();
    }

    /** The flags a deciding quirk refuses (one by one), for reasons. */
    static int missing(PciFunction f, int flags, AcsRules ctx) {
        int m = 0;
        for (AcsFlag a : AcsFlag.values()) {
            if ((flags & a.bit()) != 0 && specific(f, a.bit(), ctx) == 0) {
                m |= a.bit();
            }
        }
        return m == 0 ? flags : m;
    }

    private static Row decidingRow(PciFunction f, int flags, AcsRules ctx) {
        if (f.vendorId() == null) {
            return null;
        }
        int v = f.vendorId();
        int d = f.deviceId() == null ? -2 : f.deviceId();
        for (Row r : BY_VENDOR.getOrDefault(v, List.of())) {
            if (r.device() == ANY || r.device() == d) {
                if (r.fn().apply(f, flags, ctx) >= 0) {
                    return r;
                }
            }
        }
        return null;
    }
}
