package dev.sva.translation.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A node's IOTLB: a bounded 4-way set-associative cache of page translations, keyed by
 * {@code tag (24 bits) << 40 | vpn (40 bits)} where the tag names one translation space (a container or an address
 * space) in one of its generations (see {@link Space#tagged}). Values are {@code page physical address | READ | WRITE}.
 * Only successful page translations are cached; faults and not-present pages never are.
 *
 * <p>Layout: {@code kv} holds 8 longs per set (4 key/value pairs) from index {@link #BASE}; {@code seq} holds one
 * sequence number per set. Array data starts 16 bytes into the object and G1 starts large (humongous) arrays on a
 * region boundary, so the 6-long offset puts every set on one 64-byte cache line instead of straddling two; if the
 * JVM places the array otherwise, sets straddle as before and nothing else changes.
 *
 * <p>Each key has a <em>preferred way</em> (two more bits of its hash). A fill takes the preferred way if it is free,
 * else any free way, else evicts the preferred way (never more than that one entry: the table is never flushed to make
 * room). A lookup probes the preferred way first and the four ways only when that fails, so the common hit costs what a
 * first-probe hit of open addressing costs: one key load and one value load at addresses known in advance.
 *
 * <p>Threading: lookups take no lock; fills and invalidations take a per-set sequence lock.
 * <ul>
 *   <li>Lookups (any thread): read a way's key, then its value, then the key again; the hit counts only if the key
 *       was the wanted one both times. Writers hide a way (key 0) before they change its value, so a lookup never
 *       pairs a key with another key's value. A hit touches one cache line.</li>
 *   <li>Fills (any translating thread): pass the set's sequence read <em>before</em> the walk
 *       ({@link #stamp}); the fill claims the set only by CAS from that value, so a fill whose walk may predate an
 *       invalidation of this set is dropped. Inside the claim it re-checks that the space still carries the tag it
 *       walked under.</li>
 *   <li>Invalidations (the engine writer, after publishing the new mapping state): claim the set (spinning on
 *       fills, which never block), clear matching keys, release. The claim alone also defeats fills in flight.</li>
 * </ul>
 * Invariant: once {@link #invalidate} returns, no later lookup returns the invalidated key, and no fill that walked a
 * state older than the invalidation can install it again.
 */
final class Iotlb {

    static final int WAYS = 4;
    static final long MISS = -1L;
    /** Addresses with a vpn at or above this (>= 2^52) are never cached: the key has 40 bits of vpn. */
    static final long VPN_LIMIT = 1L << 40;
    static final int TAG_SHIFT = 40;
    /** First index of set 0 in {@code kv}: (16 + 8 * 6) % 64 == 0. */
    private static final int BASE = 6;

    private static final VarHandle SEQ = MethodHandles.arrayElementVarHandle(int[].class);
    private static final VarHandle KV = MethodHandles.arrayElementVarHandle(long[].class);
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;

    private final long[] kv;
    private final int[] seq;
    private final int setMask;
    private final int capacity;

    /** @param entries requested capacity, rounded up to a power of two of at least {@value #WAYS} */
    Iotlb(int entries) {
        if (entries < 1 || entries > 1 << 28) {
            throw new IllegalArgumentException("IOTLB entries out of range: " + entries);
        }
        int cap = Math.max(WAYS, entries == 1 ? 1 : Integer.highestOneBit(entries - 1) << 1);
        int sets = cap / WAYS;
        this.capacity = cap;
        this.setMask = sets - 1;
        this.kv = new long[BASE + sets * 2 * WAYS];
        this.seq = new int[sets];
    }

    int capacity() {
        return capacity;
    }

    static long key(int tag, long vpn) {
        return ((long) tag << TAG_SHIFT) | vpn;
    }

    int set(long key) {
        return (int) ((key * GOLDEN) >>> 40) & setMask;
    }

    /** The set's sequence; read it after a missed lookup and before the walk whose result may be filled. */
    int stamp(int set) {
        return (int) SEQ.getAcquire(seq, set);
    }

    /**
     * The cached value for {@code key}, or {@link #MISS}. Lock-free; one cache line. The key's preferred way is
     * probed first; the other ways are compared without branches, because which of them holds the key is random and
     * a mispredicted branch on a loaded key would discard the cache misses that the core had already started for the
     * requests after this one.
     */
    long lookup(long key) {
        long[] t = kv;
        long h = key * GOLDEN;
        int b = BASE + (((int) (h >>> 40) & setMask) << 3);
        int w = b + ((int) (h >>> 37) & 6);
        if (t[w] != key) {
            int match = (t[b] == key ? 1 : 0) | (t[b + 2] == key ? 2 : 0) | (t[b + 4] == key ? 4 : 0)
                    | (t[b + 6] == key ? 8 : 0);
            if (match == 0) {
                return MISS;
            }
            w = b + 2 * Integer.numberOfTrailingZeros(match);
        }
        VarHandle.acquireFence();
        long v = t[w + 1];
        VarHandle.loadLoadFence();
        return (long) KV.getOpaque(t, w) == key ? v : MISS;
    }

    /**
     * Installs {@code key -> value} unless the set changed since {@code stamp} was read or {@code space} no longer
     * carries {@code tagged}. Never blocks.
     */
    void fill(int set, long key, long value, int stamp, Space space, long tagged) {
        if ((stamp & 1) != 0 || !SEQ.compareAndSet(seq, set, stamp, stamp + 1)) {
            return;
        }
        if (space.tagged == tagged) {
            long[] t = kv;
            int b = BASE + (set << 3);
            int p = b + ((int) ((key * GOLDEN) >>> 37) & 6);
            int w = -1;
            int free = -1;
            for (int k = b; k < b + 2 * WAYS; k += 2) {
                if (t[k] == key) {
                    w = k;
                } else if (t[k] == 0 && (free < 0 || k == p)) {
                    free = k;
                }
            }
            if (w < 0) {
                w = free >= 0 ? free : p; // the preferred way if free, else any free way, else evict the preferred
            }
            KV.setOpaque(t, w, 0L); // hide the way while its value changes
            VarHandle.storeStoreFence();
            t[w + 1] = value;
            KV.setRelease(t, w, key);
        }
        SEQ.setRelease(seq, set, stamp + 2);
    }

    /**
     * Loads the line of {@code key}'s set and returns a word of it: a software prefetch, so that a batch can start
     * the cache misses of many requests before it needs their results.
     */
    long touch(long key) {
        return kv[BASE + (set(key) << 3)];
    }

    /** Removes {@code key}; see the class invariant. Writer only. */
    void invalidate(long key) {
        int set = set(key);
        int s = claim(set);
        int b = BASE + (set << 3);
        for (int w = 0; w < WAYS; w++) {
            if (kv[b + 2 * w] == key) {
                KV.setRelease(kv, b + 2 * w, 0L);
            }
        }
        SEQ.setRelease(seq, set, s + 2);
    }

    /** Empties every set. O(capacity): used only when tags wrap (once per 2^24 tag allocations). Writer only. */
    void invalidateAll() {
        for (int set = 0; set <= setMask; set++) {
            int s = claim(set);
            int b = BASE + (set << 3);
            for (int w = 0; w < WAYS; w++) {
                KV.setRelease(kv, b + 2 * w, 0L);
            }
            SEQ.setRelease(seq, set, s + 2);
        }
    }

    /** Number of occupied ways; O(capacity), for tests. */
    int occupancy() {
        int n = 0;
        for (int i = BASE; i < kv.length; i += 2) {
            if (kv[i] != 0) {
                n++;
            }
        }
        return n;
    }

    private int claim(int set) {
        for (int spins = 0; ; spins++) {
            int s = (int) SEQ.getVolatile(seq, set);
            if ((s & 1) == 0 && SEQ.compareAndSet(seq, set, s, s + 1)) {
                return s;
            }
            if (spins < 64) {
                Thread.onSpinWait();
            } else {
                Thread.yield();
            }
        }
    }
}
