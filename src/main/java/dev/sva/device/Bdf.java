package dev.sva.device;

import dev.sva.core.Problems;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A PCI address {@code DDDD:BB:DD.F} (domain, bus, device 0–1f, function 0–7), normalised to lower
 * case; the short form {@code BB:DD.F} means domain 0000.
 */
public record Bdf(int domain, int bus, int device, int function) {

    private static final Pattern FORM = Pattern.compile(
            "(?:([0-9a-fA-F]{4}):)?([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\\.([0-7])");

    public static Bdf parse(String value) {
        if (value == null) {
            throw Problems.invalid("bdf", "is required");
        }
        Matcher m = FORM.matcher(value.trim());
        if (!m.matches()) {
            throw Problems.invalid("bdf", "must be a PCI address DDDD:BB:DD.F, such as 0000:3b:00.0");
        }
        int dev = Integer.parseInt(m.group(3), 16);
        if (dev > 0x1f) {
            throw Problems.invalid("bdf", "device number must be at most 1f");
        }
        int domain = m.group(1) == null ? 0 : Integer.parseInt(m.group(1), 16);
        return new Bdf(domain, Integer.parseInt(m.group(2), 16), dev, Integer.parseInt(m.group(4)));
    }

    /** The 16-bit requester id a PCIe fabric routes by (bus, device, function). */
    public int requesterId() {
        return bus << 8 | device << 3 | function;
    }

    @Override
    public String toString() {
        return String.format("%04x:%02x:%02x.%d", domain, bus, device, function);
    }
}
