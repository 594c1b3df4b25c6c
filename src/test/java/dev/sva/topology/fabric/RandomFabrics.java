package dev.sva.topology.fabric;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.Set;

/**
 * A seeded generator of valid random fabrics: root ports (some in multifunction slots), switches, PCIe-to-PCI
 * bridges with conventional segments, multifunction endpoints, SR-IOV VFs on the PF's bus or a virtual bus,
 * declared DMA aliases, and mixed ACS (none, full, RR or UF not enabled, partial capability). No vendor ids, so no
 * quirk applies: the naive reference needs no quirk table.
 */
final class RandomFabrics {

    private final Random rnd;
    private final List<PciFunction> out = new ArrayList<>();
    private int nextBus = 1;
    private long nextBar = 0x1_0000_0000L;
    private final int maxDepth;

    private RandomFabrics(long seed, int maxDepth) {
        this.rnd = new Random(seed);
        this.maxDepth = maxDepth;
    }

    static List<PciFunction> generate(long seed) {
        return new RandomFabrics(seed, 3 + (int) (seed % 3)).build();
    }

    private List<PciFunction> build() {
        int slots = 1 + rnd.nextInt(6);
        for (int dev = 1; dev <= 2 * slots && nextBus < 240; dev += 2) { // odd slots: room for a phantom at dev+1
            int kind = rnd.nextInt(10);
            if (kind < 6) {
                int fns = rnd.nextInt(4) == 0 ? 2 + rnd.nextInt(3) : 1;
                for (int fn = 0; fn < fns && nextBus < 240; fn++) {
                    port(PortType.ROOT_PORT, 0, dev, fn, 1);
                }
            } else if (kind < 8) {
                endpoints(0, dev, PortType.RC_INTEGRATED_ENDPOINT);
            } else {
                add(fn(0, dev, 0, PortType.PCI));
            }
        }
        return out;
    }

    /** A port on bus {@code bus} at dev.fn, and something below it. */
    private void port(PortType type, int bus, int dev, int fn, int depth) {
        int sec = nextBus++;
        int idx = out.size();
        add(fn(bus, dev, fn, type)); // placeholder; bus numbers set when the subtree is known
        below(sec, depth);
        int sub = nextBus - 1;
        PciFunction p = out.get(idx).withBuses(sec, sub);
        out.set(idx, withRandomAcs(p));
    }

    private void below(int sec, int depth) {
        int kind = rnd.nextInt(10);
        if (depth >= maxDepth || nextBus > 230) {
            kind = 0;
        }
        if (kind < 4) {
            endpoints(sec, 0, PortType.ENDPOINT);
        } else if (kind < 7) { // a switch
            int us = nextBus++;
            int usIdx = out.size();
            add(fn(sec, 0, 0, PortType.UPSTREAM_PORT));
            int dps = 1 + rnd.nextInt(3);
            for (int d = 0; d < dps && nextBus < 230; d++) {
                port(PortType.DOWNSTREAM_PORT, us, d, 0, depth + 1);
            }
            if (rnd.nextInt(4) == 0) {
                add(bar(fn(us, 0x1f, 0, PortType.ENDPOINT))); // a switch management endpoint on the internal bus
            }
            out.set(usIdx, withRandomAcs(out.get(usIdx).withBuses(us, nextBus - 1)));
        } else if (kind < 9) { // PCIe-to-PCI bridge and a conventional segment
            int seg = nextBus++;
            int bIdx = out.size();
            add(fn(sec, 0, 0, PortType.PCIE_TO_PCI_BRIDGE));
            int devs = 1 + rnd.nextInt(3);
            for (int d = 0; d < devs; d++) {
                add(bar(fn(seg, d + 1, 0, PortType.PCI)));
            }
            if (rnd.nextBoolean() && nextBus < 230) {
                int seg2 = nextBus++;
                add(fn(seg, 0x10, 0, PortType.PCI_BRIDGE).withBuses(seg2, seg2));
                add(bar(fn(seg2, 0, 0, PortType.PCI)));
            }
            out.set(bIdx, out.get(bIdx).withBuses(seg, nextBus - 1));
        } else { // an SR-IOV PF with VFs, maybe on a virtual bus
            add(bar(withRandomAcs(fn(sec, 0, 0, PortType.ENDPOINT))));
            int vfs = 1 + rnd.nextInt(4);
            if (rnd.nextBoolean()) {
                for (int v = 0; v < vfs; v++) {
                    add(bar(fn(sec, 0, v + 1, PortType.ENDPOINT).withVirtualFunction(true)));
                }
            } else {
                int vbus = nextBus++;
                for (int v = 0; v < vfs; v++) {
                    add(bar(fn(vbus, 0, v, PortType.ENDPOINT).withVirtualFunction(true)));
                }
            }
        }
    }

    private void endpoints(int bus, int dev, PortType type) {
        int fns = rnd.nextInt(3) == 0 ? 2 + rnd.nextInt(3) : 1;
        for (int f = 0; f < fns; f++) {
            PciFunction e = bar(withRandomAcs(fn(bus, dev, f, type)));
            if (f > 0 && rnd.nextInt(6) == 0) {
                e = e.withDmaAliases(List.of((dev << 3) | rnd.nextInt(f)));
            }
            add(e);
        }
        if (rnd.nextInt(8) == 0 && dev < 0x1e) {
            // A function in another slot that declares an alias of this one (a phantom-function device).
            add(bar(fn(bus, dev + 1, 0, type).withDmaAliases(List.of(dev << 3))));
        }
    }

    private PciFunction withRandomAcs(PciFunction f) {
        int k = rnd.nextInt(7);
        Set<AcsFlag> all = EnumSet.of(AcsFlag.SV, AcsFlag.RR, AcsFlag.CR, AcsFlag.UF);
        return switch (k) {
            case 0, 1 -> f; // no capability
            case 2, 3 -> f.withAcs(new Acs(all, all));
            case 4 -> f.withAcs(new Acs(all, EnumSet.of(AcsFlag.SV, AcsFlag.CR, AcsFlag.UF))); // RR missing
            case 5 -> f.withAcs(new Acs(EnumSet.of(AcsFlag.SV, AcsFlag.CR), EnumSet.of(AcsFlag.SV, AcsFlag.CR)));
            default -> f.withAcs(new Acs(all, EnumSet.of(AcsFlag.SV, AcsFlag.RR, AcsFlag.CR))); // UF missing
        };
    }

    private PciFunction bar(PciFunction f) {
        long base = nextBar;
        nextBar += 0x10_0000L;
        return f.withBars(List.of(new Bar(0, base, 0x1000)));
    }

    private static PciFunction fn(int bus, int dev, int fn, PortType type) {
        return PciFunction.of(new PciAddress(0, bus, dev, fn), type);
    }

    private void add(PciFunction f) {
        out.add(f);
    }
}
