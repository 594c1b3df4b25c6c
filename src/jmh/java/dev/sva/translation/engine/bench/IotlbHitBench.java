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
import org.openjdk.jmh.infra.BenchmarkParams;

import dev.sva.translation.engine.Access;
import dev.sva.translation.engine.DmaBatch;
import dev.sva.translation.engine.TranslationEngine;

/**
 * ENGINE.md J1, J1b and J4: IOTLB hits through the batch API (1024 requests, grouped in 4 runs of 256 by requester)
 * against a bare open-addressing {@code long -> long} lookup and against one random load, over the same keys and the
 * same footprint; and a batch of faults (1/3 permission on an IOTLB hit, 1/3 translation after a walk, 1/3 PASID not
 * bound) against the hit batch. Times are per request.
 *
 * <p>The IOTLB holds {@code 2n} entries and the reference table {@code 2n} slots (the same bytes). After filling the
 * IOTLB with the n pages, only the pages that stayed resident (4-way conflicts evict a few) make the random probe
 * stream of 2^20 requests, so every engine request is a hit; the references look up the same keys. Each invocation
 * stages the next 1024 of the stream (see {@link Fixtures.Stream}).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms3g", "-Xmx3g"})
public class IotlbHitBench {

    private static final long CONTAINER = 200;
    private static final long BASE = 1L << 32;
    private static final long PA = 1L << 40;
    private static final int DEVICES = 4;
    private static final int STREAM = 1 << 20;

    @Param({"4096", "262144", "4194304"})
    public int n;

    private TranslationEngine engine;
    private Fixtures.Stream hits;
    private Fixtures.Stream faults;
    private Fixtures.OpenAddressing reference;
    private long[] randomLoad;
    private int randomMask;

    @Setup(Level.Trial)
    public void setUp() {
        engine = Fixtures.engine(2 * n);
        for (long d = 1; d <= DEVICES; d++) {
            Fixtures.device(engine, d, CONTAINER);
        }
        engine.map(CONTAINER, BASE, 4096L * n, PA, true, false); // read-only: a write faults PERMISSION
        // fill, then keep the pages that stayed resident
        DmaBatch b = new DmaBatch(BATCH);
        boolean[] resident = new boolean[n];
        for (int pass = 0; pass < 2; pass++) {
            for (int p = 0; p < n; p += BATCH) {
                b.clear();
                int m = Math.min(BATCH, n - p);
                for (int i = 0; i < m; i++) {
                    b.add(1, -1, BASE + 4096L * (p + i), 8, Access.READ);
                }
                engine.translate(b);
                for (int i = 0; pass == 1 && i < m; i++) {
                    resident[p + i] = b.iotlbHit(i);
                }
            }
        }
        int[] pages = new int[n];
        int count = 0;
        for (int p = 0; p < n; p++) {
            if (resident[p]) {
                pages[count++] = p;
            }
        }
        if (count < n * 9 / 10) {
            throw new IllegalStateException("only " + count + " of " + n + " pages resident");
        }
        SplittableRandom rnd = new SplittableRandom(42);
        hits = new Fixtures.Stream(STREAM, Access.READ);
        for (int k = 0; k < STREAM; k++) {
            int page = pages[rnd.nextInt(count)];
            hits.device[k] = 1 + (k % BATCH) / (BATCH / DEVICES); // grouped: 4 runs of 256 per batch
            hits.pasid[k] = -1;
            hits.address[k] = BASE + 4096L * page + 8 * rnd.nextInt(512);
            hits.key[k] = (1L << 40) | (hits.address[k] >>> 12);
        }
        reference = new Fixtures.OpenAddressing(count);
        for (int i = 0; i < count; i++) {
            reference.put((1L << 40) | ((BASE >>> 12) + pages[i]), PA + 4096L * pages[i]);
        }
        randomLoad = new long[reference.table.length];
        randomMask = randomLoad.length - 1;
        for (int i = 0; i < randomLoad.length; i++) {
            randomLoad[i] = i;
        }
        // faults: permission (write to a cached read-only page), translation (unmapped), PASID not bound
        faults = new Fixtures.Stream(STREAM / 8, Access.WRITE);
        for (int k = 0; k < faults.device.length; k++) {
            faults.device[k] = 1 + (k % BATCH) / (BATCH / DEVICES);
            int kind = (k % BATCH) * 3 / BATCH;
            faults.pasid[k] = kind == 2 ? 9 : -1;
            faults.address[k] = kind == 1 ? BASE - 4096L * (1 + rnd.nextInt(1 << 16)) // below the mapping
                    : BASE + 4096L * pages[rnd.nextInt(count)];
        }
    }

    /** Stages the next 1024 requests of the stream the measured method reads (not timed). */
    @Setup(Level.Invocation)
    public void stage(BenchmarkParams params) {
        stage(params.getBenchmark().endsWith("engineFault"));
    }

    /** Stages the next 1024 faulting requests, or hits (and their keys). Public for ad-hoc A/B harnesses. */
    public void stage(boolean fault) {
        (fault ? faults : hits).next();
    }

    /** J1: the engine, IOTLB hit, batch of 1024 grouped by requester. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int engineHit() {
        engine.translate(hits.batch);
        return hits.batch.size();
    }

    /** J1 reference: a bare open-addressing get of the same keys, same footprint. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long refOpenAddr() {
        long[] keys = hits.keys;
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += reference.get(keys[i]);
        }
        return sum;
    }

    /** J1b reference: one independent random load per key over the same footprint (the one-miss floor). */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long refRandomLoad() {
        long[] keys = hits.keys;
        long sum = 0;
        for (int i = 0; i < BATCH; i++) {
            sum += randomLoad[Fixtures.mix(keys[i], randomMask)];
        }
        return sum;
    }

    /** J4: a batch of faults, recorded in the fault log, against {@link #engineHit()}. */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public int engineFault() {
        engine.translate(faults.batch);
        return faults.batch.size();
    }
}
