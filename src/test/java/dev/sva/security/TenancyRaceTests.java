package dev.sva.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Two tenants racing, with real concurrent requests, to be allocated one group, attach it and bind its device,
 * while an admin force-releases it: whatever order the node lock gives them, the group's device ends used by
 * one tenant at most (rule 19), and its container and bonds are that tenant's.
 */
abstract class TenancyRaceTests extends ApiTest {

    private static final int ROUNDS = 12;

    @Test
    void racingTenantsNeverShareAGroupsDevice() throws Exception {
        String tenantA = "ra-" + node;
        String tenantB = "rb-" + node;
        Api a = api.as(Tokens.mint(api, "sva:tenant", tenantA, null));
        Api b = api.as(Tokens.mint(api, "sva:tenant", tenantB, null));
        String ctrA = created(a.post("/api/v1/containers", Api.json(Map.of("node", node))));
        String ctrB = created(b.post("/api/v1/containers", Api.json(Map.of("node", node))));
        String asA = created(a.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 1001))));
        String asB = created(b.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 1002))));
        Map<String, String> containerOf = Map.of(tenantA, ctrA, tenantB, ctrB);
        Map<String, String> spaceOf = Map.of(tenantA, asA, tenantB, asB);
        ExecutorService pool = Executors.newFixedThreadPool(7);
        int settled = 0;
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String gpu = dev(20, true);
                String group = groupOf(gpu);
                boolean release = round % 3 == 2;
                CountDownLatch start = new CountDownLatch(1);
                List<Callable<Response>> racers = List.of(
                        () -> api.send("PUT", "/api/v1/groups/" + group + "/allocation", Api.json(Map.of("tenant", tenantA))),
                        () -> api.send("PUT", "/api/v1/groups/" + group + "/allocation", Api.json(Map.of("tenant", tenantB))),
                        () -> a.put("/api/v1/containers/" + ctrA + "/groups/" + group),
                        () -> b.put("/api/v1/containers/" + ctrB + "/groups/" + group),
                        () -> a.post("/api/v1/devices/" + gpu + "/bonds", Api.json(Map.of("addressSpaceId", asA))),
                        () -> b.post("/api/v1/devices/" + gpu + "/bonds", Api.json(Map.of("addressSpaceId", asB))),
                        () -> release ? api.delete("/api/v1/groups/" + group + "/allocation?force=true")
                                : api.get("/api/v1/groups/" + group));
                List<Future<Response>> answers = new ArrayList<>();
                for (Callable<Response> racer : racers) {
                    answers.add(pool.submit(() -> {
                        start.await();
                        return racer.call();
                    }));
                }
                start.countDown();
                for (Future<Response> f : answers) {
                    Response r = f.get();
                    assertThat(r.status()).as("%s", r).isLessThan(500);
                }

                JsonNode g = api.get("/api/v1/groups/" + group).body();
                String tenant = g.path("tenant").isNull() ? null : g.path("tenant").asString();
                List<JsonNode> bonds = all("/api/v1/bonds?deviceId=" + gpu);
                if (tenant == null) {
                    assertThat(g.path("containerId").isNull()).as("round %d: %s", round, g).isTrue();
                    assertThat(bonds).as("round %d", round).isEmpty();
                    continue;
                }
                settled++;
                if (!g.path("containerId").isNull()) {
                    assertThat(g.path("containerId").asString()).as("round %d: %s", round, g).isEqualTo(containerOf.get(tenant));
                }
                for (JsonNode bond : bonds) {
                    assertThat(bond.path("addressSpaceId").asString()).as("round %d: %s", round, bond).isEqualTo(spaceOf.get(tenant));
                }
                // and the other tenant sees nothing of it
                Api other = tenant.equals(tenantA) ? b : a;
                assertThat(other.get("/api/v1/groups/" + group).status()).isEqualTo(404);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(settled).as("some rounds ended with the group allocated").isPositive();
    }
}
