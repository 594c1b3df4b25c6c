package dev.sva.topology.fabric;

/**
 * A memory BAR of a function: {@code base} and {@code size} are unsigned 64-bit; a BAR covers
 * {@code [base, base + size)}.
 */
public record Bar(int index, long base, long size) {
    public Bar {
        if (index < 0 || index > 6) {
            throw new IllegalArgumentException("BAR index " + index + " is outside 0..6");
        }
        if (size == 0) {
            throw new IllegalArgumentException("BAR " + index + " has size 0");
        }
        if (Long.compareUnsigned(base + size - 1, base) < 0) {
            throw new IllegalArgumentException("BAR " + index + " wraps past 2^64");
        }
    }

    /** Last address covered, inclusive. */
    public long last() {
        return base + size - 1;
    }

    public boolean contains(long address) {
        return Long.compareUnsigned(address, base) >= 0 && Long.compareUnsigned(address, last()) <= 0;
    }
}
