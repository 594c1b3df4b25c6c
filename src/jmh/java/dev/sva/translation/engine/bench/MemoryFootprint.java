package dev.sva.translation.engine.bench;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.SplittableRandom;

import dev.sva.translation.engine.Access;
import dev.sva.translation.engine.DmaResult;
import dev.sva.translation.engine.Outcome;
import dev.sva.translation.engine.TranslationEngine;

/**
 * Issue item 4: heap held by the engine per DMA mapping and per bond at one million of each (live heap after full
 * GCs, before and after loading), and how long loading takes (the start-up rebuild replays the same commands).
 *
 * <pre>java -Xmx6g -cp target/benchmarks.jar dev.sva.translation.engine.bench.MemoryFootprint</pre>
 */
public final class MemoryFootprint {

    private static final long BASE = 0x1000_0000L;
    private static final int MILLION = 1_000_000;
    private static final int PER_CONTAINER = 62_500;
    /** Keeps what is measured reachable. */
    private static Object keep;

    private MemoryFootprint() {
    }

    public static void main(String[] args) {
        System.out.printf(Locale.ROOT, "%-58s %14s %10s %12s%n", "case", "bytes", "per item", "load");
        mappings(false);
        mappings(true);
        bondsDense();
        bondsEachToItsOwnAddressSpace();
        hugeMapping();
    }

    /** 1e6 single-page mappings in 16 containers of 62,500, replayed in address order or in random order. */
    private static void mappings(boolean random) {
        long before = usedAfterGc();
        long t0 = System.nanoTime();
        TranslationEngine e = Fixtures.engine(4096);
        SplittableRandom rnd = new SplittableRandom(1);
        long[] order = random ? Fixtures.shuffled(PER_CONTAINER, rnd) : null;
        for (int c = 0; c < MILLION / PER_CONTAINER; c++) {
            Fixtures.device(e, c + 1, 200 + c);
            for (int k = 0; k < PER_CONTAINER; k++) {
                long slot = random ? order[k] : k;
                e.map(200 + c, BASE + 8192 * slot, 4096, (1L << 40) + 4096L * rnd.nextInt(1 << 26), true, true);
            }
        }
        long load = System.nanoTime() - t0;
        keep = e;
        check(e.translate(1, -1, BASE + 8192, 8, Access.READ));
        report("1e6 mappings, 16 containers, " + (random ? "random order" : "address order"),
                usedAfterGc() - before, MILLION, load);
        keep = null;
    }

    /** 1,000 devices each bound to the same 1,000 address spaces: PASIDs 1..1000, dense as rule 8 allocates them. */
    private static void bondsDense() {
        TranslationEngine e = Fixtures.engine(4096);
        int devices = 1000;
        int spaces = 1000;
        for (int d = 1; d <= devices; d++) {
            Fixtures.device(e, d, 0);
        }
        for (int s = 1; s <= spaces; s++) {
            e.putAddressSpace(Fixtures.NODE, s);
            e.mapRegion(s, BASE, 4096, 1L << 40, true, true, true);
        }
        keep = e;
        long before = usedAfterGc();
        long t0 = System.nanoTime();
        for (int d = 1; d <= devices; d++) {
            for (int s = 1; s <= spaces; s++) {
                e.bind(d, s, s, false);
            }
        }
        long load = System.nanoTime() - t0;
        check(e.translate(7, 9, BASE, 8, Access.READ));
        report("1e6 bonds: 1,000 devices x 1,000 address spaces", usedAfterGc() - before, MILLION, load);
        keep = null;
    }

    /** 16 devices with 62,500 bonds each, every bond to its own address space (1e6 processes with one region). */
    private static void bondsEachToItsOwnAddressSpace() {
        TranslationEngine e = Fixtures.engine(4096);
        long before = usedAfterGc();
        for (int d = 1; d <= 16; d++) {
            Fixtures.device(e, d, 0);
        }
        long t0 = System.nanoTime();
        for (int b = 0; b < MILLION; b++) {
            e.putAddressSpace(Fixtures.NODE, 1 + b);
            e.mapRegion(1 + b, BASE, 4096, 1L << 40, true, true, true);
        }
        long loadSpaces = System.nanoTime() - t0;
        keep = e;
        long spaces = usedAfterGc();
        report("1e6 address spaces with one region each", spaces - before, MILLION, loadSpaces);
        t0 = System.nanoTime();
        for (int b = 0; b < MILLION; b++) {
            e.bind(1 + b % 16, 1 + b / 16, 1 + b, false);
        }
        long load = System.nanoTime() - t0;
        check(e.translate(3, 100, BASE, 8, Access.READ));
        report("1e6 bonds: 16 devices x 62,500, one address space each", usedAfterGc() - spaces, MILLION, load);
        keep = null;
    }

    private static void hugeMapping() {
        TranslationEngine e = Fixtures.engine(4096);
        Fixtures.device(e, 1, 200);
        keep = e;
        long before = usedAfterGc();
        long t0 = System.nanoTime();
        e.map(200, 1L << 46, 1L << 46, (1L << 40) + 4096, true, true); // 2^46 bytes, physical only 4K-aligned
        long load = System.nanoTime() - t0;
        check(e.translate(1, -1, (1L << 47) - 4096, 8, Access.READ));
        report("one mapping of 2^46 bytes (2^34 pages)", usedAfterGc() - before, 1, load);
        keep = null;
    }

    private static void check(DmaResult r) {
        if (r.outcome() != Outcome.TRANSLATED) {
            throw new IllegalStateException("fixture does not translate: " + r);
        }
    }

    private static void report(String what, long bytes, int items, long nanos) {
        System.out.printf(Locale.ROOT, "%-58s %,14d %10.1f %10.2f s%n", what, bytes, (double) bytes / items,
                nanos / 1e9);
    }

    private static long usedAfterGc() {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 4; i++) {
            System.gc();
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
