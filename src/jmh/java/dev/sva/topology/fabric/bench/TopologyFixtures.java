package dev.sva.topology.fabric.bench;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

import dev.sva.topology.fabric.Acs;
import dev.sva.topology.fabric.AcsFlag;
import dev.sva.topology.fabric.Bar;
import dev.sva.topology.fabric.PciAddress;
import dev.sva.topology.fabric.PciFunction;
import dev.sva.topology.fabric.PortType;

/**
 * A 4,096-function host for the topology benchmarks: 4 PCI domains, each with 2 root ports, each root port above a
 * two-level switch tree (upstream port, 8 downstream ports, each above another switch of 7 downstream ports) whose
 * leaves are 7-function endpoints, the rest of each domain root-complex integrated endpoints; ACS is mixed (seeded): per port none, full, or without RR. Plus its
 * {@code lspci -vvv -nn -D} text, printed as lspci prints it.
 */
final class TopologyFixtures {

    static final int FUNCTIONS_PER_DOMAIN = 1024;

    private TopologyFixtures() {
    }

    static List<PciFunction> host(long seed) {
        Random rnd = new Random(seed);
        List<PciFunction> out = new ArrayList<>();
        long[] bar = {0x100_0000_0000L};
        for (int domain = 0; domain < 4; domain++) {
            List<PciFunction> dom = new ArrayList<>();
            int[] next = {1};
            for (int rp = 0; rp < 2; rp++) {
                int sec = next[0]++;
                int idx = dom.size();
                dom.add(null);
                int us1 = next[0]++;
                int usIdx = dom.size();
                dom.add(null);
                for (int d1 = 0; d1 < 8; d1++) {
                    int dsec = next[0]++;
                    int dIdx = dom.size();
                    dom.add(null);
                    int us2 = next[0]++;
                    int us2Idx = dom.size();
                    dom.add(null);
                    for (int d2 = 0; d2 < 7; d2++) {
                        int leaf = next[0]++;
                        dom.add(acs(rnd, port(domain, us2, d2, PortType.DOWNSTREAM_PORT, leaf, leaf)));
                        for (int fn = 0; fn < 7; fn++) {
                            PciFunction ep = PciFunction.of(new PciAddress(domain, leaf, 0, fn), PortType.ENDPOINT)
                                    .withIds(0x10de, 0x2330).withBars(List.of(new Bar(0, bar[0], 0x100_0000L)));
                            bar[0] += 0x100_0000L;
                            dom.add(rnd.nextInt(3) == 0 ? acs(rnd, ep) : ep);
                        }
                    }
                    dom.set(us2Idx, port(domain, dsec, 0, PortType.UPSTREAM_PORT, us2, next[0] - 1));
                    dom.set(dIdx, acs(rnd, port(domain, us1, d1, PortType.DOWNSTREAM_PORT, dsec, next[0] - 1)));
                }
                dom.set(usIdx, port(domain, sec, 0, PortType.UPSTREAM_PORT, us1, next[0] - 1));
                dom.set(idx, acs(rnd, port(domain, 0, 1 + rp, PortType.ROOT_PORT, sec, next[0] - 1)));
            }
            // Fill the domain up to FUNCTIONS_PER_DOMAIN with root-complex integrated endpoints on the root bus.
            int dev = 8;
            int fn = 0;
            while (dom.size() < FUNCTIONS_PER_DOMAIN) {
                dom.add(PciFunction.of(new PciAddress(domain, 0, dev, fn), PortType.RC_INTEGRATED_ENDPOINT)
                        .withIds(0x1234, 0x0001));
                if (++fn == 8) {
                    fn = 0;
                    dev++;
                }
            }
            if (dom.size() > FUNCTIONS_PER_DOMAIN) {
                throw new IllegalStateException("domain has " + dom.size());
            }
            out.addAll(dom);
        }
        return out;
    }

    private static PciFunction port(int domain, int bus, int dev, PortType type, int sec, int sub) {
        return PciFunction.of(new PciAddress(domain, bus, dev, 0), type).withIds(0x10b5, 0x8747).withBuses(sec, sub);
    }

