package dev.sva.translation.engine.bench;

import static dev.sva.translation.engine.bench.Fixtures.BATCH;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.sva.translation.engine.Access;
import dev.sva.translation.engine.TranslationEngine;

/**
 * ENGINE.md J2 and its sweeps: the IOTLB-miss path (the full walk) against {@code radixWalk4}, a bare flat 4-level
 * radix walk over a table holding as many pages as the engine holds translations, fed the same random stream
 * (staged 1024 requests per invocation, see {@link Fixtures.Stream}). Times are per request.
 *
 * <ul>
 *   <li>{@link Mappings}: M single-page DMA mappings (M = 1e3 or 1e6, in containers of at most 62,500, one device
 *       each; batches grouped by device). {@code iotlb}=4: a 4-entry IOTLB, so nearly every request probes, misses,
 *       walks and fills; {@code iotlb}=0: no IOTLB, the bare walk.</li>
 *   <li>{@link Bonds}: B bonds (B = 1, 1e4, 1e6) of up to 16 devices (PASIDs from 1 up), each to its own address
 *       space with one region; no IOTLB, so each request resolves PASID directory, leaf, bond and address space
 *       (unless it repeats the previous requester, as every request does with B = 1) and walks.</li>
 * </ul>
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class WalkMissBench {

    private static final long BASE = 0x1000_0000L;
    private static final long PA = 1L << 40;
    private static final int STREAM = 1 << 20;
    private static final int PER_CONTAINER = 62_500;

    /** Mapping sweep. */
    @State(Scope.Thread)
    public static class Mappings {
        @Param({"1000", "1000000"})
        public int mappings;
        @Param({"4", "0"})
        public int iotlb;

        TranslationEngine engine;
        Fixtures.Stream stream;
        Fixtures.Radix4 radix = new Fixtures.Radix4();

        @Setup(Level.Trial)
        public void setUp() {
            SplittableRandom rnd = new SplittableRandom(7);
            engine = Fixtures.engine(iotlb);
            int containers = Math.max(1, mappings / PER_CONTAINER);
            int per = mappings / containers;
            for (int c = 0; c < containers; c++) {
                Fixtures.device(engine, c + 1, 200 + c);
                for (int k = 0; k < per; k++) {
                    long iova = BASE + 8192L * k; // a gap after each mapping
                    long pa = PA + 4096L * rnd.nextInt(1 << 26);
                    engine.map(200 + c, iova, 4096, pa, true, true);
                    radix.put((long) c << 24 | iova >>> 12, pa);
                }
            }
            stream = new Fixtures.Stream(STREAM, Access.READ);
            int run = Math.max(1, BATCH / containers);
            for (int i = 0; i < STREAM; i++) {
                int c = (i % BATCH) / run % containers; // grouped by device within a batch
                long iova = BASE + 8192L * rnd.nextInt(per);
                stream.device[i] = c + 1;
                stream.pasid[i] = -1;
                stream.address[i] = iova + 8 * rnd.nextInt(512);
                stream.key[i] = (long) c << 24 | iova >>> 12;
            }
        }

        @Setup(Level.Invocation)
        public void stage() {
            stream.next();
        }
    }

    /** Bond sweep. */
    @State(Scope.Thread)
    public static class Bonds {
        @Param({"1", "10000", "1000000"})
        public int bonds;

        TranslationEngine engine;
        Fixtures.Stream stream;
        Fixtures.Radix4 radix = new Fixtures.Radix4();

        @Setup(Level.Trial)
        public void setUp() {
            SplittableRandom rnd = new SplittableRandom(11);
            engine = Fixtures.engine(0);
            int devices = Math.min(16, bonds);
            for (int d = 1; d <= devices; d++) {
                Fixtures.device(engine, d, 0);
            }
            for (int b = 0; b < bonds; b++) {
                long mm = 1_000_000L + b;
                long pa = PA + 4096L * rnd.nextInt(1 << 26);
                engine.putAddressSpace(Fixtures.NODE, mm);
                engine.mapRegion(mm, BASE, 4096, pa, true, true, true);
                engine.bind(1 + b % devices, 1 + b / devices, mm, false);
                radix.put(BASE / 4096 + 2L * b, pa);
            }
            stream = new Fixtures.Stream(STREAM, Access.READ);
            for (int i = 0; i < STREAM; i++) {
                int b = rnd.nextInt(bonds);
                stream.device[i] = 1 + b % devices;
                stream.pasid[i] = 1 + b / devices;
                stream.address[i] = BASE + 8 * rnd.nextInt(512);
                stream.key[i] = BASE / 4096 + 2L * b;
            }
        }

        @Setup(Level.Invocation)
        public void stage() {
            stream.next();
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int mappingsEngineMiss(Mappings s) {
        s.engine.translate(s.stream.batch);
        return s.stream.batch.size();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long mappingsRadixWalk4(Mappings s) {
        return walk(s.radix, s.stream.keys);
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int bondsEngineMiss(Bonds s) {
        s.engine.translate(s.stream.batch);
        return s.stream.batch.size();
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long bondsRadixWalk4(Bonds s) {
        return walk(s.radix, s.stream.keys);
    }

    private static long walk(Fixtures.Radix4 radix, long[] vpns) {
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += radix.walk(vpns[i]);
        }
        return sum;
    }
}
