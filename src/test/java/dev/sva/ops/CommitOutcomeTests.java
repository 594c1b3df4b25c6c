package dev.sva.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import tools.jackson.databind.JsonNode;

/**
 * A write whose commit the database link broke under (issue 8, item 3): the answer is {@code 503
 * DATABASE_UNAVAILABLE} with {@code outcome: UNKNOWN}, {@code errno EIO} and {@code Retry-After}, whether
 * the database had committed it or not — nobody here can tell — and the retry is safe either way: a
 * bind that did commit answers 200 with the same bond, one that did not answers 201, and the device
 * holds one bond. The link is broken by a connection wrapper whose {@code commit()} fails with SQLState
 * 08006 (connection failure), after or instead of committing.
 */
@Import(CommitOutcomeTests.BreakableCommits.class)
public abstract class CommitOutcomeTests extends ApiTest {

    /**
     * What the next commit of a transaction that wrote does: null commits normally. With the prefix
     * {@code any-}, the next commit of any transaction, a read-only one too.
     */
    static final AtomicReference<String> NEXT_COMMIT = new AtomicReference<>();

    @AfterEach
    void heal() {
        NEXT_COMMIT.set(null);
    }

    @Test
    void aBindWhoseCommitWasLostInTransitIsUnknownAndItsRetryAnswersTheSameBond() {
        String dev = dev(20, false);
        String proc = process(4100);
        NEXT_COMMIT.set("commit-then-break");
        Response lost = bind(dev, proc);
        assertUnknown(lost);

        Response retry = bind(dev, proc);
        assertThat(retry.status()).as("the first try was applied: the retry finds it, %s", retry).isEqualTo(200);
        assertThat(bondsOf(dev)).hasSize(1).first().satisfies(b -> assertThat(b.path("id").asString()).isEqualTo(retry.str("id")));
    }

    @Test
    void aBindWhoseCommitNeverArrivedIsUnknownAndItsRetryCreatesTheBondOnce() {
        String dev = dev(20, false);
        String proc = process(4200);
        NEXT_COMMIT.set("break-before-commit");
        assertUnknown(bind(dev, proc));
        assertThat(bondsOf(dev)).as("nothing was applied").isEmpty();

        Response retry = bind(dev, proc);
        assertThat(retry.status()).as("%s", retry).isEqualTo(201);
        assertThat(bondsOf(dev)).hasSize(1);
    }

    /**
     * The engine is fed after a commit that reports success; a commit reported lost was fed nothing.
     * When it did commit, the engine must not miss it: the node is caught up from the journal before
     * the next DMA answer.
     */
    @Test
    void aMapWhoseCommitWasLostInTransitTranslatesTheNextDma() {
        String dev = dev(0, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        assertThat(dmaOutcome(dev)).as("nothing mapped yet").isEqualTo("FAULT");

        NEXT_COMMIT.set("commit-then-break");
        assertUnknown(api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of("iova", "0x10000",
                "size", "0x1000", "physicalAddress", "0x80000000", "read", true, "write", true))));

