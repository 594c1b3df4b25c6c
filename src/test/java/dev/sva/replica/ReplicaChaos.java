package dev.sva.replica;

import dev.sva.replica.HistoryChecker.Result;
import dev.sva.support.PrivatePostgres;
import dev.sva.support.ReplicaCluster;
import dev.sva.support.ReplicaCluster.Replica;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;

/**
 * What the multi-process replica tests share: the cluster they start (three JVMs, small heaps, a short lease so a
 * paused replica fences within seconds), a chaos thread pausing or killing one replica at a time at random, and the
 * report they print. The replicas' logs stay in {@code target/replicas/<test>-<time>/} for whoever reads a failure.
 */
final class ReplicaChaos {

    /** The lease and heartbeat of the replicas under test ({@code sva.replicas.*}, part B): short, so fencing is seen. */
    static final Duration LEASE = Duration.ofSeconds(3);
    static final Duration HEARTBEAT = Duration.ofMillis(500);
    static final Duration READY_WITHIN = Duration.ofSeconds(120);

    private final ReplicaCluster cluster;
    private final Random random;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<String> events = new CopyOnWriteArrayList<>();
    private final long started = System.nanoTime();
    private volatile int pauses;
    private volatile int kills;
    private volatile Throwable failure;
    private Thread thread;

    private ReplicaChaos(ReplicaCluster cluster, long seed) {
        this.cluster = cluster;
        this.random = new Random(seed ^ 0x5DEECE66DL);
    }

    /** The run's seed: {@code -Dsva.replicas.seed}, else a random one (printed by {@link #report}). */
    static long seed() {
        String given = System.getProperty("sva.replicas.seed");
        return given == null ? new Random().nextLong() : Long.parseLong(given);
    }

    /**
     * Starts {@code n} replicas on a PostgreSQL server of the test's own ({@link PrivatePostgres}, under {@code tmp}),
     * stopped when the cluster closes. Its own, because the replicas need some 20 connections, and by the time a
     * full build reaches these tests the shared test server's are held by the Spring contexts the earlier tests
     * left cached in the JVM (each pool keeps its connections open). Without PostgreSQL's binaries (outside CI,
     * where they are installed) the shared test server serves instead; without that the test is skipped.
     */
    static ReplicaCluster cluster(Path tmp, String test, int n) throws IOException, InterruptedException {
        PrivatePostgres own = PrivatePostgres.startIfPresent(tmp);
        if (own != null) {
            return cluster(own.server(), test, n, own);
        }
        ReplicaCluster.Server shared = ReplicaCluster.Server.ofTestDatabase();
        Assumptions.assumeTrue(shared != null, "SKIPPED: neither PostgreSQL's server binaries nor a test PostgreSQL server");
        return cluster(shared, test, n, null);
    }

    /** Starts {@code n} replicas on a fresh database of {@code server}; closing the cluster closes {@code own}. */
    static ReplicaCluster cluster(ReplicaCluster.Server server, String test, int n, AutoCloseable own)
            throws IOException, InterruptedException {
        Path dir = Path.of("target", "replicas", test + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("HHmmss-SSS")));
        Files.createDirectories(dir);
        return ReplicaCluster.on(server, dir.toAbsolutePath()).replicas(n)
                .property("sva.replicas.lease", LEASE.toMillis() + "ms")
                .property("sva.replicas.heartbeat", HEARTBEAT.toMillis() + "ms")
                .closing(own)
                .start(READY_WITHIN);
    }

    /**
     * Every 2-4 s, pauses a random replica (SIGSTOP for 0.5 s up to 5/3 of the lease, then SIGCONT), or, once per run
     * after four pauses, kills one (SIGKILL) and restarts it; one replica at a time.
     */
    static ReplicaChaos start(ReplicaCluster cluster, long seed) {
        ReplicaChaos chaos = new ReplicaChaos(cluster, seed);
        chaos.thread = new Thread(chaos::run, "chaos");
        chaos.thread.setDaemon(true);
        chaos.thread.start();
        return chaos;
    }

    private void run() {
        try {
            while (!stop.get()) {
                sleep(2_000 + random.nextInt(2_000));
                if (stop.get()) {
                    return;
                }
                Replica victim = cluster.replica(random.nextInt(cluster.size()));
                // pauses first: a restart takes long on 2 cores, and the run may end before it is over
                if (kills == 0 && pauses >= 4 && random.nextInt(3) == 0) {
                    event("kill -9 " + victim);
                    cluster.kill(victim);
                    kills++;
                    sleep(1_000 + random.nextInt(2_000));
                    event("restarting " + victim.index());
                    cluster.restart(victim, READY_WITHIN);
                    event(victim + " ready again");
                } else {
                    long millis = 500 + random.nextInt((int) (LEASE.toMillis() * 5 / 3));
                    event("kill -STOP " + victim + " for " + millis + " ms");
                    cluster.pause(victim);
                    pauses++;
                    sleep(millis);
                    cluster.resume(victim);
                    event("kill -CONT " + victim);
                }
            }
        } catch (Throwable t) {
            failure = t;
            event("chaos failed: " + t);
        }
    }

    void stop() throws InterruptedException {
        stop.set(true);
        thread.join(READY_WITHIN.toMillis() + 30_000);
        if (failure != null) {
            throw new AssertionError("the chaos thread failed", failure);
        }
    }

    /** Pauses and kills done by {@link #run}. */
    int pauses() {
        return pauses;
    }

    int kills() {
        return kills;
    }

    void event(String what) {
        events.add(String.format("%7.3f s  %s", (System.nanoTime() - started) / 1e9, what));
    }

    List<String> events() {
        return events;
    }

    /** Resumes a paused replica, restarts a dead one, and waits until every one is ready. */
    static void everyReplicaUp(ReplicaCluster cluster) throws IOException, InterruptedException {
        for (Replica r : cluster.replicas()) {
            if (r.paused()) {
                cluster.resume(r);
            }
            if (!r.alive()) {
                cluster.restart(r, READY_WITHIN);
            }
        }
        for (Replica r : cluster.replicas()) {
            cluster.awaitReady(r, READY_WITHIN);
        }
    }

    /** When each phase of a test ended, for the report (the budget is under 4 minutes per class on 2 cores). */
    static final class Phases {
        private final long started = System.nanoTime();
        private final StringBuilder marks = new StringBuilder();

        void mark(String what) {
            marks.append(String.format("  %7.1f s  %s%n", (System.nanoTime() - started) / 1e9, what));
        }

        @Override
        public String toString() {
            return marks.toString();
        }
    }

    static void report(String test, long seed, Result result, ReplicaChaos chaos, ReplicaWorkload workload, Phases phases) {
        StringBuilder out = new StringBuilder();
        out.append("== ").append(test).append(" (seed ").append(seed).append("): ").append(result.summary()).append('\n');
        out.append("phases:\n").append(phases);
        if (chaos != null) {
            out.append("chaos: ").append(chaos.pauses()).append(" pauses, ").append(chaos.kills()).append(" kills\n");
            chaos.events().forEach(e -> out.append("  ").append(e).append('\n'));
        }
        result.violations().stream().limit(20).forEach(v -> out.append("VIOLATION ").append(v).append('\n'));
        workload.unexpected().stream().limit(20).forEach(u -> out.append("UNEXPECTED ").append(u).append('\n'));
        System.out.print(out);
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
