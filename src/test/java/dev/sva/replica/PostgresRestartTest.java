package dev.sva.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.replica.HistoryChecker.Result;
import dev.sva.support.PrivatePostgres;
import dev.sva.support.ReplicaCluster;
import dev.sva.support.ReplicaCluster.Replica;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 3 of REPLICAS.md when the database itself goes: three replicas on a PostgreSQL of the test's own
 * ({@link PrivatePostgres}), under load; the server is stopped for longer than the lease and started again. While it
 * is down every replica fences itself: its DMA answers {@code 503} with {@code Retry-After} (it cannot prove it is
 * current). Once the server is back every replica recovers and resyncs by itself — ready, answering DMA. Then a
 * quick {@code pg_ctl restart -m fast}, shorter than the lease, cuts every session again (wake-ups sent while a
 * listener reconnects are lost). The whole history, before, during and after both, is valid.
 */
@Tag("postgres")
class PostgresRestartTest {

    @TempDir
    Path tmp;

    /** What one replica was seen doing while the server was down. */
    private static final class Probe {
        volatile boolean dmaFenced;
        volatile boolean dmaAnswered;
        volatile boolean notReady;
    }

    @Test
    void everyReplicaFencesWhileTheServerIsDownAndResyncsByItselfAfter() throws Exception {
        long seed = ReplicaChaos.seed();
        ReplicaChaos.Phases phases = new ReplicaChaos.Phases();
        try (PrivatePostgres pg = PrivatePostgres.start(tmp);
             ReplicaCluster cluster = ReplicaChaos.cluster(pg.server(), "pg-restart", 3, null)) {
            phases.mark("PostgreSQL and 3 replicas ready");
            ReplicaWorkload workload = new ReplicaWorkload(cluster, seed, Duration.ofSeconds(15));
            workload.setUp(2, 4);
            workload.start(2);
            assertThat(workload.awaitChecked(1_500, Duration.ofSeconds(60))).as("load before the restart").isTrue();

            pg.stop();
            phases.mark("PostgreSQL stopped");
            AtomicBoolean down = new AtomicBoolean(true);
            List<Probe> probes = new ArrayList<>();
            List<Thread> probers = new ArrayList<>();
            int slot = workload.slots().get(0);
            for (Replica r : cluster.replicas()) {
                Probe p = new Probe();
                probes.add(p);
                Thread t = new Thread(() -> {
                    while (down.get()) {
                        ReplicaWorkload.Answer a = workload.dma(slot, r);
                        if (a.status() == 503 && a.header("Retry-After") != null) {
                            p.dmaFenced = true;
                        } else if (a.status() == 200 && p.dmaFenced) {
                            p.dmaAnswered = true; // answered again while the server is still down
                        }
                        if (cluster.readiness(r) != 200) {
                            p.notReady = true;
                        }
                        ReplicaChaos.sleep(100);
                    }
                }, "probe-" + r.index());
                t.setDaemon(true);
                t.start();
                probers.add(t);
            }
            Thread.sleep(ReplicaChaos.LEASE.toMillis() + 3_000);
            down.set(false);
            for (Thread t : probers) {
                t.join(30_000);
            }
            pg.startAgain();
            phases.mark("PostgreSQL started again");

            long until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            for (Replica r : cluster.replicas()) {
                while (System.nanoTime() < until && !(cluster.readiness(r) == 200 && workload.dma(slot, r).status() == 200)) {
                    Thread.sleep(200);
                }
                assertThat(cluster.readiness(r)).as("%s ready again by itself", r).isEqualTo(200);
            }
            phases.mark("every replica ready and answering DMA");
            boolean loadAfter = workload.awaitChecked(workload.checked() + 1_500, Duration.ofSeconds(60));

            // a quick restart (pg_ctl restart -m fast), shorter than the lease: every session is cut, wake-ups sent
            // while a listener reconnects are lost, yet no lease need lapse; the replicas must resync all the same
            pg.restart();
            phases.mark("PostgreSQL restarted (fast)");
            until = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            for (Replica r : cluster.replicas()) {
                while (System.nanoTime() < until && !(cluster.readiness(r) == 200 && workload.dma(slot, r).status() == 200)) {
                    Thread.sleep(200);
                }
                assertThat(cluster.readiness(r)).as("%s ready again by itself after the fast restart", r).isEqualTo(200);
            }
            boolean loadAfterFastRestart = workload.awaitChecked(workload.checked() + 1_500, Duration.ofSeconds(60));
            phases.mark("every replica answering again, 1,500 operations after it");
            workload.stop();
            workload.readEverySlotEverywhere();
            phases.mark("every slot read on every replica");

            Result result = workload.history().check();
            ReplicaChaos.report("PostgresRestartTest", seed, result, null, workload, phases);
            for (int i = 0; i < probes.size(); i++) {
                Probe p = probes.get(i);
                System.out.printf("replica %d while the server was down: DMA fenced %s, answered again %s, readiness not 200 %s%n",
                        i, p.dmaFenced, p.dmaAnswered, p.notReady);
            }
            assertThat(result.violations().size()).as("violations (the first 20 are printed)").isZero();
            assertThat(workload.unexpected()).as("answers no replica may give").isEmpty();
            for (int i = 0; i < probes.size(); i++) {
                assertThat(probes.get(i).dmaFenced).as("replica %d fenced its DMA (503 + Retry-After) while the server was down", i)
                        .isTrue();
                assertThat(probes.get(i).dmaAnswered).as("replica %d answered DMA again while the server was still down", i)
                        .isFalse();
            }
            assertThat(loadAfter).as("1,500 operations after the restart").isTrue();
            assertThat(loadAfterFastRestart).as("1,500 operations after the fast restart").isTrue();
            assertThat(workload.acknowledgedWritesMissing(cluster.replica(0))).as("acknowledged writes not in the database")
                    .isEmpty();
        }
    }
}
