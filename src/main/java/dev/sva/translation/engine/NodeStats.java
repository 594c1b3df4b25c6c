package dev.sva.translation.engine;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counters of one node. Translators accumulate per batch in plain locals ({@link DmaBatch} scratch) and add them
 * here once per run of requests of the same node, so the hot path touches no shared counter.
 *
 * <p>Threading: {@link LongAdder}s, written by any translating thread, read by anyone.
 */
final class NodeStats {

    static final int TRANSLATIONS = 0;
    static final int HITS = 1;
    static final int MISSES = 2;
    static final int PEER = 3;
    static final int PR_SUCCESS = 4;
    static final int PR_INVALID = 5;
    static final int FAULT0 = 6;
    static final int COUNTERS = FAULT0 + FaultReason.values().length;

    private final LongAdder[] adders = new LongAdder[COUNTERS];

    NodeStats() {
        for (int i = 0; i < COUNTERS; i++) {
            adders[i] = new LongAdder();
        }
    }

    /** Adds and zeroes {@code acc[0..COUNTERS)}. */
    void drain(long[] acc) {
        for (int i = 0; i < COUNTERS; i++) {
            long v = acc[i];
            if (v != 0) {
                adders[i].add(v);
                acc[i] = 0;
            }
        }
    }

    void addTo(long[] sums) {
        for (int i = 0; i < COUNTERS; i++) {
            sums[i] += adders[i].sum();
        }
    }

    static Stats toStats(long[] sums) {
        Map<FaultReason, Long> faults = new EnumMap<>(FaultReason.class);
        for (FaultReason r : FaultReason.values()) {
            faults.put(r, sums[FAULT0 + r.ordinal()]);
        }
        return new Stats(sums[TRANSLATIONS], sums[HITS], sums[MISSES], java.util.Collections.unmodifiableMap(faults),
                sums[PR_SUCCESS], sums[PR_INVALID], sums[PEER]);
    }
}
