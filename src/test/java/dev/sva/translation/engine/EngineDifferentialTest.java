package dev.sva.translation.engine;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Drives the engine and the naive {@link ReferenceIommu} with the same seeded random command sequences (every command
 * kind: map/unmap, regions/munmap, bind/unbind, exit, attach/detach, hot-plug, device removal, translate) and compares
 * every translation (outcome, physical address, segments, reason and VT-d code, fault address, peer, page request;
 * not iotlbHit). Translations are replayed right after writes so that a stale IOTLB entry would show. Engine variants
 * by seed: no IOTLB, a tiny one (constant eviction), a large one; a 2-bit tag space (constant tag wrap-around).
 */
class EngineDifferentialTest {

    private static final int STEPS = 4000;
    private static final long ZONE_LOW = 0x10_000L;
    private static final long ZONE_39 = (1L << 39) - 16 * 4096L;
    private static final long ZONE_TOP = -16 * 4096L; // the last 16 pages below 2^64

    static Stream<Long> seeds() {
        return LongStream.rangeClosed(1, 32).boxed();
    }

    /** What the runs exercised, so that a generator that stopped reaching a case fails instead of passing vacuously. */
    private static final java.util.Map<String, Integer> COVERAGE = new java.util.concurrent.ConcurrentHashMap<>();