    private static PciFunction acs(Random rnd, PciFunction f) {
        EnumSet<AcsFlag> all = EnumSet.of(AcsFlag.SV, AcsFlag.RR, AcsFlag.CR, AcsFlag.UF);
        return switch (rnd.nextInt(4)) {
            case 0 -> f;
            case 1 -> f.withAcs(new Acs(all, EnumSet.of(AcsFlag.SV, AcsFlag.CR, AcsFlag.UF)));
            default -> f.withAcs(new Acs(all, all));
        };
    }

    /** The host as {@code lspci -vvv -nn -D} prints it (the lines the parser reads, plus typical noise). */
    static String lspci(List<PciFunction> fs) {
        StringBuilder sb = new StringBuilder(fs.size() * 600);
        for (PciFunction f : fs) {
            boolean bridge = f.isBridge();
            sb.append(f.address()).append(bridge ? " PCI bridge [0604]: " : " 3D controller [0302]: ")
                    .append(bridge ? "PLX Technology, Inc. PEX 8747 48-Lane, 5-Port PCI Express Gen 3 Switch"
                            : "NVIDIA Corporation Device")
                    .append(String.format(" [%04x:%04x] (rev ca)%n", f.vendorId() == null ? 0 : f.vendorId(),
                            f.deviceId() == null ? 0 : f.deviceId()));
            sb.append("\tControl: I/O- Mem+ BusMaster+ SpecCycle- MemWINV- VGASnoop- ParErr- Stepping- SERR- FastB2B- DisINTx+\n");
            sb.append("\tStatus: Cap+ 66MHz- UDF- FastB2B- ParErr- DEVSEL=fast >TAbort- <TAbort- <MAbort- >SERR- <PERR- INTx-\n");
            sb.append("\tIOMMU group: 0\n".replace("0", "7"));
            if (bridge) {
                sb.append(String.format("\tBus: primary=%02x, secondary=%02x, subordinate=%02x, sec-latency=0%n",
                        f.address().bus(), f.secondaryBus(), f.subordinateBus()));
            }
            for (Bar b : f.bars()) {
                sb.append(String.format("\tRegion %d: Memory at %x (64-bit, prefetchable) [size=16M]%n", b.index(),
                        b.base()));
            }
            sb.append("\tCapabilities: [68] Express (v2) ").append(expressName(f.type())).append(", MSI 00\n");
            sb.append("\t\tDevCap:\tMaxPayload 256 bytes, PhantFunc 0, Latency L0s <64ns, L1 <1us\n");
            sb.append("\t\tLnkSta:\tSpeed 8GT/s, Width x16\n");
            sb.append("\tCapabilities: [100 v1] Advanced Error Reporting\n");
            if (f.acs() != null) {
                sb.append("\tCapabilities: [148 v1] Access Control Services\n");
                sb.append("\t\tACSCap:\t").append(flags(f.acs().cap())).append('\n');
                sb.append("\t\tACSCtl:\t").append(flags(f.acs().ctl())).append('\n');
            }
            sb.append(bridge ? "\tKernel driver in use: pcieport\n\n" : "\tKernel driver in use: nvidia\n\n");
        }
        return sb.toString();
    }

    private static String expressName(PortType t) {
        return switch (t) {
            case ROOT_PORT -> "Root Port (Slot+)";
            case DOWNSTREAM_PORT -> "Downstream Port (Slot+)";
            case UPSTREAM_PORT -> "Upstream Port";
            case RC_INTEGRATED_ENDPOINT -> "Root Complex Integrated Endpoint";
            default -> "Endpoint";
        };
    }

    private static String flags(java.util.Set<AcsFlag> on) {
        StringBuilder sb = new StringBuilder();
        for (AcsFlag a : AcsFlag.values()) {
            sb.append(a.lspciName()).append(on.contains(a) ? '+' : '-').append(' ');
        }
        return sb.toString().trim();
    }
}
