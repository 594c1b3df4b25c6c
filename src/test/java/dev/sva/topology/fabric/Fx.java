package dev.sva.topology.fabric;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/** Terse builders for hand-made fabrics in tests. */
final class Fx {

    private Fx() {
    }

    static PciAddress a(String bdf) {
        return PciAddress.parse(bdf);
    }

    static PciFunction fn(String bdf, PortType type) {
        return PciFunction.of(a(bdf), type);
    }

    static PciFunction bridge(String bdf, PortType type, int sec, int sub) {
        return fn(bdf, type).withBuses(sec, sub);
    }

    static PciFunction rp(String bdf, int sec, int sub) {
        return bridge(bdf, PortType.ROOT_PORT, sec, sub);
    }

    static PciFunction dp(String bdf, int sec, int sub) {
        return bridge(bdf, PortType.DOWNSTREAM_PORT, sec, sub);
    }

    static PciFunction up(String bdf, int sec, int sub) {
        return bridge(bdf, PortType.UPSTREAM_PORT, sec, sub);
    }

    static PciFunction ep(String bdf) {
        return fn(bdf, PortType.ENDPOINT);
    }

    /** Full ACS: SV RR CR UF implemented and enabled. */
    static PciFunction acs(PciFunction f) {
        return acs(f, "SV RR CR UF", "SV RR CR UF");
    }

    static PciFunction acs(PciFunction f, String cap, String ctl) {
        return f.withAcs(new Acs(flags(cap), flags(ctl)));
    }

    static Set<AcsFlag> flags(String s) {
        EnumSet<AcsFlag> e = EnumSet.noneOf(AcsFlag.class);
        for (String t : s.trim().split("\\s+")) {
            if (!t.isEmpty()) {
                e.add(AcsFlag.valueOf(t));
            }
        }
        return e;
    }

    static PciFunction ids(PciFunction f, int vendor, int device) {
        return f.withIds(vendor, device);
    }

    static PciFunction bar(PciFunction f, int index, long base, long size) {
        List<Bar> bars = new ArrayList<>(f.bars());
        bars.add(new Bar(index, base, size));
        return f.withBars(bars);
    }

    static Fabric fabric(PciFunction... fs) {
        return Fabric.of(Arrays.asList(fs));
    }

    static Derivation derive(PciFunction... fs) {
        return GroupDerivation.derive(fabric(fs));
    }

    /** The groups as sorted BDF strings, e.g. ["00:01.0 01:00.0", "00:02.0"], domain 0 shortened. */
    static List<String> groups(Derivation d) {
        return groupsOf(d.groups());
    }

    static List<String> groupsOf(List<DerivedGroup> gs) {
        return gs.stream().map(g -> g.members().stream().map(Fx::shortBdf).collect(Collectors.joining(" ")))
                .toList();
    }

    static String shortBdf(PciAddress a) {
        String s = a.toString();
        return s.startsWith("0000:") ? s.substring(5) : s;
    }

    static DerivedGroup groupOf(Derivation d, String bdf) {
        return d.groupOf(a(bdf)).orElseThrow();
    }
}
