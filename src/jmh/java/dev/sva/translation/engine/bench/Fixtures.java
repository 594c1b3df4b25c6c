package dev.sva.translation.engine.bench;

import java.util.SplittableRandom;

import dev.sva.translation.engine.Access;
import dev.sva.translation.engine.DmaBatch;
import dev.sva.translation.engine.TranslationEngine;

/** Builders shared by the engine benchmarks, and the bare reference structures their ratios are taken against. */
final class Fixtures {

    static final long NODE = 1;
    static final int BATCH = 1024;
    static final long GOLDEN = 0x9E3779B97F4A7C15L;
    static final int[] NO_BARS = {};
    static final long[] NO_LONGS = {};

    private Fixtures() {
    }

    static TranslationEngine engine(int iotlbEntries) {
        TranslationEngine e = new TranslationEngine(iotlbEntries, 4096);
        e.putNode(NODE, 20, 48, 48);
        return e;
    }

    /** Device {@code id} alone in group {@code 1000 + id}, attached to {@code container} when it is positive. */
    static void device(TranslationEngine e, long id, long container) {
        e.putDevice(NODE, id, 1000 + id, 20, true, NO_BARS, NO_LONGS, NO_LONGS);
        if (container > 0) {
            e.attachGroup(1000 + id, container);
        }
    }

    /**
     * A random request stream staged {@link #BATCH} requests at a time into one reused {@link DmaBatch} (and, for the
     * reference loops, the matching keys into one reused array), the way a REST batch is parsed into a hot batch
     * just before it is translated. Staging runs outside the timed region (JMH {@code Level.Invocation}).
     */
    static final class Stream {
        final long[] device;
        final int[] pasid;
        final long[] address;
        final long[] key;
        final Access access;
        final DmaBatch batch = new DmaBatch(BATCH);
        final long[] keys = new long[BATCH];
        private int cursor;

        Stream(int length, Access access) {
            device = new long[length];
            pasid = new int[length];
            address = new long[length];
            key = new long[length];
            this.access = access;
        }

        /** Stages the next {@link #BATCH} requests. */
        void next() {
            int base = cursor;
            cursor = (cursor + BATCH) % device.length;
            batch.clear();
            for (int i = 0; i < BATCH; i++) {
                batch.add(device[base + i], pasid[base + i], address[base + i], 8, access);
            }
            System.arraycopy(key, base, keys, 0, BATCH);
        }
    }

    static int mix(long key, int mask) {
        return (int) ((key * GOLDEN) >>> 40) & mask;
    }

    /** A bare long->long open-addressing table (linear probing, interleaved key/value, load <= 1/2). */
    static final class OpenAddressing {
        final long[] table;
        final int mask;

        OpenAddressing(int keys) {
            int cap = Integer.highestOneBit(Math.max(2, 2 * keys - 1)) << 1;
            table = new long[2 * cap];
            mask = cap - 1;
        }

        void put(long key, long value) {
            int i = mix(key, mask);
            while (table[2 * i] != 0 && table[2 * i] != key) {
                i = (i + 1) & mask;
            }
            table[2 * i] = key;
            table[2 * i + 1] = value;
        }

        long get(long key) {
            long[] t = table;
            int m = mask;
            for (int i = mix(key, m); ; i = (i + 1) & m) {
                long k = t[2 * i];
                if (k == key) {
                    return t[2 * i + 1];
                }
                if (k == 0) {
                    return -1;
                }
            }
        }
    }

    /**
     * A bare flat 4-level radix page table (ENGINE.md 4.1): one {@code long[]} pool of 512-entry tables, 9 bits per
     * level, a non-leaf entry = next table index << 12 | 1, a leaf = physical page | 1.
     */
    static final class Radix4 {
        long[] pool = new long[512 * 64];
        int tables = 1; // table 0 is the root

        void put(long vpn, long pa) {
            int t = 0;
            for (int level = 3; level >= 1; level--) {
                int idx = t * 512 + (int) ((vpn >>> (9 * level)) & 511);
                long e = pool[idx];
                if (e == 0) {
                    if ((tables + 1) * 512 > pool.length) {
                        pool = java.util.Arrays.copyOf(pool, pool.length * 2);
                    }
                    e = (long) tables++ << 12 | 1;
                    pool[idx] = e;
                }
                t = (int) (e >>> 12);
            }
            pool[t * 512 + (int) (vpn & 511)] = pa | 1;
        }

        long walk(long vpn) {
            long[] p = pool;
            long e = p[(int) ((vpn >>> 27) & 511)];
            if (e == 0) {
                return -1;
            }
            e = p[(int) (e >>> 12) * 512 + (int) ((vpn >>> 18) & 511)];
            if (e == 0) {
                return -1;
            }
            e = p[(int) (e >>> 12) * 512 + (int) ((vpn >>> 9) & 511)];
            if (e == 0) {
                return -1;
            }
            e = p[(int) (e >>> 12) * 512 + (int) (vpn & 511)];
            return e == 0 ? -1 : e & ~0xFFFL;
        }
    }

    static long[] shuffled(int n, SplittableRandom rnd) {
        long[] a = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            long t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
        return a;
    }
}
