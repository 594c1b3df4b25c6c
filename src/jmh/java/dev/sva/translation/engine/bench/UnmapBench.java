package dev.sva.translation.engine.bench;

import java.util.concurrent.TimeUnit;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import dev.sva.translation.engine.Access;
import dev.sva.translation.engine.DmaBatch;
import dev.sva.translation.engine.TranslationEngine;

/**
 * ENGINE.md J6: map then unmap one page (with its targeted IOTLB invalidation) in a container of 65,534 mappings,
 * with the node's 64K-entry IOTLB full of that container's entries or empty. O(1) invalidation gives a ratio of about
 * 1; QEMU's scan of the whole table would give about the table size.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class UnmapBench {

    private static final long CONTAINER = 200;
    private static final long BASE = 0x1000_0000L;
    private static final int MAPPINGS = 65_534;
    private static final int IOTLB = 65_536;

    @Param({"empty", "full"})
    public String iotlb;

    private TranslationEngine engine;
    private long free;

    @Setup(Level.Trial)
    public void setUp() {
        engine = Fixtures.engine(IOTLB);
        Fixtures.device(engine, 1, CONTAINER);
        for (int k = 0; k < MAPPINGS; k++) {
            engine.map(CONTAINER, BASE + 4L * 4096 * k, 4 * 4096, (1L << 40) + 4L * 4096 * k, true, true);
        }
        free = BASE + 4L * 4096 * MAPPINGS; // just past the last mapping
        if (iotlb.equals("full")) {
            // twice as many distinct pages as entries: every set sees about 8 fills, so every way is taken
            DmaBatch b = new DmaBatch(Fixtures.BATCH);
            for (long p = 0; p < 2L * IOTLB; p += Fixtures.BATCH) {
                b.clear();
                for (int i = 0; i < Fixtures.BATCH; i++) {
                    b.add(1, -1, BASE + 4096 * (p + i), 8, Access.READ);
                }
                engine.translate(b);
            }
        }
    }

    @Benchmark
    public void mapThenUnmapOnePage() {
        engine.map(CONTAINER, free, 4096, 1L << 41, true, true);
        engine.unmap(CONTAINER, free, 4096);
    }
}
