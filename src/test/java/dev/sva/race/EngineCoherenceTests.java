package dev.sva.race;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * After a storm of concurrent maps, unmaps, binds and unbinds on one node, the translation engine
 * agrees with the database: a DMA translates exactly where a mapping or bond is listed. The engine is
 * fed after each commit; this fails if two transactions of a node could feed it out of commit order
 * (an unmap applied before the map it undoes would leave a translation the database does not have).
 */
abstract class EngineCoherenceTests extends ApiTest {

    private static final int RANGES = 6;
    private static final int DEVICES = 6;

    @Test
    void theEngineAgreesWithTheDatabaseAfterConcurrentMapsAndUnmaps() throws Exception {
        String dev = device("0000:50:00.0", 0, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        storm(400, (random, i) -> {
            long iova = 0x100000L * (1 + random.nextInt(RANGES));
            Response r = random.nextBoolean()
                    ? api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of("iova", hex(iova), "size", 4096,
                            "physicalAddress", hex(0x40000000L + iova), "read", true, "write", true)))
                    : api.delete("/api/v1/containers/" + ctr + "/mappings?iova=" + hex(iova) + "&size=4096");
            assertThat(r.status()).as("%s", r).isIn(200, 201, 409);
        });
        Set<String> listed = new HashSet<>();
        api.get("/api/v1/containers/" + ctr + "/mappings?limit=1000").body().path("items")
                .forEach(m -> listed.add(m.path("iova").asString()));
        for (int k = 1; k <= RANGES; k++) {
            String iova = hex(0x100000L * k);
            Response dma = api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "address", iova, "access", "READ")));
            assertThat(dma.str("outcome")).as("IOVA %s listed=%s on %s", iova, listed.contains(iova), database())
                    .isEqualTo(listed.contains(iova) ? "TRANSLATED" : "FAULT");
        }
    }

    @Test
    void theEngineAgreesWithTheDatabaseAfterConcurrentBindsAndUnbinds() throws Exception {
        List<String> devices = new ArrayList<>();
        for (int d = 0; d < DEVICES; d++) {
            devices.add(device("0000:51:00." + d, 20, false));
        }
        String proc = process(77);
        assertThat(api.post("/api/v1/address-spaces/" + proc + "/mappings", Api.json(Map.of("va", "0x10000000", "size", 4096,
                "physicalAddress", "0x50000000", "read", true, "write", true))).status()).isEqualTo(201);
        Map<String, String> bondOf = new ConcurrentHashMap<>();
        storm(400, (random, i) -> {
            String dev = devices.get(random.nextInt(DEVICES));
            if (random.nextBoolean()) {
                Response r = api.post("/api/v1/devices/" + dev + "/bonds", Api.json(Map.of("addressSpaceId", proc)));
                assertThat(r.status()).as("%s", r).isIn(200, 201);
                bondOf.put(dev, r.str("id"));
            } else {
                String bond = bondOf.get(dev);
                if (bond != null) {
                    assertThat(api.delete("/api/v1/bonds/" + bond).status()).isIn(204, 404);
                }
            }
        });
        int pasid = api.get("/api/v1/address-spaces/" + proc).body().path("pasid").asInt();
        Set<String> bound = new HashSet<>();
        api.get("/api/v1/bonds?node=" + node + "&addressSpaceId=" + proc + "&limit=1000").body().path("items")
                .forEach(b -> bound.add(b.path("deviceId").asString()));
        for (String dev : devices) {
            Response dma = api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "pasid", pasid, "address", "0x10000010",
                    "access", "READ")));
            assertThat(dma.str("outcome")).as("%s bound=%s on %s", dev, bound.contains(dev), database())
                    .isEqualTo(bound.contains(dev) ? "TRANSLATED" : "FAULT");
        }
    }

    interface Step {
        void run(Random random, int i);
    }

    /** Runs {@code count} steps on 16 threads, all released together. */
    private static void storm(int count, Step step) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        try {
            for (int i = 0; i < count; i++) {
                int n = i;
                futures.add(pool.submit(() -> {
                    start.await();
                    step.run(new Random(n), n);
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : futures) {
                f.get(5, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
