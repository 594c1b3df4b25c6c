package dev.sva.translation.engine;

import java.util.Arrays;

/**
 * A persistent (copy-on-write) B+tree of disjoint inclusive address intervals {@code [start, last]}, each with a
 * 64-bit payload: a page-aligned physical address in the upper 52 bits and {@link #READ}/{@link #WRITE}/
 * {@link #PRESENT} in the low 12. One entry per DMA mapping or VMA fragment, so memory is O(intervals) whatever their
 * size (a single 2^47-byte mapping is one entry); lookups are O(log intervals) with a fan-out of 32.
 *
 * <p>Layout, chosen so a node is one or two objects: a <em>leaf</em> is a {@code long[3n]} holding n starts, n lasts
 * and n payloads, each block ascending by start; an <em>inner node</em> is an {@code Object[n+1]} whose element 0 is
 * a {@code long[n]} of keys and elements 1..n its children. Addresses are unsigned; the tree stores them with the sign
 * bit flipped ({@code x ^ Long.MIN_VALUE}) so that signed comparisons order them.
 *
 * <p>Invariants: every node is immutable once reachable; {@code keys[i]} is exactly the smallest start in child i
 * (so an interval of child i-1 always ends before {@code keys[i]}, which is what makes a single root-to-leaf descent
 * exact); all leaves are at the same depth; a non-root leaf holds 1..{@value #LEAF_MAX} entries and a non-root inner
 * node 1..{@value #INNER_MAX} children, merged with a sibling when they fall below a quarter.
 *
 * <p>Threading: the static writer methods return a new root and never modify a reachable node, so any number of
 * readers may search a root they loaded while one writer (the caller serialises writers) builds the next one. The
 * owner publishes the root with a release store; readers load it with acquire.
 */
final class IntervalTree {

    static final long READ = 1;
    static final long WRITE = 2;
    static final long PRESENT = 4;
    static final long FLAGS = 0xFFFL;
    static final long PAGE_MASK = ~0xFFFL;
    /** Result of {@link #lookupPage} when no interval contains the address. Never a valid page|flags value. */
    static final long NOT_MAPPED = -1L;

    static final int LEAF_MAX = 32;
    static final int INNER_MAX = 32;
    private static final int LEAF_MIN = LEAF_MAX / 4;
    private static final int INNER_MIN = INNER_MAX / 4;

    /** The empty tree. */
    static final Object EMPTY = new long[0];

    private static final long FLIP = Long.MIN_VALUE;

    private IntervalTree() {
    }

    // ------------------------------------------------------------------ readers (lock-free, allocation-free)

    /** Descends to the only leaf that can hold the interval containing flipped address {@code fx}. */
    static long[] leafFor(Object node, long fx) {
        while (node instanceof Object[]) {
            Object[] inner = (Object[]) node;
            node = inner[1 + childIndex((long[]) inner[0], fx)];
        }
        return (long[]) node;
    }

    /** The index in {@code leaf} of the interval containing flipped address {@code fx}, or -1 when none does. */
    static int holding(long[] leaf, long fx) {
        int n = leaf.length / 3;
        int i = floor(leaf, n, fx);
        return i < 0 || fx > leaf[n + i] ? -1 : i;
    }

    /** Largest i in [1, n) with keys[i] <= fx, else 0 (keys[0] is treated as minus infinity). Branch-free. */
    static int childIndex(long[] keys, long fx) {
        int base = 0;
        int len = keys.length;
        while (len > 1) {
            int half = len >>> 1;
            base = keys[base + half] <= fx ? base + half : base;
            len -= half;
        }
        return base;
    }

    /** Largest i in [0, n) with leaf start[i] <= fx, or -1. */
    static int floor(long[] leaf, int n, long fx) {
        if (n == 0) {
            return -1;
        }
        int base = 0;
        int len = n;
        while (len > 1) {
            int half = len >>> 1;
            base = leaf[base + half] <= fx ? base + half : base;
            len -= half;
        }
        return leaf[base] <= fx ? base : -1;
    }

    /**
     * Translates the page holding {@code x}: returns the physical address of that page ORed with the interval's flags,
     * or {@link #NOT_MAPPED}.
     */
    static long lookupPage(Object root, long x) {
        long fx = x ^ FLIP;
        long[] leaf = leafFor(root, fx);
        int i = holding(leaf, fx);
        if (i < 0) {
            return NOT_MAPPED;
        }
        long p = leaf[2 * (leaf.length / 3) + i];
        long start = leaf[i] ^ FLIP;
        return ((p & PAGE_MASK) + ((x - start) & PAGE_MASK)) | (p & FLAGS);
    }

