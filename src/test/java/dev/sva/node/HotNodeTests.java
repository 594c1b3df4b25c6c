package dev.sva.node;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * A busy node must not stall the others (issue 8, item 2). Requests waiting for a busy node wait in
 * this process's node gate without a database connection, so however many writers queue up on one
 * node, the pool serves every other node. The node is made busy as another replica would make it:
 * a transaction on a connection of its own holds the node's row lock; meanwhile many writers hammer
 * that node over HTTP, and every change and read of two other nodes must still answer 2xx, with a
 * pool of four connections. Before the fix each queued writer held a connection while it waited,
 * so the pool ran dry and the other nodes were answered {@code 503 BUSY}.
 */
@TestPropertySource(properties = "spring.datasource.hikari.maximum-pool-size=4")
public abstract class HotNodeTests extends ApiTest {

    private static final int HOT_WRITERS = 12;
    private static final int OTHER_WORKERS = 4;
    private static final int OTHER_REQUESTS_EACH = 25;

    @Autowired
    private DataSource dataSource;

    @Test
    void writersQueuedOnOneBusyNodeDoNotStarveTheOtherNodes() throws Exception {
        HikariDataSource pool = dataSource.unwrap(HikariDataSource.class);
        assertThat(pool.getMaximumPoolSize()).as("the pool this test is about").isEqualTo(4);
        String hot = node;
        String hotContainer = container();
        List<String> others = List.of(newNode(), newNode());
        List<String> otherContainers = others.stream()
                .map(n -> created(api.post("/api/v1/containers", Api.json(Map.of("node", n))))).toList();

        ConcurrentLinkedQueue<String> hotAnswers = new ConcurrentLinkedQueue<>();
        ConcurrentLinkedQueue<String> otherFailures = new ConcurrentLinkedQueue<>();
        AtomicInteger otherAnswers = new AtomicInteger();
        AtomicBoolean done = new AtomicBoolean();
        ExecutorService threads = Executors.newFixedThreadPool(HOT_WRITERS + OTHER_WORKERS);
        try (Connection replica = DriverManager.getConnection(pool.getJdbcUrl(), pool.getUsername(), pool.getPassword())) {
            replica.setAutoCommit(false);
            // another replica's long transaction holds the hot node's row lock
            try (PreparedStatement s = replica.prepareStatement("select id from node where name = ? for update")) {
                s.setString(1, hot);
                try (ResultSet rs = s.executeQuery()) {
                    assertThat(rs.next()).isTrue();
                }
            }
            CountDownLatch hotStarted = new CountDownLatch(HOT_WRITERS);
            List<Future<?>> hotWriters = new ArrayList<>();
            for (int t = 0; t < HOT_WRITERS; t++) {
                int writer = t;
                hotWriters.add(threads.submit(() -> {
                    hotStarted.countDown();
                    for (int i = 0; !done.get(); i++) {
                        Response r = i % 2 == 0
                                ? api.post("/api/v1/containers", Api.json(Map.of("node", hot)))
                                : map(hotContainer, writer * 100_000L + i);
                        hotAnswers.add(r.status() + " " + r.code());
                    }
                }));
            }
            hotStarted.await();

            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < OTHER_WORKERS; t++) {
                String other = others.get(t % others.size());
                String otherContainer = otherContainers.get(t % others.size());
                int worker = t;
                workers.add(threads.submit(() -> {
                    for (int i = 0; i < OTHER_REQUESTS_EACH; i++) {
                        Response r = switch (i % 4) {
                            case 0 -> api.post("/api/v1/containers", Api.json(Map.of("node", other)));
                            case 1 -> map(otherContainer, worker * 100_000L + i);
                            case 2 -> api.get("/api/v1/containers?node=" + other);
                            default -> api.get("/api/v1/containers/" + otherContainer + "/mappings?limit=10");
                        };
                        otherAnswers.incrementAndGet();
                        if (r.status() / 100 != 2) {
                            otherFailures.add(other + ": " + r);
                        }
                    }
                }));
            }
            for (Future<?> w : workers) {
                w.get(5, TimeUnit.MINUTES);
            }
            replica.rollback();
            done.set(true);
            for (Future<?> w : hotWriters) {
                w.get(5, TimeUnit.MINUTES);
            }
        } finally {
            done.set(true);
            threads.shutdownNow();
        }

        assertThat(otherAnswers.get()).isEqualTo(OTHER_WORKERS * OTHER_REQUESTS_EACH);
        assertThat(otherFailures).as("the other nodes' answers while %s was busy (%s)", hot, database()).isEmpty();
        assertThat(hotAnswers).as("the busy node's answers are 2xx or 503 BUSY, never another failure")
                .allSatisfy(a -> assertThat(a).matches("2\\d\\d .*|503 BUSY"));
        assertThat(api.post("/api/v1/containers", Api.json(Map.of("node", hot))).status())
                .as("the node takes changes once the other replica let go").isEqualTo(201);
    }

    private String newNode() {
        String name = Api.uniqueNode();
        assertThat(api.post("/api/v1/nodes", Api.json(Map.of("name", name))).status()).isEqualTo(201);
        return name;
    }

    /** A 4 KiB mapping at the {@code n}th page of the container's IOVA space. */
    private Response map(String containerId, long n) {
        return api.post("/api/v1/containers/" + containerId + "/mappings", Api.json(Map.of(
                "iova", "0x" + Long.toHexString(n * 0x1000), "size", "0x1000", "physicalAddress", "0x80000000",
                "read", true, "write", true)));
    }
}