        assertThat(dmaOutcome(dev)).as("the mapping was committed: DMA translates through it").isEqualTo("TRANSLATED");
    }

    @Test
    void anUnmapWhoseCommitWasLostInTransitNoLongerTranslates() {
        String dev = dev(0, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        assertThat(api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of("iova", "0x10000",
                "size", "0x1000", "physicalAddress", "0x80000000", "read", true, "write", true))).status()).isEqualTo(201);
        assertThat(dmaOutcome(dev)).isEqualTo("TRANSLATED");

        NEXT_COMMIT.set("commit-then-break");
        assertUnknown(api.delete("/api/v1/containers/" + ctr + "/mappings?iova=0x10000&size=0x1000"));

        assertThat(dmaOutcome(dev)).as("the unmap was committed: DMA faults").isEqualTo("FAULT");
    }

    /**
     * A node that may miss a committed change is caught up from the journal before its next DMA; while
     * the database cannot be read for that, its DMA is refused rather than answered from a stale view.
     */
    @Test
    void aDmaOfANodeBehindItsJournalIsRefusedWhileTheDatabaseCannotBeRead() {
        String dev = dev(0, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        NEXT_COMMIT.set("commit-then-break");
        assertUnknown(api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of("iova", "0x10000",
                "size", "0x1000", "physicalAddress", "0x80000000", "read", true, "write", true))));

        NEXT_COMMIT.set("any-break-before-commit"); // the admission's read of the node's journal position
        Response refused = api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "address", "0x10000", "size", 8,
                "access", "READ")));
        assertProblem(refused, 503, "DATABASE_UNAVAILABLE");
        assertThat(refused.header("Retry-After")).isEqualTo("5");

        assertThat(dmaOutcome(dev)).as("caught up once the database answers").isEqualTo("TRANSLATED");
    }

    @Test
    void aMapWhoseCommitNeverArrivedStaysUntranslated() {
        String dev = dev(0, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        NEXT_COMMIT.set("break-before-commit");
        assertUnknown(api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of("iova", "0x10000",
                "size", "0x1000", "physicalAddress", "0x80000000", "read", true, "write", true))));
        assertThat(dmaOutcome(dev)).as("nothing was committed").isEqualTo("FAULT");
    }

    private String dmaOutcome(String dev) {
        Response r = api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "address", "0x10000", "size", 8, "access", "READ")));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.str("outcome");
    }

    @Test
    void aReadIsNeverAnsweredWithAnUnknownOutcome() {
        String dev = dev(20, false);
        NEXT_COMMIT.set("any-commit-then-break");
        Response r = api.get("/api/v1/devices/" + dev);
        // a read-only transaction changed nothing, so whatever its commit did it is no UNKNOWN write
        assertThat(r.str("outcome")).as("%s", r).isNotEqualTo("UNKNOWN");
    }

    private static void assertUnknown(Response r) {
        assertProblem(r, 503, "DATABASE_UNAVAILABLE");
        assertThat(r.str("errno")).isEqualTo("EIO");
        assertThat(r.str("outcome")).isEqualTo("UNKNOWN");
        assertThat(r.header("Retry-After")).isEqualTo("5");
    }

    private List<JsonNode> bondsOf(String dev) {
        Response r = api.get("/api/v1/bonds?node=" + node + "&deviceId=" + dev);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return java.util.stream.StreamSupport.stream(r.body().path("items").spliterator(), false).toList();
    }

    /** Wraps the pool so that a test can break the link at the next commit. */
    @TestConfiguration(proxyBeanMethods = false)
    static class BreakableCommits {
        @Bean
        static BeanPostProcessor breakableCommits() {
            return new BeanPostProcessor() {
                @Override
                public Object postProcessAfterInitialization(Object bean, String name) {
                    if (!(bean instanceof DataSource pool) || !"dataSource".equals(name)) {
                        return bean;
                    }
                    return Proxy.newProxyInstance(DataSource.class.getClassLoader(), new Class<?>[] {DataSource.class},
                            (proxy, method, args) -> {
                                Object result = invoke(pool, method, args);
                                return result instanceof Connection c ? breakable(c) : result;
                            });
                }
            };
        }

        private static Connection breakable(Connection connection) {
            // only a commit that has writes behind it breaks: the read-only lookups a change makes
            // before it locks its node (NodeService) commit on connections of their own
            boolean[] wrote = {false};
            return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] {Connection.class},
                    (proxy, method, args) -> {
                        if (method.getName().equals("prepareStatement") && args != null && args[0] instanceof String sql
                                && sql.strip().toLowerCase(java.util.Locale.ROOT).matches("(insert|update|delete|merge)\\b.*")) {
                            wrote[0] = true;
                        }
                        if (method.getName().equals("rollback")) {
                            wrote[0] = false;
                        }
                        if (method.getName().equals("commit")) {
                            boolean writes = wrote[0];
                            wrote[0] = false;
                            String mode = NEXT_COMMIT.get();
                            if (mode == null || !(writes || mode.startsWith("any-")) || !NEXT_COMMIT.compareAndSet(mode, null)) {
                                return invoke(connection, method, args);
                            }
                            mode = mode.replace("any-", "");
                            if ("break-before-commit".equals(mode)) {
                                throw new SQLException("An I/O error occurred while sending to the backend", "08006");
                            }
                            if ("commit-then-break".equals(mode)) {
                                connection.commit();
                                throw new SQLException("An I/O error occurred while sending to the backend", "08006");
                            }
                        }
                        return invoke(connection, method, args);
                    });
        }

        private static Object invoke(Object target, java.lang.reflect.Method method, Object[] args) throws Throwable {
            try {
                return method.invoke(target, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }
    }
}
