package dev.sva.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Concurrent imports and binds on one node, under {@code STRICT}: real concurrent HTTP requests. An import that merges
 * 05:00.0 and 05:00.1 into one group races binds on 05:00.1; whatever the interleaving, no bond is ever left on a group
 * of more than one device (rule 1), every answer is a 2xx or the refusal the contract names, never a 5xx.
 */
public abstract class TopologyRaceTests extends TopologyTestSupport {

    private static final int ROUNDS = 12;

    @Test
    void importsAndBindsNeverLeaveABondOnAMultiDeviceGroup() throws Exception {
        importLspci(SWITCH_HOST);
        Map<String, String> d = devicesByBdf();
        String accel = d.get("0000:05:00.1");
        List<String> procs = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            procs.add(process(9000 + i));
        }
        ExecutorService pool = Executors.newFixedThreadPool(6);
        Map<String, Integer> tally = new HashMap<>();
        try {
            for (int round = 0; round < ROUNDS; round++) {
                String listing = round % 2 == 0 ? SWITCH_HOST_MERGED : SWITCH_HOST;
                CyclicBarrier start = new CyclicBarrier(6);
                List<Future<Response>> imports = new ArrayList<>();
                List<Future<Response>> binds = new ArrayList<>();
                imports.add(pool.submit(() -> {
                    start.await(1, TimeUnit.MINUTES);
                    return putTopology(Map.of("lspci", listing));
                }));
                imports.add(pool.submit(() -> {
                    start.await(1, TimeUnit.MINUTES);
                    return putTopology(Map.of("lspci", listing));
                }));
                for (String p : procs) {
                    binds.add(pool.submit(() -> {
                        start.await(1, TimeUnit.MINUTES);
                        return bind(accel, p);
                    }));
                }
                for (Future<Response> f : imports) {
                    Response r = f.get(2, TimeUnit.MINUTES);
                    assertThat(r.status()).as("import %s", r).isEqualTo(200);
                }
                for (Future<Response> f : binds) {
                    Response r = f.get(2, TimeUnit.MINUTES);
                    String label = r.status() + (r.code() == null ? "" : " " + r.code());
                    tally.merge(label, 1, Integer::sum);
                    assertThat(label).as("bind %s", r).isIn("201", "200", "409 GROUP_NOT_SINGLETON");
                }
                assertNoBondOnAMultiDeviceGroup();
                // unbind what the round left, so the next round binds again
                for (JsonNode b : api.get("/api/v1/bonds?node=" + node + "&limit=1000").body().path("items")) {
                    assertThat(api.delete("/api/v1/bonds/" + b.path("id").asString()).status()).isEqualTo(204);
                }
            }
        } finally {
            pool.shutdownNow();
        }
        System.out.printf("[%s] imports vs binds: %s%n", database(), tally);
        assertThat(tally).containsKey("201");
        assertThat(tally).containsKey("409 GROUP_NOT_SINGLETON");
    }

    private void assertNoBondOnAMultiDeviceGroup() {
        Map<String, Integer> members = new HashMap<>();
        Map<String, String> groupOfDevice = new HashMap<>();
        for (JsonNode dev : api.get("/api/v1/devices?node=" + node + "&limit=1000").body().path("items")) {
            members.merge(dev.path("groupId").asString(), 1, Integer::sum);
            groupOfDevice.put(dev.path("id").asString(), dev.path("groupId").asString());
        }
        for (JsonNode b : api.get("/api/v1/bonds?node=" + node + "&limit=1000").body().path("items")) {
            String group = groupOfDevice.get(b.path("deviceId").asString());
            assertThat(members.get(group)).as("bond %s on group %s", b, group).isEqualTo(1);
        }
    }

    static String json(Object o) {
        return Api.json(o);
    }
}
