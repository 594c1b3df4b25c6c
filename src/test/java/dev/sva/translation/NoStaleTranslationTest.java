package dev.sva.translation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Rule 18 under load: while other clients keep sending DMA (and warming the IOTLB), once an unmap,
 * munmap, unbind or exit has returned, no DMA sent afterwards translates through what it removed.
 * Each reader notes before sending whether the removal had already returned; a translation of a
 * request sent after that point is a stale IOTLB hit.
 */
class NoStaleTranslationTest extends DmaTestSupport {

    @Test
    void noTranslationAfterUnmapReturned() throws Exception {
        String dev = device("0000:30:00.0", 0, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        map(ctr, "0x400000", 0x1000, "0x7000000", true, true);
        race(dev, null, "0x400010",
                done -> assertThat(api.delete("/api/v1/containers/" + ctr + "/mappings?iova=0x400000&size=0x1000").status()).isEqualTo(200));
    }

    @Test
    void noTranslationAfterMunmapReturned() throws Exception {
        String dev = device("0000:30:00.0", 20, false);
        String proc = process(40);
        region(proc, "0x500000", 0x3000, "0x8000000", true, true, true);
        int pasid = bond(dev, proc, false).body().path("pasid").asInt();
        // munmap the middle page: the region splits, and the middle must stop translating
        race(dev, pasid, "0x501010",
                done -> assertThat(api.delete("/api/v1/address-spaces/" + proc + "/mappings?va=0x501000&size=4096").status()).isEqualTo(200));
        assertThat(dma(dev, pasid, "0x502010", 4, "READ").str("physicalAddress")).isEqualTo("0x8002010");
    }

    @Test
    void noTranslationAfterUnbindReturned() throws Exception {
        String dev = device("0000:30:00.0", 20, false);
        String proc = process(41);
        region(proc, "0x500000", 0x1000, "0x8000000", true, true, true);
        Response bond = bond(dev, proc, false);
        race(dev, bond.body().path("pasid").asInt(), "0x500010",
                done -> assertThat(api.delete("/api/v1/bonds/" + bond.str("id")).status()).isEqualTo(204));
    }

    @Test
    void noTranslationAfterExitReturned() throws Exception {
        String dev = device("0000:30:00.0", 20, false);
        String proc = process(42);
        region(proc, "0x500000", 0x1000, "0x8000000", true, true, true);
        int pasid = bond(dev, proc, false).body().path("pasid").asInt();
        race(dev, pasid, "0x500010",
                done -> assertThat(api.delete("/api/v1/address-spaces/" + proc).status()).isEqualTo(204));
    }

    @Test
    void noTranslationAfterDetachReturned() throws Exception {
        String dev = device("0000:30:00.0", 0, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        map(ctr, "0x400000", 0x1000, "0x7000000", true, true);
        race(dev, null, "0x400010",
                done -> assertThat(api.delete("/api/v1/containers/" + ctr + "/groups/" + groupOf(dev)).status()).isEqualTo(204));
    }

    /**
     * Four readers send DMA to {@code address} in batches until well after {@code removal} returned;
     * every answer to a batch sent after it returned must be a fault.
     */
    private void race(String dev, Integer pasid, String address, Consumer<Void> removal) throws Exception {
        assertThat(dma(dev, pasid, address, 4, "READ").str("outcome")).isEqualTo("TRANSLATED");
        AtomicBoolean removed = new AtomicBoolean();
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService readers = Executors.newFixedThreadPool(4);
        List<Future<int[]>> results = new ArrayList<>();
        Map<String, Object> request = pasid == null
                ? Map.of("deviceId", dev, "address", address, "size", 4, "access", "READ")
                : Map.of("deviceId", dev, "pasid", pasid, "address", address, "size", 4, "access", "READ");
        String body = Api.json(Map.of("requests", List.of(request, request, request, request, request, request, request, request)));
        for (int t = 0; t < 4; t++) {
            results.add(readers.submit(() -> {
                int translatedBefore = 0;
                int checkedAfter = 0;
                int rounds = 0;
                while (!stop.get() && rounds++ < 5_000) {
                    boolean after = removed.get();
                    Response r = api.post("/api/v1/dma/batch", body);
                    for (JsonNode result : r.body().path("results")) {
                        String outcome = result.path("outcome").asString();
                        if (after) {
                            assertThat(outcome).as("DMA sent after the removal returned").isEqualTo("FAULT");
                            checkedAfter++;
                        } else if (outcome.equals("TRANSLATED")) {
                            translatedBefore++;
                        }
                    }
                }
                return new int[]{translatedBefore, checkedAfter};
            }));
        }
        Thread.sleep(300);
        removal.accept(null);
        removed.set(true);
        Thread.sleep(500);
        stop.set(true);
        int before = 0;
        int after = 0;
        for (Future<int[]> f : results) {
            int[] counts = f.get(60, TimeUnit.SECONDS);
            before += counts[0];
            after += counts[1];
        }
        readers.shutdown();
        assertThat(before).as("readers translated while the mapping lived").isPositive();
        assertThat(after).as("readers checked DMA sent after the removal").isPositive();
    }
}
