package dev.sva.race;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.sva.support.Api.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Real concurrent HTTP requests for race tests. Requests are added in groups ("rounds"): the members
 * of a round wait for each other at a barrier and then fire together, so the requests that are meant
 * to race do race; every request also waits for one start gate, opened when all are queued. Rounds
 * are queued in order to a fixed pool, so the members of a round are picked up together and a round
 * never waits for a thread held by a later one. The time limits only stop a hung run; no assertion
 * depends on how long anything took.
 */
final class Race {

    /** One answer, with what was asked: {@code kind} names the request type, {@code key} its target. */
    record Outcome(String kind, String key, Response response, long nanos) {
        int status() {
            return response.status();
        }

        boolean ok() {
            return response.status() / 100 == 2;
        }
    }

    private record Request(String kind, String key, Supplier<Response> call, CyclicBarrier round) {
    }

    private static final long LIMIT_MINUTES = 5;

    private final int threads;
    private final List<Request> requests = new ArrayList<>();
    private List<Request> current = new ArrayList<>();

    Race(int threads) {
        this.threads = threads;
    }

    /** Adds a request to the round being built. */
    Race add(String kind, String key, Supplier<Response> call) {
        current.add(new Request(kind, key, call, null));
        return this;
    }

    /** Closes the round being built: its requests fire together. */
    Race round() {
        if (current.isEmpty()) {
            return this;
        }
        if (current.size() > threads) {
            throw new IllegalArgumentException("a round of " + current.size() + " needs as many threads, have " + threads);
        }
        CyclicBarrier barrier = current.size() > 1 ? new CyclicBarrier(current.size()) : null;
        for (Request r : current) {
            requests.add(new Request(r.kind(), r.key(), r.call(), barrier));
        }
        current = new ArrayList<>();
        return this;
    }

    int size() {
        return requests.size() + current.size();
    }

    /** Fires every request and answers the outcomes in the order they were added. */
    List<Outcome> run() throws InterruptedException {
        round();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch gate = new CountDownLatch(1);
        try {
            List<Future<Outcome>> futures = new ArrayList<>();
            for (Request r : requests) {
                futures.add(pool.submit(() -> {
                    gate.await();
                    if (r.round() != null) {
                        r.round().await(LIMIT_MINUTES, TimeUnit.MINUTES);
                    }
                    long start = System.nanoTime();
                    Response response = r.call().get();
                    return new Outcome(r.kind(), r.key(), response, System.nanoTime() - start);
                }));
            }
            gate.countDown();
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(LIMIT_MINUTES);
            List<Outcome> outcomes = new ArrayList<>();
            for (Future<Outcome> f : futures) {
                try {
                    outcomes.add(f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS));
                } catch (TimeoutException e) {
                    fail("the race did not finish within " + LIMIT_MINUTES + " minutes (a hang, not a slow run)");
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof BrokenBarrierException || e.getCause() instanceof TimeoutException) {
                        fail("a round never assembled", e.getCause());
                    }
                    throw new AssertionError("a request failed: " + e.getCause(), e.getCause());
                }
            }
            return outcomes;
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
    }

    /**
     * Asserts that every answer of {@code kind} is one of {@code allowed} ("201", "200", "409
     * GROUP_NOT_SINGLETON", ...): never a 5xx, never an unexpected refusal.
     */
    static void assertAnswers(List<Outcome> outcomes, String kind, Set<String> allowed) {
        for (Outcome o : outcomes) {
            if (o.kind().equals(kind)) {
                assertThat(allowed).as("%s %s answered %s", kind, o.key(), o.response()).contains(label(o.response()));
            }
        }
    }

    /** {@code "201"} for a success, {@code "409 CODE"} for a problem. */
    static String label(Response r) {
        return r.status() / 100 == 2 ? Integer.toString(r.status()) : r.status() + " " + r.code();
    }

    /**
     * How often each answer came, by kind, and the slowest answer: printed so a run shows which
     * interleavings it met and how close the lock waits came to a timeout. Never asserted.
     */
    static String tally(List<Outcome> outcomes) {
        Map<String, Integer> counts = new TreeMap<>();
        long slowest = 0;
        for (Outcome o : outcomes) {
            counts.merge(o.kind() + " -> " + label(o.response()), 1, Integer::sum);
            slowest = Math.max(slowest, o.nanos());
        }
        return counts + ", " + outcomes.size() + " requests, slowest " + TimeUnit.NANOSECONDS.toMillis(slowest) + " ms";
    }
}
