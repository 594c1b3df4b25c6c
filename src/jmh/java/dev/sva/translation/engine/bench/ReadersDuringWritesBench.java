package dev.sva.translation.engine.bench;

import static dev.sva.translation.engine.bench.Fixtures.BATCH;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

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
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.infra.ThreadParams;

import dev.sva.translation.engine.Access;
import dev.sva.translation.engine.TranslationEngine;

/**
 * ENGINE.md P6 / issue item 6: translation throughput of 2 reader threads (batches of 1024, mostly IOTLB hits, each
 * reader its own device and group on one shared container) with and without a writer that maps and unmaps one page
 * of that same container 1000 times a second (each unmap invalidates IOTLB sets the readers use). Target: with / without
 * >= 0.8.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class ReadersDuringWritesBench {

    private static final long CONTAINER = 200;
    private static final long BASE = 0x1000_0000L;
    private static final int PAGES = 16_384;

    @State(Scope.Benchmark)
    public static class Shared {
        @Param({"false", "true"})
        public boolean writer;

        TranslationEngine engine;
        Thread thread;
        volatile boolean stop;
        volatile long writes;

        @Setup(Level.Trial)
        public void setUp() {
            engine = Fixtures.engine(65_536);
            Fixtures.device(engine, 1, CONTAINER);
            Fixtures.device(engine, 2, CONTAINER);
            engine.map(CONTAINER, BASE, 4096L * PAGES, 1L << 40, true, true);
            if (writer) {
                thread = new Thread(this::write, "writer");
                thread.setDaemon(true);
                thread.start();
            }
        }

        /** 1000 map + unmap pairs per second, paced against the clock. */
        private void write() {
            long page = BASE + 4096L * PAGES;
            long next = System.nanoTime();
            for (long k = 0; !stop; k++) {
                long iova = page + 4096L * (k % 4096);
                engine.map(CONTAINER, iova, 4096, 1L << 41, true, true);
                engine.unmap(CONTAINER, iova, 4096);
                writes = k + 1;
                next += 1_000_000;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    LockSupport.parkNanos(wait);
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() throws InterruptedException {
            stop = true;
            if (thread != null) {
                thread.join();
            }
        }
    }

    @State(Scope.Thread)
    public static class Reader {
        Fixtures.Stream stream;

        @Setup(Level.Trial)
        public void setUp(Shared shared, ThreadParams params) {
            long device = 1 + params.getThreadIndex() % 2;
            SplittableRandom rnd = new SplittableRandom(device);
            stream = new Fixtures.Stream(64 * BATCH, Access.READ);
            for (int i = 0; i < stream.device.length; i++) {
                stream.device[i] = device;
                stream.pasid[i] = -1;
                stream.address[i] = BASE + 4096L * rnd.nextInt(PAGES) + 8 * rnd.nextInt(512);
            }
        }

        @Setup(Level.Invocation)
        public void stage() {
            stream.next();
        }
    }

    @Benchmark
    @Threads(2)
    @OperationsPerInvocation(BATCH)
    public int translate(Shared shared, Reader reader) {
        shared.engine.translate(reader.stream.batch);
        return reader.stream.batch.size();
    }
}
