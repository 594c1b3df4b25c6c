package dev.sva.bond;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.SvaApplication;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * Durability: the service started on an H2 file database, given state over HTTP, stopped, and started
 * again on the same file answers the same state, PASID allocation included: a bind after the restart
 * gets the lowest PASID no live process holds, never a live one.
 */
class StateSurvivesRestartTest {

    @TempDir
    Path dir;

    @Test
    void devicesContainersProcessesBondsAndPasidsSurviveARestart() {
        String url = "jdbc:h2:file:" + dir.resolve("sva").toAbsolutePath() + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000";
        String node = "restart";
        String gpu;
        String nic;
        String narrow;
        String vm;
        String p1;
        String p2;
        String p3;
        String gpuBond;
        List<String> vmBonds;
        long lastSeq;

        try (ConfigurableApplicationContext app = start(url)) {
            assertThat(app.getEnvironment().getProperty("spring.datasource.url")).isEqualTo(url);
            Api api = api(app);
            assertThat(api.post("/api/v1/nodes", Api.json(Map.of("name", node, "pasidBits", 4))).status()).isEqualTo(201);
            gpu = id(api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", "0000:3b:00.0", "driver", "vfio-pci",
                    "pasidBits", 20, "pri", true))));
            nic = id(api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", "0000:5e:00.0", "driver", "vfio-pci",
                    "pasidBits", 8))));
            narrow = id(api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", "0000:5e:00.1", "driver", "vfio-pci",
                    "pasidBits", 2))));
            vm = id(api.post("/api/v1/containers", Api.json(Map.of("node", node, "name", "vm-1"))));
            assertThat(api.put("/api/v1/containers/" + vm + "/groups/" + groupOf(api, nic)).status()).isEqualTo(201);
            p1 = id(api.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 101))));
            p2 = id(api.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 102))));
            p3 = id(api.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 103))));

            Response b1 = api.post("/api/v1/devices/" + gpu + "/bonds", Api.json(Map.of("addressSpaceId", p1, "iopf", true,
                    "driverData", "ctx-1")));
            assertThat(b1.status()).isEqualTo(201);
            assertThat(b1.body().path("pasid").asInt()).isEqualTo(1);
            gpuBond = b1.str("id");
            assertThat(api.post("/api/v1/devices/" + gpu + "/bonds", Api.json(Map.of("addressSpaceId", p2))).body()
                    .path("pasid").asInt()).isEqualTo(2);
            Response b3 = api.post("/api/v1/containers/" + vm + "/bonds", Api.json(Map.of("addressSpaceId", p3, "driverData", "vm")));
            assertThat(b3.status()).isEqualTo(201);
            assertThat(b3.body().path("pasid").asInt()).isEqualTo(3);
            vmBonds = b3.body().path("bonds").findValuesAsString("id");
            // PASID 2 is freed: the lowest free after the restart must be 2, while 1 and 3 stay live
            assertThat(api.delete("/api/v1/address-spaces/" + p2).status()).isEqualTo(204);
            lastSeq = lastSeq(api, node);
        }

        try (ConfigurableApplicationContext app = start(url)) {
            Api api = api(app);
            JsonNode n = api.get("/api/v1/nodes/" + node).body();
            assertThat(n.path("pasidBits").asInt()).isEqualTo(4);

            JsonNode g = api.get("/api/v1/devices/" + gpu).body();
            assertThat(g.path("bdf").asString()).isEqualTo("0000:3b:00.0");
            assertThat(g.path("pasidBits").asInt()).isEqualTo(20);
            assertThat(g.path("pri").asBoolean()).isTrue();
            assertThat(ids(api.get("/api/v1/containers/" + vm).body().path("groups"))).containsExactly(groupOf(api, nic));
            assertThat(api.get("/api/v1/groups/" + groupOf(api, nic)).str("containerId")).isEqualTo(vm);

            assertThat(api.get("/api/v1/address-spaces/" + p1).body().path("pasid").asInt()).isEqualTo(1);
            assertThat(api.get("/api/v1/address-spaces/" + p2).status()).isEqualTo(404);
            assertThat(api.get("/api/v1/address-spaces/" + p3).body().path("pasid").asInt()).isEqualTo(3);

            JsonNode bond = api.get("/api/v1/bonds/" + gpuBond).body();
            assertThat(bond.path("pasid").asInt()).isEqualTo(1);
            assertThat(bond.path("iopf").asBoolean()).isTrue();
            assertThat(bond.path("driverData").asString()).isEqualTo("ctx-1");
            List<String> listed = new ArrayList<>();
            api.get("/api/v1/bonds?node=" + node).body().path("items").forEach(b -> listed.add(b.path("id").asString()));
            List<String> expected = new ArrayList<>(vmBonds);
            expected.add(gpuBond);
            assertThat(listed).containsExactlyInAnyOrderElementsOf(expected);

            // the container still remembers its bind: same answer, and a group attached now gets it
            Response again = api.post("/api/v1/containers/" + vm + "/bonds", Api.json(Map.of("addressSpaceId", p3)));
            assertThat(again.status()).isEqualTo(200);
            assertThat(again.body().path("bonds").findValuesAsString("id")).containsExactlyInAnyOrderElementsOf(vmBonds);
            assertThat(api.put("/api/v1/containers/" + vm + "/groups/" + groupOf(api, narrow)).status()).isEqualTo(201);
            JsonNode replayed = api.get("/api/v1/bonds?node=" + node + "&deviceId=" + narrow).body().path("items");
            assertThat(replayed).hasSize(1);
            assertThat(replayed.get(0).path("pasid").asInt()).isEqualTo(3);

            // allocation state: 1 and 3 are live, 2 was freed
            String p4 = id(api.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 104))));
            String p5 = id(api.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 105))));
            assertThat(api.post("/api/v1/devices/" + gpu + "/bonds", Api.json(Map.of("addressSpaceId", p4))).body()
                    .path("pasid").asInt()).isEqualTo(2);
            assertThat(api.post("/api/v1/devices/" + gpu + "/bonds", Api.json(Map.of("addressSpaceId", p5))).body()
                    .path("pasid").asInt()).isEqualTo(4);
            // a live pid is still taken
            assertThat(api.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 101))).code()).isEqualTo("DUPLICATE");

            // the event log continues where it stopped
            JsonNode next = api.get("/api/v1/events?node=" + node + "&after=" + lastSeq + "&limit=1").body().path("items");
            assertThat(next.get(0).path("seq").asLong()).isEqualTo(lastSeq + 1);
        }
    }

    private static ConfigurableApplicationContext start(String url) {
        // arguments, not default properties: those would lose to application.yml's file database
        return new SpringApplicationBuilder(SvaApplication.class).run(
                "--server.port=0",
                "--spring.datasource.url=" + url,
                "--spring.main.banner-mode=off",
                "--logging.level.dev.sva.core.ProblemHandler=WARN",
                Api.adminTokenArgument(), Api.securityDirArgument(Path.of("target", "test-security", "restart")));
    }

    private static Api api(ConfigurableApplicationContext app) {
        return new Api(((WebServerApplicationContext) app).getWebServer().getPort());
    }

    private static String id(Response r) {
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        return r.str("id");
    }

    private static String groupOf(Api api, String device) {
        return api.get("/api/v1/devices/" + device).str("groupId");
    }

    private static long lastSeq(Api api, String node) {
        long last = 0;
        String after = "0";
        while (after != null) {
            Response r = api.get("/api/v1/events?node=" + node + "&limit=1000&after=" + after);
            for (JsonNode e : r.body().path("items")) {
                last = e.path("seq").asLong();
            }
            after = r.str("nextCursor");
        }
        return last;
    }

    private static List<String> ids(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> {
            if (n.isString()) {
                out.add(n.asString());
            }
        });
        return out;
    }
}
