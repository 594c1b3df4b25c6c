package dev.sva.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.replica.HistoryChecker.Result;
import dev.sva.support.ReplicaCluster;
import dev.sva.support.ReplicaCluster.Replica;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Guarantee 4 of REPLICAS.md: {@code kill -9} of one of three replicas under load. The two others keep answering
 * writes and DMA; every acknowledged write is in the database; the killed one restarts, and once ready its DMA
 * answers reflect the writes made while it was dead. Every answer of the run goes through the {@link HistoryChecker}.
 */
@Tag("postgres")
class ReplicaKillNineTest {

    @TempDir
    Path tmp;

    @Test
    void theOthersKeepAnsweringAndTheKilledOneCatchesUpBeforeItIsReady() throws Exception {
        long seed = ReplicaChaos.seed();
        ReplicaChaos.Phases phases = new ReplicaChaos.Phases();
        try (ReplicaCluster cluster = ReplicaChaos.cluster(tmp, "kill-nine", 3)) {
            phases.mark("3 replicas ready");
            ReplicaWorkload workload = new ReplicaWorkload(cluster, seed, Duration.ofSeconds(15));
            workload.setUp(2, 4);
            workload.start(2);
            assertThat(workload.awaitChecked(1_500, Duration.ofSeconds(60))).as("load before the kill").isTrue();

            Replica victim = cluster.replica(new Random(seed).nextInt(cluster.size()));
            List<Replica> survivors = cluster.replicas().stream().filter(r -> r != victim).toList();
            long[] before = survivors.stream().mapToLong(workload::answeredBy).toArray();
            long killedAt = System.nanoTime();
            cluster.kill(victim);
            phases.mark("kill -9 " + victim);
            boolean loadWhileDead = workload.awaitChecked(workload.checked() + 2_000, Duration.ofSeconds(60));
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (workload.history().acknowledgedBetween(killedAt, System.nanoTime()) < 100 && System.nanoTime() < deadline) {
                Thread.sleep(100); // enough writes for the restarted replica to miss
            }
            long restartedAt = System.nanoTime();
            long acknowledgedWhileDead = workload.history().acknowledgedBetween(killedAt, restartedAt);
            phases.mark(acknowledgedWhileDead + " writes acknowledged while it was dead");
            long[] whileDead = survivors.stream().mapToLong(workload::answeredBy).toArray();
            cluster.restart(victim, ReplicaChaos.READY_WITHIN);
            phases.mark(victim + " ready again");
            // the first answers of the restarted replica, before the load resumes on it: every slot
            for (int slot : workload.slots()) {
                workload.dma(slot, victim);
            }
            workload.stop();
            workload.readEverySlotEverywhere();
            phases.mark("every slot read on every replica");

            Result result = workload.history().check();
            ReplicaChaos.report("ReplicaKillNineTest", seed, result, null, workload, phases);
            assertThat(result.violations().size()).as("violations (the first 20 are printed)").isZero();
            assertThat(workload.unexpected()).as("answers no replica may give").isEmpty();
            assertThat(loadWhileDead).as("2,000 operations answered while %s was dead", victim).isTrue();
            for (int i = 0; i < survivors.size(); i++) {
                assertThat(whileDead[i] - before[i]).as("%s kept answering", survivors.get(i)).isGreaterThan(100);
            }
            assertThat(acknowledgedWhileDead).as("writes acknowledged while the victim was dead").isGreaterThanOrEqualTo(100);
            assertThat(workload.acknowledgedWritesMissing(survivors.get(0))).as("acknowledged writes not in the database")
                    .isEmpty();
            assertThat(workload.acknowledgedWritesMissing(victim)).as("acknowledged writes the restarted replica lists")
                    .isEmpty();
        }
    }
}
