package dev.sva.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.replica.HistoryChecker.Result;
import dev.sva.support.ReplicaCluster;
import dev.sva.support.ReplicaCluster.Replica;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The done-when of issue 12: three replicas (separate JVMs) on a fresh database of the real PostgreSQL, writers
 * and DMA readers on random replicas, one replica at a time paused (SIGSTOP, up to longer than the lease) or
 * killed (SIGKILL, then restarted) at random; every DMA answer must be explainable by a state no older than every
 * write acknowledged before the DMA was sent ({@link HistoryChecker}), over at least 10,000 operations, and at the
 * end every replica answers every slot as the last acknowledged write left it. The seed is printed;
 * {@code -Dsva.replicas.seed=<n>} replays the same choices of slots, replicas and victims (not the same timing).
 */
@Tag("postgres")
class ReplicaHistoryTest {

    @TempDir
    Path tmp;

    static final int OPERATIONS = 10_000;

    @Test
    void everyDmaAnswerIsExplainedByAStateNoOlderThanTheWritesAcknowledgedBeforeIt() throws Exception {
        long seed = ReplicaChaos.seed();
        ReplicaChaos.Phases phases = new ReplicaChaos.Phases();
        try (ReplicaCluster cluster = ReplicaChaos.cluster(tmp, "history", 3)) {
            phases.mark("3 replicas ready");
            ReplicaWorkload workload = new ReplicaWorkload(cluster, seed, Duration.ofSeconds(15));
            workload.setUp(2, 6);
            workload.start(2);
            ReplicaChaos chaos = ReplicaChaos.start(cluster, seed);
            boolean done = workload.awaitChecked(OPERATIONS, Duration.ofSeconds(150));
            phases.mark(workload.checked() + " operations");
            chaos.stop();
            workload.stop();
            ReplicaChaos.everyReplicaUp(cluster);
            phases.mark("chaos over, every replica ready");
            workload.readEverySlotEverywhere();

            Result result = workload.history().check();
            ReplicaChaos.report("ReplicaHistoryTest", seed, result, chaos, workload, phases);
            assertThat(result.violations().size()).as("violations (the first 20 are printed)").isZero();
            assertThat(workload.unexpected()).as("answers no replica may give").isEmpty();
            assertThat(workload.acknowledgedWritesMissing(cluster.replica(0))).as("acknowledged writes not in the database")
                    .isEmpty();
            assertThat(done).as("%d operations in the history in time", OPERATIONS).isTrue();
            assertThat(result.writes() + result.reads()).as("writes and DMA answers checked").isGreaterThanOrEqualTo(OPERATIONS);
            assertThat(chaos.pauses() + chaos.kills()).as("replicas paused or killed").isPositive();
            for (Replica r : cluster.replicas()) {
                assertThat(cluster.readiness(r)).as("%s ready at the end", r).isEqualTo(200);
            }
        }
    }
}
