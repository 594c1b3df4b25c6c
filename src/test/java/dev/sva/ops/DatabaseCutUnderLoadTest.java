package dev.sva.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariDataSource;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import dev.sva.support.PostgresDatabase;
import dev.sva.support.TcpProxy;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * PostgreSQL cut under load (issue 8, item 3). The service reaches PostgreSQL through a proxy; writers
 * map and bind concurrently over HTTP while the proxy is cut for a few seconds and then restored.
 * Every answer is a 2xx or {@code 503 DATABASE_UNAVAILABLE} with an {@code outcome} and a
 * {@code Retry-After} — no 500, no hang; after the restore the service answers 2xx again by itself;
 * every acknowledged write is in the database; and for every write whose outcome was unknown, the
 * translation engine agrees with the database (a DMA translates exactly when the write committed).
 * Like {@code ReadinessTest}, it runs where {@code @PostgresTest} runs, but points the service at the
 * proxy itself ({@code @PostgresTest} would point it at the server).
 */
@Tag("postgres")
@ExtendWith(PostgresDatabase.Condition.class)
@ActiveProfiles("postgres")
class DatabaseCutUnderLoadTest extends ApiTest {

    private static final int WRITERS = 6;
    private static TcpProxy proxy;

    @Autowired
    private DataSource dataSource;

    @DynamicPropertySource
    static void throughTheProxy(DynamicPropertyRegistry registry) throws IOException {
        proxy = PostgresDatabase.throughProxy(registry);
    }

    @AfterAll
    static void stop() throws IOException {
        if (proxy != null) {
            proxy.cut();
        }
    }

    /** One write and its answer; {@code key} names what it wrote (an IOVA, or a device and process). */
    private record Write(String kind, String container, String device, String key, Response answer) {
    }