    /**
     * Finds the interval containing {@code x} and stores it in {@code out}; returns false (leaving {@code out}
     * untouched) when there is none.
     */
    static boolean find(Object root, long x, Cursor out) {
        long fx = x ^ FLIP;
        long[] leaf = leafFor(root, fx);
        int i = holding(leaf, fx);
        if (i < 0) {
            return false;
        }
        int n = leaf.length / 3;
        out.start = leaf[i] ^ FLIP;
        out.last = leaf[n + i] ^ FLIP;
        out.payload = leaf[2 * n + i];
        return true;
    }

    /** A reusable holder for one interval found by {@link #find}. Owned by one thread. */
    static final class Cursor {
        long start;
        long last;
        long payload;
    }

    /** Number of intervals; O(n), for tests and diagnostics. */
    static int count(Object node) {
        if (node instanceof long[]) {
            return ((long[]) node).length / 3;
        }
        Object[] inner = (Object[]) node;
        int sum = 0;
        for (int i = 1; i < inner.length; i++) {
            sum += count(inner[i]);
        }
        return sum;
    }

    /** Depth of the tree (1 for a single leaf); for tests and diagnostics. */
    static int depth(Object node) {
        int d = 1;
        while (node instanceof Object[]) {
            node = ((Object[]) node)[1];
            d++;
        }
        return d;
    }

    // ------------------------------------------------------------------ writers (one at a time, allocate freely)

    /**
     * Returns a tree that also holds {@code [start, last] -> payload}.
     *
     * @throws IllegalArgumentException if {@code last < start} (unsigned) or the interval overlaps one already held
     */
    static Object insert(Object root, long start, long last, long payload) {
        long fs = start ^ FLIP;
        long fl = last ^ FLIP;
        if (fl < fs) {
            throw new IllegalArgumentException("interval ends before it starts");
        }
        // The interval with the largest start <= last is the only one that can overlap (the others end before it).
        long[] leaf = leafFor(root, fl);
        int n = leaf.length / 3;
        int i = floor(leaf, n, fl);
        if (i >= 0 && leaf[n + i] >= fs) {
            throw new IllegalArgumentException(String.format("[0x%x, 0x%x] overlaps [0x%x, 0x%x]", start, last,
                    leaf[i] ^ FLIP, leaf[n + i] ^ FLIP));
        }
        Object r = insertFlipped(root, fs, fl, payload);
        if (r instanceof Split) {
            Split s = (Split) r;
            return inner(new long[] {minKey(s.left), minKey(s.right)}, new Object[] {null, s.left, s.right});
        }
        return r;
    }

    private record Split(Object left, Object right) {
    }

    private static Object insertFlipped(Object node, long fs, long fl, long payload) {
        if (node instanceof long[]) {
            long[] leaf = (long[]) node;
            int n = leaf.length / 3;
            int pos = floor(leaf, n, fs) + 1;
            long[] grown = new long[3 * (n + 1)];
            for (int b = 0; b < 3; b++) {
                System.arraycopy(leaf, b * n, grown, b * (n + 1), pos);
                System.arraycopy(leaf, b * n + pos, grown, b * (n + 1) + pos + 1, n - pos);
            }
            grown[pos] = fs;
            grown[n + 1 + pos] = fl;
            grown[2 * (n + 1) + pos] = payload;
            if (n < LEAF_MAX) {
                return grown;
            }
            // Appending at the end of a full leaf (the rebuild replays mappings in address order) leaves it full.
            int left = pos == n ? n : (n + 1) / 2;
            return new Split(leafSlice(grown, 0, left), leafSlice(grown, left, n + 1));
        }
        Object[] in = (Object[]) node;
        long[] keys = (long[]) in[0];
        int n = keys.length;
        int ci = childIndex(keys, fs);
        Object child = insertFlipped(in[1 + ci], fs, fl, payload);
        if (!(child instanceof Split)) {
            return withChild(in, ci, child);
        }
        Split s = (Split) child;
        long[] nk = new long[n + 1];
        Object[] nc = new Object[n + 2];
        System.arraycopy(keys, 0, nk, 0, ci);
        System.arraycopy(in, 1, nc, 1, ci);
        nk[ci] = minKey(s.left);
        nc[1 + ci] = s.left;
        nk[ci + 1] = minKey(s.right);
        nc[2 + ci] = s.right;
        System.arraycopy(keys, ci + 1, nk, ci + 2, n - ci - 1);
        System.arraycopy(in, ci + 2, nc, ci + 3, n - ci - 1);
        nc[0] = nk;
        if (n + 1 <= INNER_MAX) {
            return nc;
        }
        int left = ci + 1 == n ? n : (n + 1) / 2;
        return new Split(innerSlice(nc, 0, left), innerSlice(nc, left, n + 1));
    }

