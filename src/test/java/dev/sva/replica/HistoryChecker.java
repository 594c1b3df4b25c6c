package dev.sva.replica;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A Jepsen-style checker of DMA answers against the writes of a history (issue 12, REPLICAS.md "What to prove").
 *
 * <p>The history is made of independent <em>slots</em>: one IOVA page of one container, written by one writer
 * only, one write at a time, so a slot's writes form a total order 1..n (state 0: nothing mapped). A write maps
 * the page to a physical address no other write of the history uses, or unmaps it; so a DMA answer names the
 * write whose state it shows — {@code TRANSLATED} to address {@code pa} is the state after the one map of
 * {@code pa}, a {@code FAULT} is the state after the initial state or any unmap.
 *
 * <p>A DMA answer is valid iff it is the state after some write {@code j} (0 for the initial state) with
 * {@code j >= a} — {@code a} the last write acknowledged before the DMA was sent — and {@code j} was invoked
 * before the answer was received. So an answer older than an acknowledged write (a translation through an unmap
 * another replica had acknowledged, a map acknowledged elsewhere not seen yet) is a violation, and so is an
 * answer naming a write not yet sent. A write whose outcome is unknown (a timeout, a 5xx) is never acknowledged:
 * both the state before and after it stay valid for ever, and its writer retires the slot (writes no more on it).
 * A write that was certainly not applied (refused connection, {@code 503 BUSY}, {@code outcome: NOT_APPLIED}) is
 * taken out of the history. A read without an answer (a fenced replica's {@code 503}, a timeout) checks nothing
 * and is counted by reason.
 *
 * <p>Times are nanoseconds of one monotonic clock ({@link System#nanoTime} of the test JVM), shown relative to the
 * origin the checker is made with. Thread safe.
 */
final class HistoryChecker {

    enum Kind { MAP, UNMAP }

    /** One write of a slot: its index in the slot's order (1..n), what it wrote, when it was sent and acknowledged. */
    static final class Write {
        final int slot;
        final int index;
        final Kind kind;
        final long physicalAddress;
        final long invoked;
        volatile long acknowledged = Long.MAX_VALUE; // never, until acknowledged
        volatile boolean unknown;
        volatile String replica;

        private Write(int slot, int index, Kind kind, long physicalAddress, long invoked) {
            this.slot = slot;
            this.index = index;
            this.kind = kind;
            this.physicalAddress = physicalAddress;
            this.invoked = invoked;
        }

        @Override
        public String toString() {
            return "write " + index + " of slot " + slot + " (" + (kind == Kind.MAP ? "map to 0x" + Long.toHexString(physicalAddress)
                    : "unmap") + " on " + replica + ", sent at " + ms(invoked) + (unknown ? ", outcome unknown"
                    : acknowledged == Long.MAX_VALUE ? ", not acknowledged" : ", acknowledged at " + ms(acknowledged)) + ")";
        }
    }

    /** A DMA answer: {@code physicalAddress} when translated, {@code null} for a fault. */
    record Read(int slot, String replica, long sent, long received, Long physicalAddress) {
        @Override
        public String toString() {
            return "DMA of slot " + slot + " on " + replica + ", sent at " + ms(sent) + ", answered at " + ms(received) + ": "
                    + (physicalAddress == null ? "FAULT" : "TRANSLATED to 0x" + Long.toHexString(physicalAddress));
        }
    }

    /** What the check found. */
    record Result(int slots, long writes, long acknowledged, long unknown, long notApplied, long reads,
                  Map<String, Long> noAnswer, List<String> violations) {
        /** Every operation sent, whether it entered the history or not. */
        long operations() {
            return writes + notApplied + reads + noAnswer.values().stream().mapToLong(Long::longValue).sum();
        }

        String summary() {
            return String.format("%d operations in the history over %d slots: %d writes (%d acknowledged, %d outcome unknown) and "
                    + "%d DMA answers checked; besides, %d writes not applied and DMAs without an answer %s; %d violations",
                    writes + reads, slots, writes, acknowledged, unknown, reads, notApplied, noAnswer, violations.size());
        }
    }

    private final List<List<Write>> slots = new ArrayList<>();
    private final List<Read> reads = new ArrayList<>();
    private final Map<String, Long> noAnswer = new TreeMap<>();
    private long notApplied;
    private final long origin;

    /** Times given to this checker are read relative to {@code origin} (in messages). */
    HistoryChecker(long origin) {
        this.origin = origin;
    }

    /** A new slot; its id. */
    synchronized int newSlot() {
        slots.add(new ArrayList<>());
        return slots.size() - 1;
    }

    synchronized int slotCount() {
        return slots.size();
    }

    /** The slot's next write, sent to {@code replica} at {@code invoked}; the previous one must be acknowledged (one writer per slot). */
    synchronized Write invoke(int slot, Kind kind, long physicalAddress, String replica, long invoked) {
        List<Write> writes = slots.get(slot);
        if (!writes.isEmpty()) {
            Write last = writes.get(writes.size() - 1);
            if (last.unknown || last.acknowledged == Long.MAX_VALUE) {
                throw new IllegalStateException("slot " + slot + ": " + last + " is still open or retired the slot");
            }
        }
        Write w = new Write(slot, writes.size() + 1, kind, physicalAddress, invoked - origin);
        w.replica = replica;
        writes.add(w);
        return w;
    }

    synchronized void acknowledged(Write w, long at) {
        w.acknowledged = at - origin;
    }

    /** The write's outcome will never be known: its slot is retired. */
    synchronized void unknown(Write w) {
        w.unknown = true;
    }

    /** The write certainly did not happen: it leaves the history (it must be its slot's last). */
    synchronized void notApplied(Write w) {
        List<Write> writes = slots.get(w.slot);
        if (writes.get(writes.size() - 1) != w) {
            throw new IllegalStateException(w + " is not its slot's last write");
        }
        writes.remove(writes.size() - 1);
        notApplied++;
    }

    /** The state the slot's writes leave: whether it is retired, and its mapped address if the last write mapped. */
    synchronized boolean retired(int slot) {
        List<Write> writes = slots.get(slot);
        return !writes.isEmpty() && writes.get(writes.size() - 1).unknown;
    }

    /** The physical address the slot is mapped to after its last write ({@code null}: unmapped). */
    synchronized Long mappedTo(int slot) {
        List<Write> writes = slots.get(slot);
        Write last = writes.isEmpty() ? null : writes.get(writes.size() - 1);
        return last == null || last.kind == Kind.UNMAP ? null : last.physicalAddress;
    }

    /** Writes acknowledged between the two times (of the clock given to {@link #invoke}). */
    synchronized long acknowledgedBetween(long from, long to) {
        long n = 0;
        for (List<Write> slot : slots) {
            for (Write w : slot) {
                if (w.acknowledged != Long.MAX_VALUE && w.acknowledged >= from - origin && w.acknowledged < to - origin) {
                    n++;
                }
            }
        }
        return n;
    }

    synchronized void read(int slot, String replica, long sent, long received, Long physicalAddress) {
        reads.add(new Read(slot, replica, sent - origin, received - origin, physicalAddress));
    }

    /** A DMA that got no answer to check (a fenced replica's 503, a timeout, a refused connection), by reason. */
    synchronized void noAnswer(String reason) {
        noAnswer.merge(reason, 1L, Long::sum);
    }

    synchronized Result check() {
        List<String> violations = new ArrayList<>();
        for (Read r : reads) {
            String v = violation(r);
            if (v != null) {
                violations.add(v);
            }
        }
        long writes = 0;
        long acknowledged = 0;
        long unknown = 0;
        for (List<Write> slot : slots) {
            for (Write w : slot) {
                writes++;
                if (w.unknown) {
                    unknown++;
                } else if (w.acknowledged != Long.MAX_VALUE) {
                    acknowledged++;
                }
            }
        }
        return new Result(slots.size(), writes, acknowledged, unknown, notApplied, reads.size(), new TreeMap<>(noAnswer),
                violations);
    }

    /** Why the answer is not explainable, or {@code null} when it is. */
    private String violation(Read r) {
        List<Write> writes = slots.get(r.slot());
        int lastAcknowledged = 0;
        for (Write w : writes) {
            if (w.acknowledged < r.sent()) {
                lastAcknowledged = w.index;
            }
        }
        for (int j = lastAcknowledged; j <= writes.size(); j++) {
            if (j > 0 && writes.get(j - 1).invoked >= r.received()) {
                break; // this write and every later one were sent after the answer came
            }
            if (shows(writes, j, r.physicalAddress())) {
                return null;
            }
        }
        StringBuilder why = new StringBuilder().append(r).append(": ");
        Write shown = null;
        for (int j = 0; j <= writes.size(); j++) {
            if (r.physicalAddress() != null && shows(writes, j, r.physicalAddress())) {
                shown = j == 0 ? null : writes.get(j - 1);
            }
        }
        if (lastAcknowledged > 0) {
            why.append("stale: ").append(writes.get(lastAcknowledged - 1)).append(" was acknowledged before it was sent");
        } else {
            why.append("no write explains it");
        }
        if (r.physicalAddress() != null) {
            why.append(shown == null ? "; the address names no write of the slot" : "; the answer shows " + shown);
        } else {
            why.append("; a fault shows the initial state or an unmap");
        }
        return why.toString();
    }

    private static boolean shows(List<Write> writes, int j, Long physicalAddress) {
        if (j == 0) {
            return physicalAddress == null;
        }
        Write w = writes.get(j - 1);
        return w.kind == Kind.UNMAP ? physicalAddress == null : physicalAddress != null && physicalAddress == w.physicalAddress;
    }

    private static String ms(long nanos) {
        return String.format("%.3f s", nanos / 1e9);
    }
}
