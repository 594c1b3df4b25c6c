package dev.sva.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.SvaApplication;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.PostgresDatabase;
import dev.sva.support.TcpProxy;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Three replicas — three application contexts on three ports — on one schema of the real PostgreSQL
 * (REPLICAS.md, guarantees 1-3). Replica C reaches the database through a proxy the test cuts: its
 * listener connection and its pool go away together, as when a replica loses its database.
 * Short leases (heartbeat 200 ms, lease 2 s) keep the waits short; nothing here measures time.
 */
@Tag("postgres")
@ExtendWith(PostgresDatabase.Condition.class)
class ReplicaSetPostgresTest {

    @TempDir
    static Path data;

    private static PostgresDatabase db;
    private static String schema;
    private static TcpProxy proxy;
    private static final List<ConfigurableApplicationContext> contexts = new ArrayList<>();
    private static Api onA;
    private static Api onB;
    private static Api onC;

    @BeforeAll
    static void startThreeReplicas() throws Exception {
        db = PostgresDatabase.orNull();
        if (db == null) {
            throw new IllegalStateException("this test needs PostgreSQL");
        }
        schema = db.newSchema();
        onA = new Api(port(start(db.jdbcUrl(schema))));
        onB = new Api(port(start(db.jdbcUrl(schema))));
        proxy = new TcpProxy(db.port());
        onC = new Api(port(start(db.jdbcUrlVia(schema, proxy.port()))));
    }