    @Test
    void writersThroughACutSeeOnly503sThatSayWhyAndEveryAcknowledgedWriteIsKept() throws Exception {
        assertThat(dataSource.unwrap(HikariDataSource.class).getJdbcUrl()).as("through the proxy")
                .contains(":" + proxy.port() + "/");
        List<String> devices = new ArrayList<>();
        List<String> containers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            String dev = dev(20, false);
            String ctr = container();
            attach(ctr, groupOf(dev));
            devices.add(dev);
            containers.add(ctr);
        }
        ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();
        AtomicInteger phase = new AtomicInteger(); // 0 before the cut, 1 cut, 2 restored
        AtomicInteger okAfterRestore = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            writers.add(threads.submit(() -> {
                boolean recovered = false;
                for (int i = 0; i < 2_000 && !recovered; i++) {
                    Write write = i % 2 == 0
                            ? map(containers.get(writer), devices.get(writer), writer, i)
                            : bind(devices.get(writer), writer, i);
                    writes.add(write);
                    if (phase.get() == 2 && write.answer().status() / 100 == 2) {
                        recovered = true;
                        okAfterRestore.incrementAndGet();
                    }
                }
                return null;
            }));
        }
        awaitWrites(writes, 20 * WRITERS);
        phase.set(1);
        proxy.cut();
        int atCut = writes.size();
        Thread.sleep(4_000);
        assertThat(writes.size()).as("writers kept being answered during the cut").isGreaterThan(atCut);
        proxy.restore();
        phase.set(2);
        for (Future<?> f : writers) {
            f.get(5, TimeUnit.MINUTES);
        }
        threads.shutdown();

        assertThat(okAfterRestore.get()).as("every writer got a 2xx after the restore, by itself").isEqualTo(WRITERS);
        List<Write> unavailable = new ArrayList<>();
        for (Write w : writes) {
            Response r = w.answer();
            if (r.status() / 100 == 2) {
                continue;
            }
            assertThat(r.status()).as("%s %s: %s", w.kind(), w.key(), r).isEqualTo(503);
            assertThat(r.code()).as("%s", r).isEqualTo("DATABASE_UNAVAILABLE");
            assertThat(r.str("outcome")).as("%s", r).isIn("NOT_APPLIED", "UNKNOWN");
            assertThat(r.header("Retry-After")).as("%s", r).isNotBlank();
            unavailable.add(w);
        }
        assertThat(unavailable).as("the cut was felt").isNotEmpty();
        System.out.printf("database cut: %d writes, %d answered 503 (%d with outcome UNKNOWN)%n", writes.size(),
                unavailable.size(), unavailable.stream().filter(w -> "UNKNOWN".equals(w.answer().str("outcome"))).count());

        for (Write w : writes) {
            Response r = w.answer();
            boolean acknowledged = r.status() / 100 == 2;
            boolean unknown = "UNKNOWN".equals(r.str("outcome"));
            if (!acknowledged && !unknown) {
                if (w.kind().equals("map")) {
                    assertThat(mapped(w)).as("NOT_APPLIED map %s is not in the database", w.key()).isFalse();
                }
                continue;
            }
            if (w.kind().equals("map")) {
                boolean inDatabase = mapped(w);
                if (acknowledged) {
                    assertThat(inDatabase).as("acknowledged map %s is in the database", w.key()).isTrue();
                }
                assertThat(dma(w.device(), null, w.key())).as("the engine agrees with the database on map %s (%s)",
                        w.key(), r).isEqualTo(inDatabase ? "TRANSLATED" : "FAULT");
            } else if (w.kind().equals("bind")) {
                String[] devAndProcess = w.key().split("/");
                JsonNode bond = bondOf(devAndProcess[0], devAndProcess[1]);
                if (acknowledged && w.answer().str("pasid") != null) {
                    assertThat(bond).as("acknowledged bind %s is in the database", w.key()).isNotNull();
                }
                if (bond != null) {
                    assertThat(dma(devAndProcess[0], bond.path("pasid").asInt(), "0x10000"))
                            .as("the engine agrees with the database on bind %s (%s)", w.key(), r).isEqualTo("TRANSLATED");
                }
            }
        }
    }

    private Write map(String ctr, String dev, int writer, int i) {
        String iova = "0x" + Long.toHexString(0x100000L * (writer + 1) + 0x1000L * i);
        Response r = api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of("iova", iova, "size", "0x1000",
                "physicalAddress", "0x80000000", "read", true, "write", true)));
        return new Write("map", ctr, dev, iova, r);
    }

    /**
     * A process with one pinned page at VA 0x10000, bound to the device: three writes, the last
     * recorded. A process or region that failed ends the step with that answer (a process that may
     * exist without its region is not bound).
     */
    private Write bind(String dev, int writer, int i) {
        Response proc = api.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 10_000 * (writer + 1) + i)));
        if (proc.status() != 201) {
            return new Write("process", null, dev, "pid " + (10_000 * (writer + 1) + i), proc);
        }
        String as = proc.str("id");
        Response region = api.post("/api/v1/address-spaces/" + as + "/mappings", Api.json(Map.of("va", "0x10000",
                "size", "0x1000", "physicalAddress", "0x90000000", "read", true, "write", true, "pinned", true)));
        if (region.status() != 201) {
            return new Write("region", null, dev, as, region);
        }
        return new Write("bind", null, dev, dev + "/" + as, api.post("/api/v1/devices/" + dev + "/bonds",
                Api.json(Map.of("addressSpaceId", as))));
    }

    private boolean mapped(Write w) {
        Response r = api.get("/api/v1/containers/" + w.container() + "/mappings?iova=" + w.key() + "&size=0x1000");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.body().path("items").size() > 0;
    }

    private JsonNode bondOf(String dev, String as) {
        Response r = api.get("/api/v1/bonds?deviceId=" + dev + "&addressSpaceId=" + as);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.body().path("items").size() == 0 ? null : r.body().path("items").get(0);
    }

    private String dma(String dev, Integer pasid, String address) {
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("deviceId", dev);
        if (pasid != null) {
            body.put("pasid", pasid);
        }
        body.put("address", address);
        body.put("size", 8);
        body.put("access", "READ");
        Response r = api.post("/api/v1/dma", Api.json(body));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.str("outcome");
    }

    private static void awaitWrites(ConcurrentLinkedQueue<Write> writes, int n) throws InterruptedException {
        while (writes.size() < n) {
            Thread.sleep(50);
        }
    }
}