    @org.junit.jupiter.api.AfterAll
    static void everyCaseWasExercised() {
        List<String> wanted = new ArrayList<>();
        for (Outcome o : Outcome.values()) {
            wanted.add(o.name());
        }
        for (FaultReason r : FaultReason.values()) {
            wanted.add(r.name());
        }
        wanted.addAll(List.of("pageRequest SUCCESS", "pageRequest INVALID", "segments>1", "segments=1", "iotlbHit",
                "PASID TRANSLATED"));
        for (String w : wanted) {
            if (COVERAGE.getOrDefault(w, 0) < 5) {
                fail("the random runs exercised '" + w + "' fewer than 5 times: " + COVERAGE);
            }
        }
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void engineAgreesWithReferenceModel(long seed) {
        new Run(seed).run();
    }

    private static final class Run {
        final long seed;
        final Random rnd;
        final TranslationEngine engine;
        final ReferenceIommu model = new ReferenceIommu();
        final Deque<String> log = new ArrayDeque<>();
        final List<long[]> recent = new ArrayList<>(); // {device, pasid, address, size, access}
        int step;

        Run(long seed) {
            this.seed = seed;
            this.rnd = new Random(seed);
            int variant = (int) (seed % 4);
            int iotlb = variant == 0 ? 0 : variant == 1 ? 4 : 4096;
            int tagBits = variant == 3 ? 2 : 24;
            this.engine = new TranslationEngine(iotlb, 64, tagBits);
            note("engine iotlb=" + iotlb + " tagBits=" + tagBits);
        }

        void run() {
            cmd("putNode 1", () -> engine.putNode(1, 20, 48, 48), () -> model.putNode(1, 20, 48, 48));
            cmd("putNode 2", () -> engine.putNode(2, 8, 39, 40), () -> model.putNode(2, 8, 39, 40));
            cmd("putNode 3", () -> engine.putNode(3, 20, 64, 64), () -> model.putNode(3, 20, 64, 64));
            for (long as = 31; as <= 34; as++) {
                long id = as;
                cmd("putAddressSpace " + id, () -> engine.putAddressSpace(1 + id % 3, id),
                        () -> model.putAddressSpace(id));
            }
            for (step = 0; step < STEPS; step++) {
                int op = rnd.nextInt(100);
                if (op < 40) {
                    translate();
                } else if (op < 45) {
                    batch();
                } else {
                    write(op);
                    replay();
                }
            }
        }

        void write(int op) {
            if (op < 53) {
                putDevice();
            } else if (op < 55) {
                long d = 1 + rnd.nextInt(8);
                cmd("removeDevice " + d, () -> engine.removeDevice(d), () -> model.removeDevice(d));
            } else if (op < 60) {
                long g = 11 + rnd.nextInt(5);
                if (model.groupContainer.containsKey(g)) {
                    cmd("detachGroup " + g, () -> engine.detachGroup(g), () -> model.detachGroup(g));
                } else {
                    long c = 21 + rnd.nextInt(4);
                    cmd("attachGroup " + g + " " + c, () -> engine.attachGroup(g, c), () -> model.attachGroup(g, c));
                }
            } else if (op < 70) {
                map();
            } else if (op < 76) {
                unmap();
            } else if (op < 77) {
                long c = 21 + rnd.nextInt(4);
                cmd("removeContainer " + c, () -> engine.removeContainer(c), () -> model.removeContainer(c));
            } else if (op < 84) {
                mapRegion();
            } else if (op < 89) {
                long as = 31 + rnd.nextInt(4);
                if (model.spaces.containsKey(as)) {
                    long va = address() & ~0xFFFL;
                    long size = 4096L * (1 + rnd.nextInt(6));
                    cmd(String.format("unmapRegion %d 0x%x 0x%x", as, va, size), () -> engine.unmapRegion(as, va, size),
                            () -> model.unmapRegion(as, va, size));
                }
            } else if (op < 90) {
                long as = 31 + rnd.nextInt(4);
                if (model.spaces.containsKey(as)) {
                    cmd("removeAddressSpace " + as, () -> engine.removeAddressSpace(as),
                            () -> model.removeAddressSpace(as));
                } else {
                    cmd("putAddressSpace " + as, () -> engine.putAddressSpace(1 + as % 3, as),
                            () -> model.putAddressSpace(as));
                }
            } else if (op < 97) {
                long d = 1 + rnd.nextInt(8);
                long as = 31 + rnd.nextInt(4);
                int pasid = rnd.nextInt(18);
                boolean iopf = rnd.nextBoolean();
                if (model.devices.containsKey(d) && model.spaces.containsKey(as)) {
                    cmd("bind " + d + " " + pasid + " " + as + " iopf=" + iopf, () -> engine.bind(d, pasid, as, iopf),
                            () -> model.bind(d, pasid, as, iopf));
                }
            } else {
                long d = 1 + rnd.nextInt(8);
                int pasid = rnd.nextInt(18);
                cmd("unbind " + d + " " + pasid, () -> engine.unbind(d, pasid), () -> model.unbind(d, pasid));
            }
        }

        void putDevice() {
            long d = 1 + rnd.nextInt(8);
            long node = 1 + rnd.nextInt(3);
            long g = 11 + rnd.nextInt(5);
            int[] widths = {0, 2, 4, 20};
            int bits = widths[rnd.nextInt(widths.length)];
            int bars = rnd.nextInt(3);
            int[] idx = new int[bars];
            long[] base = new long[bars];
            long[] size = new long[bars];
            for (int i = 0; i < bars; i++) {
                idx[i] = i * 2;
                size[i] = rnd.nextBoolean() ? 4096 : 8192;
                base[i] = ZONE_LOW + size[i] * rnd.nextInt(12);
            }
            cmd(String.format("putDevice node=%d dev=%d group=%d bits=%d bars=%s", node, d, g, bits,
                    java.util.Arrays.toString(base)), () -> engine.putDevice(node, d, g, bits, true, idx, base, size),
                    () -> model.putDevice(node, d, g, bits, idx, base, size));
        }

        void map() {
            long c = 21 + rnd.nextInt(4);
            long iova = address() & ~0xFFFL;
            long size = 4096L * (1 + rnd.nextInt(4));
            if (Long.compareUnsigned(iova + size - 1, iova) < 0) {
                return;
            }
            List<ReferenceIommu.Range> existing = model.containers.getOrDefault(c, List.of());
            for (ReferenceIommu.Range r : existing) {
                if (overlaps(r.start(), r.last(), iova, iova + size - 1)) {
                    return; // the control plane would reject it (MAPPING_OVERLAP)
                }
            }
            long pa = physical(existing);
            boolean read = rnd.nextInt(4) != 0;
            boolean write = !read || rnd.nextBoolean();
            cmd(String.format("map %d 0x%x 0x%x -> 0x%x %s%s", c, iova, size, pa, read ? "r" : "", write ? "w" : ""),
                    () -> engine.map(c, iova, size, pa, read, write), () -> model.map(c, iova, size, pa, read, write));
        }

        void unmap() {
            long c = 21 + rnd.nextInt(4);
            List<ReferenceIommu.Range> existing = model.containers.getOrDefault(c, List.of());
            long iova;
            long size;
            if (!existing.isEmpty() && rnd.nextBoolean()) {
                ReferenceIommu.Range r = existing.get(rnd.nextInt(existing.size()));
                iova = r.start();
                size = r.size();
            } else {
                iova = address() & ~0xFFFL;
                size = 4096L * (1 + rnd.nextInt(8));
                if (Long.compareUnsigned(iova + size - 1, iova) < 0) {
                    return;
                }
                for (ReferenceIommu.Range r : existing) {
                    boolean inside = Long.compareUnsigned(r.start(), iova) >= 0
                            && Long.compareUnsigned(r.last(), iova + size - 1) <= 0;
                    if (!inside && overlaps(r.start(), r.last(), iova, iova + size - 1)) {
                        return; // would split a mapping: the control plane rejects it (MAPPING_SPLIT)
                    }
                }
            }
            long i = iova;
            long s = size;
            cmd(String.format("unmap %d 0x%x 0x%x", c, i, s), () -> engine.unmap(c, i, s), () -> model.unmap(c, i, s));
        }

        void mapRegion() {
            long as = 31 + rnd.nextInt(4);
            ReferenceIommu.Mm mm = model.spaces.get(as);
            if (mm == null) {
                return;
            }
            long va = address() & ~0xFFFL;
            long size = 4096L * (1 + rnd.nextInt(5));
            if (Long.compareUnsigned(va + size - 1, va) < 0) {
                return;
            }
            for (ReferenceIommu.Range r : mm.regions) {
                if (overlaps(r.start(), r.last(), va, va + size - 1)) {
                    return;
                }
            }
            long pa = physical(mm.regions);
            boolean read = rnd.nextInt(4) != 0;
            boolean write = !read || rnd.nextBoolean();
            boolean pinned = rnd.nextBoolean();
            cmd(String.format("mapRegion %d 0x%x 0x%x -> 0x%x %s%s %s", as, va, size, pa, read ? "r" : "",
                    write ? "w" : "", pinned ? "pinned" : "demand"),
                    () -> engine.mapRegion(as, va, size, pa, read, write, pinned),
                    () -> model.mapRegion(as, va, size, pa, read, write, pinned));
        }

        void translate() {
            long[] req = request();
            recent.add(req);
            if (recent.size() > 16) {
                recent.remove(0);
            }
            check(List.of(req));
        }

        void batch() {
            List<long[]> reqs = new ArrayList<>();
            int n = 1 + rnd.nextInt(12);
            long[] base = request();
            for (int i = 0; i < n; i++) {
                long[] r = rnd.nextInt(3) == 0 ? request() : base.clone();
                if (rnd.nextBoolean()) {
                    r[2] = address();
                }
                reqs.add(r);
            }
            check(reqs);
        }

        /** Re-translates recent requests, the ones most likely to have IOTLB entries. */
        void replay() {
            for (int i = Math.max(0, recent.size() - 4); i < recent.size(); i++) {
                check(List.of(recent.get(i)));
            }
        }

        long[] request() {
            long device = 1 + rnd.nextInt(9); // 9 is never put: unknown requester
            int pasid = rnd.nextInt(2) == 0 ? -1 : rnd.nextInt(20) == 0 ? (1 << 20) + rnd.nextInt(4) : rnd.nextInt(18);
            long address = address();
            int shape = rnd.nextInt(10);
            long size = shape < 6 ? 1 + rnd.nextInt(8) : shape < 8 ? 4096 - (address & 0xFFF)
                    : 1 + rnd.nextInt(3 * 4096);
            long access = rnd.nextInt(2);
            return new long[] {device, pasid, address, size, access};
        }

        void check(List<long[]> reqs) {
            DmaBatch b = new DmaBatch(reqs.size());
            for (long[] r : reqs) {
                b.add(r[0], (int) r[1], r[2], r[3], Access.values()[(int) r[4]]);
            }
            engine.translate(b);
            for (int i = 0; i < reqs.size(); i++) {
                long[] r = reqs.get(i);
                ReferenceIommu.Answer expected = model.translate(r[0], (int) r[1], r[2], r[3],
                        Access.values()[(int) r[4]]);
                ReferenceIommu.Answer actual = ReferenceIommu.Answer.of(b, i);
                count(expected.outcome().name());
                if (expected.reason() != null) {
                    count(expected.reason().name());
                }
                if (expected.pageRequest() != null) {
                    count("pageRequest " + expected.pageRequest());
                }
                if (expected.outcome() == Outcome.TRANSLATED && (r[2] >>> 12) != ((r[2] + r[3] - 1) >>> 12)) {
                    count(expected.segments().size() > 1 ? "segments>1" : "segments=1");
                }
                if (expected.outcome() == Outcome.TRANSLATED && r[1] >= 0) {
                    count("PASID TRANSLATED");
                }
                if (b.iotlbHit(i)) {
                    count("iotlbHit");
                }
                String what = String.format("translate dev=%d pasid=%d addr=0x%x size=%d %s", r[0], r[1], r[2], r[3],
                        Access.values()[(int) r[4]]);
                note(what + " -> " + expected);
                if (!expected.same(actual)) {
                    fail(String.format("seed %d step %d: %s%n  expected %s%n  actual   %s%nlast commands:%n  %s", seed,
                            step, what, expected, actual, String.join("\n  ", log)));
                }
            }
        }

        static void count(String what) {
            COVERAGE.merge(what, 1, Integer::sum);
        }

        long address() {
            int zone = rnd.nextInt(10);
            long base = zone < 7 ? ZONE_LOW : zone < 9 ? ZONE_39 : ZONE_TOP;
            long page = rnd.nextInt(zone < 7 ? 24 : 32);
            long offset = rnd.nextInt(4) == 0 ? rnd.nextInt(4096) : 0;
            return base + page * 4096 + offset;
        }

        /** A physical address: often continuing an existing mapping, to exercise segment merging. */
        long physical(List<ReferenceIommu.Range> existing) {
            if (!existing.isEmpty() && rnd.nextInt(3) == 0) {
                ReferenceIommu.Range r = existing.get(rnd.nextInt(existing.size()));
                return r.pa() + r.size();
            }
            return 0x1_0000_0000L + 4096L * rnd.nextInt(1 << 16);
        }

        static boolean overlaps(long s1, long l1, long s2, long l2) {
            return Long.compareUnsigned(s1, l2) <= 0 && Long.compareUnsigned(s2, l1) <= 0;
        }

        void cmd(String what, Runnable onEngine, Runnable onModel) {
            note(what);
            try {
                onEngine.run();
            } catch (RuntimeException e) {
                throw new AssertionError(String.format("seed %d step %d: %s threw %s%nlast commands:%n  %s", seed, step,
                        what, e, String.join("\n  ", log)), e);
            }
            onModel.run();
        }

        void note(String line) {
            log.addLast(step + ": " + line);
            if (log.size() > 40) {
                log.removeFirst();
            }
        }
    }
}