    @AfterAll
    static void stop() throws Exception {
        for (ConfigurableApplicationContext c : contexts) {
            c.close();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    private static ConfigurableApplicationContext start(String url) {
        ConfigurableApplicationContext app = new SpringApplicationBuilder(SvaApplication.class).run("--server.port=0",
                "--spring.profiles.active=postgres",
                "--spring.datasource.url=" + url, "--spring.datasource.username=" + db.user(),
                "--spring.datasource.password=" + db.password(),
                "--spring.flyway.schemas=" + schema, "--spring.flyway.default-schema=" + schema,
                "--spring.datasource.hikari.connection-timeout=1000",
                // the shared test server has 100 connections for every test JVM of the machine
                "--spring.datasource.hikari.maximum-pool-size=4", "--spring.datasource.hikari.minimum-idle=1",
                "--sva.replicas.heartbeat=200ms", "--sva.replicas.lease=2s", "--sva.replicas.margin=500ms",
                "--management.endpoint.health.cache.time-to-live=0",
                "--spring.main.banner-mode=off", "--logging.level.root=WARN", "--logging.level.dev.sva.replica=INFO",
                Api.adminTokenArgument(), Api.securityDirArgument(data));
        contexts.add(app);
        return app;
    }

    private static int port(ConfigurableApplicationContext app) {
        return ((WebServerApplicationContext) app).getWebServer().getPort();
    }

    /** A node, a device in a singleton group and a container holding that group, made through {@code api}. */
    private record Setup(String node, String device, String container) {
    }

    private static Setup setup(Api api) {
        String node = Api.uniqueNode();
        assertThat(api.post("/api/v1/nodes", Api.json(Map.of("name", node))).status()).isEqualTo(201);
        String device = created(api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", "0000:3b:00.0",
                "driver", "vfio-pci", "pasidBits", 20))));
        String group = api.get("/api/v1/devices/" + device).str("groupId");
        String container = created(api.post("/api/v1/containers", Api.json(Map.of("node", node))));
        assertThat(api.put("/api/v1/containers/" + container + "/groups/" + group).status()).isEqualTo(201);
        return new Setup(node, device, container);
    }

    private static Response map(Api api, Setup s, long iova, long physical) {
        return api.post("/api/v1/containers/" + s.container() + "/mappings", Api.json(Map.of("iova", hex(iova),
                "size", 4096, "physicalAddress", hex(physical), "read", true)));
    }

    private static Response unmap(Api api, Setup s, long iova) {
        return api.delete("/api/v1/containers/" + s.container() + "/mappings?iova=" + hex(iova) + "&size=0x1000");
    }

    private static Response dma(Api api, Setup s, long iova) {
        return api.post("/api/v1/dma", Api.json(Map.of("deviceId", s.device(), "address", hex(iova), "access", "READ")));
    }

    private static void assertTranslates(Response r, long physical) {
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.str("outcome")).as("%s", r).isEqualTo("TRANSLATED");
        assertThat(r.str("physicalAddress")).as("%s", r).isEqualTo(hex(physical));
    }

    private static void assertFaults(Response r) {
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.str("outcome")).as("%s", r).isEqualTo("FAULT");
        assertThat(r.body().path("fault").path("reason").asString()).as("%s", r).isEqualTo("TRANSLATION");
    }

    @Test
    void aMapOnOneReplicaTranslatesOnTheOthersAndAnUnmapFaultsThereAsSoonAsItIsAnswered() {
        Setup s = setup(onA);
        for (int i = 0; i < 10; i++) {
            long iova = 0x10000 + i * 0x1000L;
            long physical = 0x80000000L + i * 0x1000L;
            Api writer = i % 2 == 0 ? onA : onB;
            Api reader = i % 2 == 0 ? onB : onA;
            assertThat(map(writer, s, iova, physical).status()).isEqualTo(201);
            assertTranslates(dma(reader, s, iova), physical);
            assertTranslates(dma(onC, s, iova), physical);

            assertThat(unmap(writer, s, iova).status()).isEqualTo(200);
            assertFaults(dma(reader, s, iova));
            assertFaults(dma(onC, s, iova));
        }
    }

    @Test
    void writersWaitForALiveReplicaUntilItsLeaseExpiresAndNoLonger() throws Exception {
        Setup s = setup(onA);
        String silent = "r-silent-" + System.nanoTime();
        AtomicBoolean renewing = new AtomicBoolean(true);
        try (Connection c = DriverManager.getConnection(db.jdbcUrl(schema), db.user(), db.password())) {
            // a replica that renews its lease but never acknowledges: one stopped mid-way (kill -STOP) would
            // stop renewing too; here the test decides when
            execute(c, "INSERT INTO replica (id, host, started_at, lease_until, ready) "
                    + "VALUES ('" + silent + "', 'test', now(), now() + interval '2 seconds', true)");
            CompletableFuture<Void> renewals = CompletableFuture.runAsync(() -> {
                while (renewing.get()) {
                    execute(c, "UPDATE replica SET lease_until = now() + interval '2 seconds' WHERE id = '" + silent + "'");
                    sleep(300);
                }
            });
            CompletableFuture<Response> write = CompletableFuture.supplyAsync(() -> map(onA, s, 0x10000, 0x80000000L));
            sleep(3000);
            assertThat(write).as("a writer waits while the replica holds a live lease").isNotDone();
            renewing.set(false);
            renewals.get(10, TimeUnit.SECONDS);

            assertThat(write.get(60, TimeUnit.SECONDS).status()).isEqualTo(201);
            assertThat(leaseExpired(c, silent)).as("the writer returned once the lease had expired").isTrue();
            assertTranslates(dma(onB, s, 0x10000), 0x80000000L);
            assertThat(unmap(onA, s, 0x10000).status()).as("the next writer does not wait for it").isEqualTo(200);
            assertFaults(dma(onB, s, 0x10000));
        } finally {
            renewing.set(false);
        }
    }

    @Test
    void aReplicaThatLosesItsDatabaseFencesItsDmaAndCatchesUpWhenItReturns() throws Exception {
        Setup s = setup(onA);
        assertThat(map(onA, s, 0x10000, 0x80000000L).status()).isEqualTo(201);
        assertTranslates(dma(onC, s, 0x10000), 0x80000000L);
        assertThat(onC.get("/actuator/health/readiness").status()).isEqualTo(200);

        proxy.cut();
        try {
            // C cannot acknowledge: the unmap returns once C's lease expired, and C fenced itself before that
            assertThat(unmap(onA, s, 0x10000).status()).isEqualTo(200);
            Response fenced = dma(onC, s, 0x10000);
            assertThat(fenced.status()).as("%s", fenced).isEqualTo(503);
            assertThat(fenced.code()).isEqualTo("REPLICA_NOT_CURRENT");
            assertThat(fenced.header("Retry-After")).isEqualTo("1");
            assertThat(fenced.contentType()).startsWith("application/problem+json");
            assertThat(onC.get("/actuator/health/readiness").status()).isEqualTo(503);
            assertThat(map(onA, s, 0x20000, 0x90000000L).status()).as("writers no longer wait for C").isEqualTo(201);
        } finally {
            proxy.restore();
        }

        assertThat(eventually(() -> onC.get("/actuator/health/readiness"), r -> r.status() == 200))
                .as("C rejoins by itself").isTrue();
        assertFaults(dma(onC, s, 0x10000));
        assertTranslates(dma(onC, s, 0x20000), 0x90000000L);
    }

    @Test
    void aReplicaWhoseListenerConnectionIsKilledRejoinsAndNeverAnswersFromBeforeAnAcknowledgedWrite() throws Exception {
        Setup s = setup(onA);
        String c = contexts.get(2).getBean(ReplicaSet.class).id();
        assertThat(map(onA, s, 0x10000, 0x80000000L).status()).isEqualTo(201);
        assertTranslates(dma(onC, s, 0x10000), 0x80000000L);
        try (Connection admin = DriverManager.getConnection(db.jdbcUrl(schema), db.user(), db.password())) {
            for (int i = 0; i < 5; i++) {
                long iova = 0x20000 + i * 0x1000L;
                // the server ends C's listener session: the wake-ups of the next write may be lost to C
                execute(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'sva-replica-"
                        + c + "'");
                assertThat(map(onA, s, iova, 0x90000000L).status()).isEqualTo(201);
                Response r = dma(onC, s, iova);
                if (r.status() == 503) {
                    assertThat(r.code()).as("%s", r).isEqualTo("REPLICA_NOT_CURRENT");
                } else {
                    assertTranslates(r, 0x90000000L);
                }
            }
        }
        assertThat(eventually(() -> dma(onC, s, 0x24000), r -> r.status() == 200)).as("C rejoins by itself").isTrue();
        assertTranslates(dma(onC, s, 0x24000), 0x90000000L);
    }

    private static boolean eventually(Supplier<Response> call, Predicate<Response> ok) {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (System.nanoTime() - until < 0) {
            if (ok.test(call.get())) {
                return true;
            }
            sleep(200);
        }
        return false;
    }

    private static boolean leaseExpired(Connection c, String id) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT lease_until <= now() FROM replica WHERE id = ?")) {
            s.setString(1, id);
            try (ResultSet rs = s.executeQuery()) {
                return !rs.next() || rs.getBoolean(1);
            }
        }
    }

    private static synchronized void execute(Connection c, String sql) {
        try (var st = c.createStatement()) {
            st.execute(sql);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String created(Response r) {
        assertThat(r.status()).as("create: %s", r).isEqualTo(201);
        return r.str("id");
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
