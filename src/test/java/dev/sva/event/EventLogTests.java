package dev.sva.event;

import static dev.sva.support.ProblemAssert.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** The per-node event log over HTTP: gap-free seq, filters, paging, revocation notices. */
abstract class EventLogTests extends ApiTest {

    @Test
    void everyChangeIsAnEventInSeqOrder() {
        String dev = device("0000:01:00.0", 20, false);
        String proc = process(100);
        bind(dev, proc);
        List<JsonNode> items = events("");
        assertThat(items).extracting(e -> e.path("type").asString())
                .containsExactly("GROUP_CREATED", "DEVICE_ADDED", "ADDRESS_SPACE_CREATED", "BOND_CREATED");
        assertThat(items).extracting(e -> e.path("seq").asLong()).containsExactly(1L, 2L, 3L, 4L);
        JsonNode bond = items.get(3);
        assertThat(bond.path("node").asString()).isEqualTo(node);
        assertThat(bond.path("subject").path("kind").asString()).isEqualTo("bond");
        assertThat(bond.path("data").path("pasid").asInt()).isEqualTo(1);
        assertThat(bond.path("time").asString()).isNotBlank();
    }

    @Test
    void rejectedRequestsWriteNothing() {
        String dev = device("0000:01:00.0", 0, false);
        String proc = process(100);
        long before = events("").size();
        assertProblem(bind(dev, proc), 422, "SVA_UNSUPPORTED");
        assertProblem(api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", "0000:01:00.0"))), 409, "DUPLICATE");
        assertThat(events("")).hasSize((int) before);
    }

    @Test
    void aSeqTheNodeHasNotReachedIsRefusedNotAwaited() {
        process(300);
        process(301);
        assertThat(api.get("/api/v1/events?node=" + node + "&after=2").body().path("items")).isEmpty();
        assertInvalid(api.get("/api/v1/events?node=" + node + "&after=3"), "after");
        assertInvalid(api.get("/api/v1/events?node=" + node + "&after=" + Long.MAX_VALUE), "after");
        assertInvalid(api.get("/api/v1/events?node=" + node + "&cursor=-5"), "cursor");
        assertInvalid(api.get("/api/v1/events/stream?node=" + node + "&after=99"), "after");
    }

    @Test
    void refusedRequestsCountNoEventInTheMetrics() {
        String dev = device("0000:03:00.0", 0, false);
        String ctr = container();
        assertThat(bindContainer(ctr, process(302)).status()).isEqualTo(409); // CONTAINER_EMPTY
        attach(ctr, groupOf(device("0000:03:00.1", 20, false)));
        assertThat(bindContainer(ctr, process(303)).status()).isEqualTo(201);
        double before = written("GROUP_ATTACHED");
        assertProblem(api.put("/api/v1/containers/" + ctr + "/groups/" + groupOf(dev)), 422, "SVA_UNSUPPORTED");
        assertThat(written("GROUP_ATTACHED")).as("the refused attach rolled its event back").isEqualTo(before);
        attach(container(), groupOf(dev));
        assertThat(written("GROUP_ATTACHED")).isEqualTo(before + 1);
    }

    private double written(String type) {
        return api.get("/actuator/prometheus").raw().body().lines()
                .filter(l -> l.startsWith("sva_events_written_total{") && l.contains("type=\"" + type + "\""))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }

    @Test
    void filtersByTypeAndPagesWithCursor() {
        for (int i = 0; i < 5; i++) {
            process(200 + i);
        }
        device("0000:02:00.0", 0, false);
        List<JsonNode> spaces = events("&type=ADDRESS_SPACE_CREATED");
        assertThat(spaces).hasSize(5).allMatch(e -> e.path("type").asString().equals("ADDRESS_SPACE_CREATED"));
        assertThat(events("&type=GROUP_CREATED,DEVICE_ADDED")).hasSize(2);

        Response page1 = api.get("/api/v1/events?node=" + node + "&limit=3");
        assertThat(page1.body().path("items")).hasSize(3);
        String cursor = page1.str("nextCursor");
        assertThat(cursor).isEqualTo("3");
        Response page2 = api.get("/api/v1/events?node=" + node + "&limit=3&after=" + cursor);
        assertThat(page2.body().path("items").get(0).path("seq").asLong()).isEqualTo(4);
        Response last = api.get("/api/v1/events?node=" + node + "&limit=3&cursor=6");
        assertThat(last.body().path("items")).hasSize(1);
        assertThat(last.body().path("nextCursor").isNull()).isTrue();

        assertProblem(api.get("/api/v1/events?node=" + node + "&type=NOPE"), 400, "VALIDATION_FAILED");
        assertProblem(api.get("/api/v1/events?node=" + node + "&after=x"), 400, "VALIDATION_FAILED");
        assertProblem(api.get("/api/v1/events?node=no-such-node"), 404, "NOT_FOUND");
    }

    @Test
    void processExitWithThreeBondsEmitsThreeRevocationsWithTheirDriverData() {
        String proc = process(300);
        List<String> bonds = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            String dev = device("0000:03:00." + i, 20, false);
            Response r = api.post("/api/v1/devices/" + dev + "/bonds",
                    Api.json(Map.of("addressSpaceId", proc, "driverData", "drv-" + i)));
            assertThat(r.status()).isEqualTo(201);
            bonds.add(r.str("id"));
        }
        assertThat(api.delete("/api/v1/address-spaces/" + proc).status()).isEqualTo(204);
        List<JsonNode> revoked = events("&type=BOND_REVOKED");
        assertThat(revoked).hasSize(3);
        assertThat(revoked).extracting(e -> e.path("data").path("reason").asString()).containsOnly("PROCESS_EXIT");
        assertThat(revoked).extracting(e -> e.path("data").path("driverData").asString())
                .containsExactlyInAnyOrder("drv-0", "drv-1", "drv-2");
        assertThat(revoked).extracting(e -> e.path("subject").path("id").asString()).containsExactlyInAnyOrderElementsOf(bonds);
        assertThat(events("&type=ADDRESS_SPACE_EXITED")).hasSize(1);
    }

    @Test
    void seqHasNoGapAfterHundredsOfConcurrentMutations() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 300; i++) {
                int n = i;
                calls.add(pool.submit(() -> switch (n % 3) {
                    case 0 -> api.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 1000 + n)));
                    case 1 -> api.post("/api/v1/devices", Api.json(Map.of("node", node,
                            "bdf", String.format("0000:%02x:%02x.0", 0x10 + n / 32, n % 32))));
                    default -> api.post("/api/v1/containers", Api.json(Map.of("node", node)));
                }));
            }
            for (Future<Response> f : calls) {
                assertThat(f.get(60, TimeUnit.SECONDS).status()).isEqualTo(201);
            }
        } finally {
            pool.shutdownNow();
        }
        List<JsonNode> all = events("");
        // 100 processes, 100 devices (each with its group), 100 containers
        assertThat(all).hasSize(400);
        for (int i = 0; i < all.size(); i++) {
            assertThat(all.get(i).path("seq").asLong()).as("seq at %d on %s", i, database()).isEqualTo(i + 1L);
        }
    }

    /** Every event of this test's node (all pages), with an extra query string. */
    protected List<JsonNode> events(String query) {
        List<JsonNode> all = new ArrayList<>();
        String after = "0";
        while (after != null) {
            Response r = api.get("/api/v1/events?node=" + node + "&limit=1000&after=" + after + query);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            r.body().path("items").forEach(all::add);
            after = r.str("nextCursor");
        }
        return all;
    }
}
