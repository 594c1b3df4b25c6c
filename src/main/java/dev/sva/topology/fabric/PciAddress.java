package dev.sva.topology.fabric;

/**
 * A PCI function's address (segment/domain, bus, device, function). Orders as the kernel enumerates within a
 * domain: by domain, bus, device, function.
 */
public record PciAddress(int domain, int bus, int device, int function) implements Comparable<PciAddress> {

    public PciAddress {
        if (domain < 0 || domain > 0xffff) {
            throw new IllegalArgumentException("domain " + domain + " is outside 0000..ffff");
        }
        if (bus < 0 || bus > 0xff) {
            throw new IllegalArgumentException("bus " + bus + " is outside 00..ff");
        }
        if (device < 0 || device > 0x1f) {
            throw new IllegalArgumentException("device " + device + " is outside 00..1f");
        }
        if (function < 0 || function > 7) {
            throw new IllegalArgumentException("function " + function + " is outside 0..7");
        }
    }

    /** The address of {@code devfn} on the given domain and bus. */
    public static PciAddress of(int domain, int bus, int devfn) {
        return new PciAddress(domain, bus, (devfn >> 3) & 0x1f, devfn & 7);
    }

    /**
     * Parses {@code DDDD:BB:DD.F} or {@code BB:DD.F} (domain 0), hexadecimal, case-insensitive.
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static PciAddress parse(String bdf) {
        if (bdf == null) {
            throw new IllegalArgumentException("a PCI address is required");
        }
        String s = bdf.trim();
        int dot = s.lastIndexOf('.');
        if (dot < 0 || dot != s.length() - 2) {
            throw new IllegalArgumentException("'" + abbreviate(s) + "' is not a PCI address (DDDD:BB:DD.F)");
        }
        String[] parts = s.substring(0, dot).split(":", -1);
        int domain;
        int bus;
        int dev;
        if (parts.length == 3) {
            domain = hex(parts[0], 4, s);
            bus = hex(parts[1], 2, s);
            dev = hex(parts[2], 2, s);
        } else if (parts.length == 2) {
            domain = 0;
            bus = hex(parts[0], 2, s);
            dev = hex(parts[1], 2, s);
        } else {
            throw new IllegalArgumentException("'" + abbreviate(s) + "' is not a PCI address (DDDD:BB:DD.F)");
        }
        char fc = s.charAt(dot + 1);
        if (fc < '0' || fc > '7') {
            throw new IllegalArgumentException("'" + abbreviate(s) + "': function must be 0..7");
        }
        return new PciAddress(domain, bus, dev, fc - '0');
    }

    private static int hex(String p, int digits, String whole) {
        if (p.length() != digits) {
            throw new IllegalArgumentException("'" + abbreviate(whole) + "' is not a PCI address (DDDD:BB:DD.F)");
        }
        int v = 0;
        for (int i = 0; i < p.length(); i++) {
            int d = Character.digit(p.charAt(i), 16);
            if (d < 0) {
                throw new IllegalArgumentException("'" + abbreviate(whole) + "' is not a PCI address (DDDD:BB:DD.F)");
            }
            v = v * 16 + d;
        }
        return v;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "…";
    }

    /** {@code PCI_DEVFN(device, function)}. */
    public int devfn() {
        return (device << 3) | function;
    }

    /** The same slot's function {@code fn}. */
    public PciAddress withFunction(int fn) {
        return new PciAddress(domain, bus, device, fn);
    }

    /** Domain and bus as one key. */
    public int busKey() {
        return (domain << 8) | bus;
    }

    @Override
    public int compareTo(PciAddress o) {
        int c = Integer.compare(domain, o.domain);
        if (c == 0) {
            c = Integer.compare(bus, o.bus);
        }
        if (c == 0) {
            c = Integer.compare(devfn(), o.devfn());
        }
        return c;
    }

    /** Canonical lower case, {@code 0000:00:1c.0}. */
    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%d", domain, bus, device, function);
    }
}