    /**
     * Returns a tree without the interval starting exactly at {@code start}.
     *
     * @throws IllegalStateException if no interval starts there
     */
    static Object remove(Object root, long start) {
        Object r = removeFlipped(root, start ^ FLIP);
        while (r instanceof Object[] && ((Object[]) r).length == 2) {
            r = ((Object[]) r)[1];
        }
        return r;
    }

    private static Object removeFlipped(Object node, long fs) {
        if (node instanceof long[]) {
            long[] leaf = (long[]) node;
            int n = leaf.length / 3;
            int i = floor(leaf, n, fs);
            if (i < 0 || leaf[i] != fs) {
                throw new IllegalStateException(String.format("no interval starts at 0x%x", fs ^ FLIP));
            }
            long[] shrunk = new long[3 * (n - 1)];
            for (int b = 0; b < 3; b++) {
                System.arraycopy(leaf, b * n, shrunk, b * (n - 1), i);
                System.arraycopy(leaf, b * n + i + 1, shrunk, b * (n - 1) + i, n - i - 1);
            }
            return shrunk;
        }
        Object[] in = (Object[]) node;
        long[] keys = (long[]) in[0];
        int n = keys.length;
        int ci = childIndex(keys, fs);
        Object child = removeFlipped(in[1 + ci], fs);
        int size = size(child);
        if (size == 0) {
            if (n == 1) {
                return EMPTY;
            }
            return withoutChildren(in, ci, 1, null);
        }
        boolean leaf = child instanceof long[];
        if (n == 1 || size >= (leaf ? LEAF_MIN : INNER_MIN)) {
            return withChild(in, ci, child);
        }
        // Underfull: merge with a sibling, or share evenly when both together would overflow.
        int li = ci > 0 ? ci - 1 : ci;
        Object l = li == ci ? child : in[1 + li];
        Object r = li == ci ? in[2 + ci] : child;
        Object merged = leaf ? leafConcat((long[]) l, (long[]) r) : innerConcat((Object[]) l, (Object[]) r);
        int total = size(merged);
        if (total <= (leaf ? LEAF_MAX : INNER_MAX)) {
            return withoutChildren(in, li, 2, merged);
        }
        int half = total / 2;
        Object a = leaf ? leafSlice((long[]) merged, 0, half) : innerSlice((Object[]) merged, 0, half);
        Object b = leaf ? leafSlice((long[]) merged, half, total) : innerSlice((Object[]) merged, half, total);
        Object[] out = withChild(in, li, a);
        out[2 + li] = b;
        ((long[]) out[0])[li + 1] = minKey(b);
        return out;
    }

    /**
     * Appends to {@code out}, in ascending order, every interval that overlaps {@code [lo, hi]} (unsigned, inclusive).
     */
    static void collect(Object root, long lo, long hi, Entries out) {
        long flo = lo ^ FLIP;
        long fhi = hi ^ FLIP;
        long[] leaf = leafFor(root, flo);
        int n = leaf.length / 3;
        int i = floor(leaf, n, flo);
        if (i >= 0 && leaf[i] < flo && leaf[n + i] >= flo) {
            out.add(leaf[i] ^ FLIP, leaf[n + i] ^ FLIP, leaf[2 * n + i]);
        }
        scan(root, flo, fhi, out);
    }

