package dev.sva.translation.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class IntervalTreeTest {

    /** start (unsigned order via flip) -> {last, payload} */
    private final TreeMap<Long, long[]> model = new TreeMap<>();

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6})
    void randomInsertsAndRemovesMatchATreeMap(long seed) {
        Random rnd = new Random(seed);
        Object root = IntervalTree.EMPTY;
        // pages drawn from both ends of the unsigned range, so sign-flipped ordering is exercised
        for (int step = 0; step < 20_000; step++) {
            long start = page(rnd);
            long size = 4096L * (1 + rnd.nextInt(3));
            long last = start + size - 1;
            if (rnd.nextInt(3) > 0 && Long.compareUnsigned(last, start) > 0) {
                if (overlapsModel(start, last)) {
                    long s = start;
                    Object r = root;
                    assertThatThrownBy(() -> IntervalTree.insert(r, s, last, 0x5000))
                            .isInstanceOf(IllegalArgumentException.class);
                } else {
                    long payload = (rnd.nextLong() & IntervalTree.PAGE_MASK) | IntervalTree.READ;
                    root = IntervalTree.insert(root, start, last, payload);
                    model.put(start ^ Long.MIN_VALUE, new long[] {last, payload});
                }
            } else if (!model.isEmpty()) {
                Long key = model.ceilingKey(start ^ Long.MIN_VALUE);
                if (key == null) {
                    key = model.firstKey();
                }
                root = IntervalTree.remove(root, key ^ Long.MIN_VALUE);
                model.remove(key);
            }
            if (step % 97 == 0) {
                verify(root, rnd);
            }
        }
        verify(root, rnd);
        // drain completely: the tree collapses back to an empty leaf
        for (Long key : new ArrayList<>(model.keySet())) {
            root = IntervalTree.remove(root, key ^ Long.MIN_VALUE);
        }
        assertThat(IntervalTree.count(root)).isZero();
        assertThat(IntervalTree.depth(root)).isEqualTo(1);
    }

    @Test
    void appendingInAddressOrderKeepsLeavesFull() {
        Object root = IntervalTree.EMPTY;
        int n = 65_535;
        for (int i = 0; i < n; i++) {
            root = IntervalTree.insert(root, 8192L * i, 8192L * i + 4095, 0x1000L * i | IntervalTree.READ);
        }
        assertThat(IntervalTree.count(root)).isEqualTo(n);
        // full leaves of 32 and inner nodes of 32: 65,535 entries fit in depth 4
        assertThat(IntervalTree.depth(root)).isLessThanOrEqualTo(4);
        for (int i = 0; i < n; i += 101) {
            assertThat(IntervalTree.lookupPage(root, 8192L * i + 17)).isEqualTo(0x1000L * i | IntervalTree.READ);
            assertThat(IntervalTree.lookupPage(root, 8192L * i + 4096)).isEqualTo(IntervalTree.NOT_MAPPED);
        }
    }

    @Test
    void oldRootsStayValidAfterUpdates() {
        Object v1 = IntervalTree.insert(IntervalTree.EMPTY, 0x1000, 0x1fff, 0xa000 | IntervalTree.READ);
        Object v2 = IntervalTree.remove(v1, 0x1000);
        assertThat(IntervalTree.lookupPage(v1, 0x1234)).isEqualTo(0xa000 | IntervalTree.READ);
        assertThat(IntervalTree.lookupPage(v2, 0x1234)).isEqualTo(IntervalTree.NOT_MAPPED);
    }

    @Test
    void oneEntryCoversAMappingOfTwoToThe47Bytes() {
        long size = 1L << 47;
        Object root = IntervalTree.insert(IntervalTree.EMPTY, 0, size - 1, 0x1234_5000L | IntervalTree.WRITE);
        assertThat(IntervalTree.count(root)).isEqualTo(1);
        assertThat(IntervalTree.lookupPage(root, size - 1)).isEqualTo((0x1234_5000L + size - 4096) | IntervalTree.WRITE);
    }

    private boolean overlapsModel(long start, long last) {
        for (Map.Entry<Long, long[]> e : model.entrySet()) {
            long s = e.getKey() ^ Long.MIN_VALUE;
            long l = e.getValue()[0];
            if (Long.compareUnsigned(s, last) <= 0 && Long.compareUnsigned(start, l) <= 0) {
                return true;
            }
        }
        return false;
    }

    private void verify(Object root, Random rnd) {
        assertThat(IntervalTree.count(root)).isEqualTo(model.size());
        for (int k = 0; k < 200; k++) {
            long a = page(rnd) + rnd.nextInt(8192);
            Map.Entry<Long, long[]> e = model.floorEntry(a ^ Long.MIN_VALUE);
            long expected = IntervalTree.NOT_MAPPED;
            if (e != null && Long.compareUnsigned(a, e.getValue()[0]) <= 0) {
                long s = e.getKey() ^ Long.MIN_VALUE;
                long p = e.getValue()[1];
                expected = ((p & IntervalTree.PAGE_MASK) + ((a - s) & IntervalTree.PAGE_MASK)) | (p & IntervalTree.FLAGS);
            }
            assertThat(IntervalTree.lookupPage(root, a)).as("lookup 0x%x", a).isEqualTo(expected);
        }
        long lo = page(rnd);
        long hi = lo + 4096L * rnd.nextInt(64);
        if (Long.compareUnsigned(hi, lo) >= 0) {
            IntervalTree.Entries got = new IntervalTree.Entries();
            IntervalTree.collect(root, lo, hi, got);
            List<Long> want = new ArrayList<>();
            for (Map.Entry<Long, long[]> e : model.entrySet()) {
                long s = e.getKey() ^ Long.MIN_VALUE;
                if (Long.compareUnsigned(s, hi) <= 0 && Long.compareUnsigned(lo, e.getValue()[0]) <= 0) {
                    want.add(s);
                }
            }
            List<Long> starts = new ArrayList<>();
            for (int i = 0; i < got.size; i++) {
                starts.add(got.start(i));
            }
            assertThat(starts).isEqualTo(want);
        }
    }

    private static long page(Random rnd) {
        long p = rnd.nextInt(4096);
        return rnd.nextBoolean() ? p * 4096 : -((p + 1) * 4096);
    }
}
