package dev.sva.translation.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A node's fault log: a bounded ring of the most recent fault records in one preallocated {@code long[]} (an SMMUv3
 * event queue that overwrites instead of stalling). A record takes 8 longs (64 bytes): sequence, address, device,
 * time, {@code pasid << 32 | info}; so appending one writes a single cache line (two if the array is not aligned).
 *
 * <p>Threading: many producers (translating threads) and readers. A producer reserves a run of record numbers with
 * one {@code getAndAdd} per batch, then claims each slot by CAS on the slot's sequence ({@code 2*n+1} while writing,
 * {@code 2*n+2} when record n is complete) and skips a slot that a newer record already claimed. Readers copy a slot
 * and keep it only if its sequence was {@code 2*n+2} before and after the copy.
 *
 * <p>Invariant: a record read back is exactly one that was written; under extreme overlap (more concurrent faults
 * than slots) a record may be dropped, never torn.
 */
final class FaultRing {

    private static final VarHandle SEQ = MethodHandles.arrayElementVarHandle(long[].class);
    private static final int STRIDE = 8;

    private final int mask;
    /** Records of {@link #STRIDE} longs: seq, address, device, time, pasid << 32 | (reason | vtd << 8 | access << 16). */
    private final long[] slots;
    private final AtomicLong cursor = new AtomicLong();

    FaultRing(int size) {
        if (size < 1 || size > 1 << 20) {
            throw new IllegalArgumentException("fault ring size out of range: " + size);
        }
        int cap = size == 1 ? 1 : Integer.highestOneBit(size - 1) << 1;
        mask = cap - 1;
        slots = new long[cap * STRIDE];
    }

    int capacity() {
        return mask + 1;
    }

    /** Reserves {@code n} consecutive record numbers and returns the first. */
    long reserve(int n) {
        return cursor.getAndAdd(n);
    }

    /** Writes record {@code n} (a number from {@link #reserve}). */
    void write(long n, FaultReason reason, int vtd, Access access, long addr, int pas, long dev, long timestamp) {
        long[] t = slots;
        int at = ((int) n & mask) * STRIDE;
        long writing = 2 * n + 1;
        long cur;
        do {
            cur = (long) SEQ.getVolatile(t, at);
            if (cur >= writing) {
                return; // a newer record owns the slot
            }
        } while (!SEQ.compareAndSet(t, at, cur, writing));
        t[at + 1] = addr;
        t[at + 2] = dev;
        t[at + 3] = timestamp;
        t[at + 4] = (long) pas << 32 | (reason.ordinal() | vtd << 8 | access.ordinal() << 16);
        SEQ.setRelease(t, at, writing + 1);
    }

    /** Newest first, at most {@code limit}, only of {@code device} unless it is 0. */
    List<FaultRecord> recent(long nodeId, long device, int limit) {
        List<FaultRecord> out = new ArrayList<>(Math.min(Math.max(limit, 0), 64));
        long end = cursor.get();
        long oldest = Math.max(0, end - capacity());
        long[] t = slots;
        for (long n = end - 1; n >= oldest && out.size() < limit; n--) {
            int at = ((int) n & mask) * STRIDE;
            long done = 2 * n + 2;
            if ((long) SEQ.getAcquire(t, at) != done) {
                continue;
            }
            long a = t[at + 1];
            long d = t[at + 2];
            long time = t[at + 3];
            long word = t[at + 4];
            VarHandle.acquireFence();
            if ((long) SEQ.getOpaque(t, at) != done || (device != 0 && d != device)) {
                continue;
            }
            int i = (int) word;
            FaultReason reason = FaultReason.of(i & 0xff);
            int vtd = (i >>> 8) & 0xff;
            out.add(new FaultRecord(reason, reason.smmuEvent(), reason.smmuCode(), vtd == 0 ? null : vtd, a,
                    (int) (word >> 32), Access.values()[(i >>> 16) & 1], d, nodeId, time));
        }
        return out;
    }
}
