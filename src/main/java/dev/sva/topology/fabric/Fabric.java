package dev.sva.topology.fabric;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * One host's PCI fabric: immutable, and valid as a host's fabric can be. {@link #of} refuses duplicate addresses,
 * bridges whose secondary bus is not above their own bus (a bus-number loop: a bridge whose secondary bus is an
 * ancestor's bus), two bridges with one secondary bus, bus ranges ({@code [secondary, subordinate]}) that overlap
 * or leave their parent's range, a function on a bus inside a bridge's range that no bridge leads to (only SR-IOV
 * virtual functions sit on such virtual buses, {@code virtfn_add_bus}), DMA aliases outside 0..255, and more than
 * {@value #MAX_FUNCTIONS} functions, each as a {@link FabricException} naming the function, the field and the
 * reason.
 *
 * <p>Invariants: {@link #functions()} is in BDF order; every bus a function sits on is a root bus, the secondary bus
 * of exactly one bridge, or a virtual bus whose parent is the secondary bus of the deepest bridge whose range holds
 * it. Parents sort before their children (a bridge's secondary bus is above its own bus), which the derivation
 * relies on.
 */
public final class Fabric {

    /** At most this many functions (a full domain of 256 buses × 256 devfns). */
    public static final int MAX_FUNCTIONS = 65_536;

    private final List<PciFunction> functions;
    private final Map<PciAddress, PciFunction> byAddress;
    /** busKey → the bridge whose secondary bus it is ({@code bus->self}). */
    private final Map<Integer, PciFunction> bridgeBySecondary;
    /** busKey of a virtual bus → busKey of its parent bus. */
    private final Map<Integer, Integer> virtualBusParent;
    /** busKey → the functions on that bus, in devfn order. */
    private final Map<Integer, List<PciFunction>> byBus;

    private Fabric(List<PciFunction> sorted, Map<PciAddress, PciFunction> byAddress,
                   Map<Integer, PciFunction> bridgeBySecondary, Map<Integer, Integer> virtualBusParent,
                   Map<Integer, List<PciFunction>> byBus) {
        this.functions = sorted;
        this.byAddress = byAddress;
        this.bridgeBySecondary = bridgeBySecondary;
        this.virtualBusParent = virtualBusParent;
        this.byBus = byBus;
    }

    /**
     * Validates and indexes a host's functions (any order).
     *
     * @throws FabricException for a fabric no host can have (see the class comment)
     */
    public static Fabric of(List<PciFunction> fs) {
        Objects.requireNonNull(fs, "functions");
        if (fs.size() > MAX_FUNCTIONS) {
            throw new FabricException(null, "functions",
                    fs.size() + " functions exceed the limit of " + MAX_FUNCTIONS);
        }
        List<PciFunction> sorted = new ArrayList<>(fs.size());
        for (PciFunction f : fs) {
            if (f == null) {
                throw new FabricException(null, "functions", "a function is null");
            }
            checkFields(f);
            sorted.add(f);
        }
        sorted.sort(Comparator.comparing(PciFunction::address));
        Map<PciAddress, PciFunction> byAddress = new HashMap<>(sorted.size() * 2);
        Map<Integer, PciFunction> bySecondary = new HashMap<>();
        for (PciFunction f : sorted) {
            if (byAddress.putIfAbsent(f.address(), f) != null) {
                throw new FabricException(f.address().toString(), "bdf", "the address appears twice");
            }
            if (f.isBridge()) {
                int key = (f.address().domain() << 8) | f.secondaryBus();
                PciFunction other = bySecondary.putIfAbsent(key, f);
                if (other != null) {
                    throw new FabricException(f.address().toString(), "secondaryBus", String.format(
                            "bus %02x is already the secondary bus of %s", f.secondaryBus(), other.address()));
                }
            }
        }
        for (PciFunction f : sorted) {
            if (f.isBridge()) {
                checkBusOrder(f, bySecondary);
            }
        }
        checkRanges(sorted, bySecondary);
        Map<Integer, Integer> virtualParent = new HashMap<>();
        Map<Integer, List<PciFunction>> byBus = new HashMap<>();
        Map<Integer, PciFunction[]> deepest = new HashMap<>();
        for (PciFunction f : sorted) {
            int key = f.address().busKey();
            byBus.computeIfAbsent(key, k -> new ArrayList<>()).add(f);
            if (bySecondary.containsKey(key) || virtualParent.containsKey(key)) {
                continue;
            }
            PciFunction enclosing = deepestEnclosing(f.address().domain(), f.address().bus(), sorted, deepest);
            if (enclosing == null) {
                continue; // a root bus
            }
            if (!f.virtualFunction()) {
                throw new FabricException(f.address().toString(), "bdf", String.format(
                        "bus %02x lies in the bus range [%02x, %02x] of %s but no bridge has it as secondary bus;"
                                + " only SR-IOV virtual functions sit on such a virtual bus",
                        f.address().bus(), enclosing.secondaryBus(), enclosing.subordinateBus(), enclosing.address()));
            }
            virtualParent.put(key, (f.address().domain() << 8) | enclosing.secondaryBus());
        }
        Map<Integer, List<PciFunction>> frozen = new HashMap<>(byBus.size() * 2);
        byBus.forEach((k, v) -> frozen.put(k, List.copyOf(v)));
        return new Fabric(List.copyOf(sorted), byAddress, bySecondary, virtualParent, frozen);
    }

    private static void checkFields(PciFunction f) {
        String bdf = f.address().toString();
        checkId(bdf, "vendorId", f.vendorId());
        checkId(bdf, "deviceId", f.deviceId());
        checkId(bdf, "subsystemVendorId", f.subsystemVendorId());
        checkId(bdf, "subsystemDeviceId", f.subsystemDeviceId());
        if (f.isBridge()) {
            if (f.secondaryBus() == null) {
                throw new FabricException(bdf, "secondaryBus", "a bridge needs a secondary bus");
            }
            if (f.subordinateBus() == null) {
                throw new FabricException(bdf, "subordinateBus", "a bridge needs a subordinate bus");
            }
            checkBus(bdf, "secondaryBus", f.secondaryBus());
            checkBus(bdf, "subordinateBus", f.subordinateBus());
            if (f.subordinateBus() < f.secondaryBus()) {
                throw new FabricException(bdf, "subordinateBus", String.format(
                        "subordinate bus %02x is below secondary bus %02x", f.subordinateBus(), f.secondaryBus()));
            }
        } else {
            if (f.secondaryBus() != null) {
                throw new FabricException(bdf, "secondaryBus", "only bridges have a secondary bus, this is " + f.type());
            }
            if (f.subordinateBus() != null) {
                throw new FabricException(bdf, "subordinateBus",
                        "only bridges have a subordinate bus, this is " + f.type());
            }
        }
        for (Integer a : f.dmaAliases()) {
            if (a == null || a < 0 || a > 0xff) {
                throw new FabricException(bdf, "dmaAliases", "alias " + a + " is not a devfn (0..255)");
            }
        }
        if (f.pasidBits() < 0 || f.pasidBits() > 20) {
            throw new FabricException(bdf, "pasidBits", f.pasidBits() + " is outside 0..20");
        }
        boolean[] seen = new boolean[7];
        for (Bar b : f.bars()) {
            if (b == null) {
                throw new FabricException(bdf, "bars", "a BAR is null");
            }
            if (seen[b.index()]) {
                throw new FabricException(bdf, "bars", "BAR " + b.index() + " appears twice");
            }
            seen[b.index()] = true;
        }
        if (f.virtualFunction() && f.isBridge()) {
            throw new FabricException(bdf, "virtualFunction", "a virtual function cannot be a bridge");
        }
    }

    private static void checkId(String bdf, String field, Integer v) {
        if (v != null && (v < 0 || v > 0xffff)) {
            throw new FabricException(bdf, field, v + " is outside 0000..ffff");
        }
    }

    private static void checkBus(String bdf, String field, int v) {
        if (v < 0 || v > 0xff) {
            throw new FabricException(bdf, field, v + " is outside bus numbers 00..ff");
        }
    }

    /** A bridge's secondary bus must lie above its own bus; otherwise following buses upward never ends. */
    private static void checkBusOrder(PciFunction b, Map<Integer, PciFunction> bySecondary) {
        int bus = b.address().bus();
        int sec = b.secondaryBus();
        if (sec > bus) {
            return;
        }
        String bdf = b.address().toString();
        if (sec == bus) {
            throw new FabricException(bdf, "secondaryBus",
                    String.format("secondary bus %02x is the bridge's own bus: a bus-number loop", sec));
        }
        // Name the ancestor whose bus it is, if any (bounded: at most 256 buses per domain).
        PciFunction up = bySecondary.get(b.address().busKey());
        for (int i = 0; up != null && i < 256; i++) {
            if (up.address().bus() == sec) {
                throw new FabricException(bdf, "secondaryBus", String.format(
                        "secondary bus %02x is the bus of ancestor %s: a bus-number loop", sec, up.address()));
            }
            if (up == b) {
                break;
            }
            up = bySecondary.get(up.address().busKey());
        }
        throw new FabricException(bdf, "secondaryBus", String.format(
                "secondary bus %02x is not above the bridge's own bus %02x", sec, bus));
    }

    /**
     * Bridges' bus ranges nest: a child's range lies strictly inside its parent's, siblings' ranges are disjoint.
     * One pass per domain over the bridges in order of secondary bus with a stack of open ranges.
     */
    private static void checkRanges(List<PciFunction> sorted, Map<Integer, PciFunction> bySecondary) {
        List<PciFunction> bridges = new ArrayList<>();
        for (PciFunction f : sorted) {
            if (f.isBridge()) {
                bridges.add(f);
            }
        }
        bridges.sort(Comparator.comparingInt((PciFunction f) -> f.address().domain())
                .thenComparingInt(PciFunction::secondaryBus));
        // Each bridge's parent (the owner of its bus) must enclose it.
        for (PciFunction b : bridges) {
            PciFunction parent = bySecondary.get(b.address().busKey());
            if (parent != null && b.subordinateBus() > parent.subordinateBus()) {
                throw new FabricException(b.address().toString(), "subordinateBus", String.format(
                        "bus range [%02x, %02x] leaves the range [%02x, %02x] of the bridge above, %s",
                        b.secondaryBus(), b.subordinateBus(), parent.secondaryBus(), parent.subordinateBus(),
                        parent.address()));
            }
        }
        // Laminar family: walking by secondary bus, each range either nests in the innermost open one or starts
        // after it ends; and a range that nests must belong to a bridge below the open one.
        PciFunction[] stack = new PciFunction[257];
        int depth = 0;
        int domain = -1;
        for (PciFunction b : bridges) {
            if (b.address().domain() != domain) {
                domain = b.address().domain();
                depth = 0;
            }
            while (depth > 0 && stack[depth - 1].subordinateBus() < b.secondaryBus()) {
                depth--;
            }
            if (depth > 0) {
                PciFunction open = stack[depth - 1];
                if (b.subordinateBus() > open.subordinateBus()) {
                    throw new FabricException(b.address().toString(), "secondaryBus", String.format(
                            "bus range [%02x, %02x] overlaps the range [%02x, %02x] of %s",
                            b.secondaryBus(), b.subordinateBus(), open.secondaryBus(), open.subordinateBus(),
                            open.address()));
                }
                // b's own bus must lie in the open range (it hangs below it), else two trees overlap.
                if (b.address().bus() < open.secondaryBus() || b.address().bus() > open.subordinateBus()) {
                    throw new FabricException(b.address().toString(), "secondaryBus", String.format(
                            "bus range [%02x, %02x] lies inside the range [%02x, %02x] of %s, which is not above it",
                            b.secondaryBus(), b.subordinateBus(), open.secondaryBus(), open.subordinateBus(),
                            open.address()));
                }
            }
            stack[depth++] = b;
        }
    }

    /** The deepest bridge of {@code domain} whose bus range holds {@code bus}, or null. Memoised per domain. */
    private static PciFunction deepestEnclosing(int domain, int bus, List<PciFunction> sorted,
                                                Map<Integer, PciFunction[]> memo) {
        PciFunction[] table = memo.computeIfAbsent(domain, d -> {
            PciFunction[] t = new PciFunction[256];
            List<PciFunction> bridges = new ArrayList<>();
            for (PciFunction f : sorted) {
                if (f.isBridge() && f.address().domain() == d) {
                    bridges.add(f);
                }
            }
            // Outer ranges first, so inner ones overwrite: order by range width, widest first.
            bridges.sort(Comparator.comparingInt((PciFunction f) -> f.secondaryBus() - f.subordinateBus()));
            for (PciFunction b : bridges) {
                Arrays.fill(t, b.secondaryBus(), b.subordinateBus() + 1, b);
            }
            return t;
        });
        return table[bus];
    }

    /** Every function, in BDF order. */
    public List<PciFunction> functions() {
        return functions;
    }

    public int size() {
        return functions.size();
    }

    public Optional<PciFunction> function(PciAddress a) {
        return Optional.ofNullable(byAddress.get(a));
    }

    /** The bridge whose secondary bus is {@code a}'s bus ({@code bus->self}), if any. */
    public Optional<PciFunction> bridgeAbove(PciAddress a) {
        return Optional.ofNullable(bridgeBySecondary.get(a.busKey()));
    }

    /** {@code bus->self} of the bus with this key, or null for a root or virtual bus. */
    PciFunction busSelf(int busKey) {
        return bridgeBySecondary.get(busKey);
    }

    /** {@code bus->parent}: the key of the parent bus, or -1 for a root bus. */
    int parentBus(int busKey) {
        PciFunction self = bridgeBySecondary.get(busKey);
        if (self != null) {
            return self.address().busKey();
        }
        Integer v = virtualBusParent.get(busKey);
        return v == null ? -1 : v;
    }

    /** True when no bridge leads to the bus and it is not a virtual bus ({@code pci_is_root_bus}). */
    boolean isRootBus(int busKey) {
        return parentBus(busKey) < 0;
    }

    /** The functions on one bus, in devfn order. */
    List<PciFunction> onBus(int busKey) {
        return byBus.getOrDefault(busKey, List.of());
    }

    /** Whether the input or the slot says the function is multifunction (see TOPOLOGY.md "Order and virtual buses"). */
    boolean isMultifunction(PciFunction f) {
        if (f.virtualFunction()) {
            return false; // pci_iov_add_virtfn: virtfn->multifunction = 0
        }
        if (f.multifunction() != null) {
            return f.multifunction();
        }
        if (f.address().function() != 0) {
            return true; // pci_scan_slot only looks past function 0 when its header says multifunction
        }
        for (PciFunction o : onBus(f.address().busKey())) {
            if (o != f && !o.virtualFunction() && o.address().device() == f.address().device()) {
                return true;
            }
        }
        return false;
    }

    /**
     * The same fabric with {@code port}'s ACS control replaced (a what-if). The flags must be ones the port's
     * capability implements.
     *
     * @throws FabricException when the port is unknown, has no ACS capability, or lacks a flag
     */
    public Fabric withAcsControl(PciAddress port, Set<AcsFlag> ctl) {
        PciFunction f = byAddress.get(port);
        if (f == null) {
            throw new FabricException(port.toString(), "bdf", "no such function");
        }
        if (f.acs() == null) {
            throw new FabricException(port.toString(), "acs", "the function has no ACS capability");
        }
        EnumSet<AcsFlag> extra = ctl.isEmpty() ? EnumSet.noneOf(AcsFlag.class) : EnumSet.copyOf(ctl);
        extra.removeAll(f.acs().cap());
        if (!extra.isEmpty()) {
            throw new FabricException(port.toString(), "acs.ctl",
                    "the ACS capability does not implement " + extra + " (it has " + f.acs().cap() + ")");
        }
        return replace(f, f.withAcs(new Acs(f.acs().cap(), ctl)));
    }

    /** The same fabric without {@code a} (a hot-unplug); a bridge goes with everything below it. */
    public Fabric without(PciAddress a) {
        PciFunction f = byAddress.get(a);
        if (f == null) {
            throw new FabricException(a.toString(), "bdf", "no such function");
        }
        List<PciFunction> rest = new ArrayList<>(functions.size());
        for (PciFunction o : functions) {
            if (o == f) {
                continue;
            }
            if (f.isBridge() && o.address().domain() == a.domain() && o.address().bus() >= f.secondaryBus()
                    && o.address().bus() <= f.subordinateBus()) {
                continue;
            }
            rest.add(o);
        }
        return of(rest);
    }

    /** The same fabric with {@code f} added (a hot-plug). */
    public Fabric with(PciFunction f) {
        if (byAddress.containsKey(f.address())) {
            throw new FabricException(f.address().toString(), "bdf", "the address is already taken");
        }
        List<PciFunction> all = new ArrayList<>(functions);
        all.add(f);
        return of(all);
    }

    private Fabric replace(PciFunction old, PciFunction now) {
        List<PciFunction> all = new ArrayList<>(functions.size());
        for (PciFunction o : functions) {
            all.add(o == old ? now : o);
        }
        return of(all);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Fabric other && functions.equals(other.functions);
    }

    @Override
    public int hashCode() {
        return functions.hashCode();
    }

    @Override
    public String toString() {
        return "Fabric" + functions.stream().map(f -> f.address().toString()).toList();
    }

    static Set<PciAddress> addresses(Fabric f) {
        Set<PciAddress> s = new HashSet<>();
        for (PciFunction p : f.functions) {
            s.add(p.address());
        }
        return Collections.unmodifiableSet(s);
    }
}