    /** Appends every interval whose start lies in [flo, fhi] (flipped). */
    private static void scan(Object node, long flo, long fhi, Entries out) {
        if (node instanceof long[]) {
            long[] leaf = (long[]) node;
            int n = leaf.length / 3;
            int first = flo == Long.MIN_VALUE ? 0 : floor(leaf, n, flo - 1) + 1;
            for (int i = first; i < n && leaf[i] <= fhi; i++) {
                out.add(leaf[i] ^ FLIP, leaf[n + i] ^ FLIP, leaf[2 * n + i]);
            }
            return;
        }
        Object[] in = (Object[]) node;
        long[] keys = (long[]) in[0];
        int a = childIndex(keys, flo);
        int b = childIndex(keys, fhi);
        for (int c = a; c <= b; c++) {
            scan(in[1 + c], flo, fhi, out);
        }
    }

    /** A growable list of (start, last, payload) triples, for writers. */
    static final class Entries {
        long[] data = new long[24];
        int size;

        void add(long start, long last, long payload) {
            if (3 * size + 3 > data.length) {
                data = Arrays.copyOf(data, data.length * 2);
            }
            data[3 * size] = start;
            data[3 * size + 1] = last;
            data[3 * size + 2] = payload;
            size++;
        }

        long start(int i) {
            return data[3 * i];
        }

        long last(int i) {
            return data[3 * i + 1];
        }

        long payload(int i) {
            return data[3 * i + 2];
        }

        void clear() {
            size = 0;
        }
    }

    // ------------------------------------------------------------------ node helpers

    private static int size(Object node) {
        return node instanceof long[] ? ((long[]) node).length / 3 : ((Object[]) node).length - 1;
    }

    private static long minKey(Object node) {
        return node instanceof long[] ? ((long[]) node)[0] : ((long[]) ((Object[]) node)[0])[0];
    }

    private static Object[] inner(long[] keys, Object[] children) {
        children[0] = keys;
        return children;
    }

    /** Copy of {@code in} with child ci replaced (and its key refreshed). */
    private static Object[] withChild(Object[] in, int ci, Object child) {
        Object[] out = in.clone();
        long[] keys = ((long[]) in[0]).clone();
        keys[ci] = minKey(child);
        out[0] = keys;
        out[1 + ci] = child;
        return out;
    }

    /** Copy of {@code in} with {@code count} children from ci removed, and {@code replacement} put at ci if given. */
    private static Object[] withoutChildren(Object[] in, int ci, int count, Object replacement) {
        long[] keys = (long[]) in[0];
        int n = keys.length;
        int kept = n - count + (replacement == null ? 0 : 1);
        long[] nk = new long[kept];
        Object[] nc = new Object[kept + 1];
        int j = 0;
        for (int i = 0; i < n; i++) {
            if (i == ci && replacement != null) {
                nk[j] = minKey(replacement);
                nc[1 + j++] = replacement;
            }
            if (i >= ci && i < ci + count) {
                continue;
            }
            nk[j] = keys[i];
            nc[1 + j++] = in[1 + i];
        }
        nc[0] = nk;
        return nc;
    }

    private static long[] leafSlice(long[] leaf, int from, int to) {
        int n = leaf.length / 3;
        int m = to - from;
        long[] out = new long[3 * m];
        for (int b = 0; b < 3; b++) {
            System.arraycopy(leaf, b * n + from, out, b * m, m);
        }
        return out;
    }

    private static long[] leafConcat(long[] a, long[] b) {
        int na = a.length / 3;
        int nb = b.length / 3;
        int m = na + nb;
        long[] out = new long[3 * m];
        for (int k = 0; k < 3; k++) {
            System.arraycopy(a, k * na, out, k * m, na);
            System.arraycopy(b, k * nb, out, k * m + na, nb);
        }
        return out;
    }

    private static Object[] innerSlice(Object[] in, int from, int to) {
        long[] keys = (long[]) in[0];
        Object[] out = new Object[to - from + 1];
        out[0] = Arrays.copyOfRange(keys, from, to);
        System.arraycopy(in, 1 + from, out, 1, to - from);
        return out;
    }

    private static Object[] innerConcat(Object[] a, Object[] b) {
        long[] ka = (long[]) a[0];
        long[] kb = (long[]) b[0];
        long[] keys = Arrays.copyOf(ka, ka.length + kb.length);
        System.arraycopy(kb, 0, keys, ka.length, kb.length);
        Object[] out = new Object[keys.length + 1];
        out[0] = keys;
        System.arraycopy(a, 1, out, 1, ka.length);
        System.arraycopy(b, 1, out, 1 + ka.length, kb.length);
        return out;
    }
}
