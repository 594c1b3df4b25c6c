package dev.sva.translation.engine;

/**
 * One host's IOMMU: its widths, IOTLB, fault log and counters.
 *
 * <p>Threading: {@link #config} is written by the engine writer and read by translators (volatile, one word so the
 * widths change together). The IOTLB, ring and stats are thread-safe on their own.
 */
final class Node {

    final long id;
    /** {@code iovaBits | vaBits << 8 | pasidBits << 16}. */
    volatile int config;
    /** Null when the engine runs without IOTLB, and for the pseudo-node of unknown requesters. */
    final Iotlb iotlb;
    final FaultRing faults;
    final NodeStats stats = new NodeStats();

    Node(long id, int config, Iotlb iotlb, FaultRing faults) {
        this.id = id;
        this.config = config;
        this.iotlb = iotlb;
        this.faults = faults;
    }

    static int config(int pasidBits, int iovaBits, int vaBits) {
        return iovaBits | vaBits << 8 | pasidBits << 16;
    }

    static long widthMask(int bits) {
        return bits >= 64 ? -1L : (1L << bits) - 1;
    }
}
