package dev.sva.translation;

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

/**
 * The engine is rebuilt from the database at start: after a restart on the same H2 file, the same
 * DMA requests get the same answers (a demand-paged page faults in again; nothing else differs).
 */
class EngineRestartTest {

    @TempDir
    Path data;

    @Test
    void dmaAnswersAreTheSameAfterARestart() {
        List<String> before;
        List<Map<String, Object>> requests;
        try (ConfigurableApplicationContext app = start()) {
            Api api = new Api(port(app));
            String a = id(api.post("/api/v1/devices", Api.json(Map.of("bdf", "0000:40:00.0", "pasidBits", 20, "pri", true,
                    "bars", List.of(Map.of("index", 0, "base", "0xfe000000", "size", 0x10000))))));
            String group = api.get("/api/v1/devices/" + a).str("groupId");
            String b = id(api.post("/api/v1/devices", Api.json(Map.of("bdf", "0000:40:00.1", "groupId", group, "pasidBits", 20))));
            String solo = id(api.post("/api/v1/devices", Api.json(Map.of("bdf", "0000:41:00.0", "pasidBits", 20, "pri", true))));
            String ctr = id(api.post("/api/v1/containers", Api.json(Map.of())));
            assertThat(api.put("/api/v1/containers/" + ctr + "/groups/" + group).status()).isEqualTo(201);
            assertThat(api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of("iova", "0x10000", "size", 8192,
                    "physicalAddress", "0x80000000", "read", true, "write", false))).status()).isEqualTo(201);
            String proc = id(api.post("/api/v1/address-spaces", Api.json(Map.of("pid", 9))));
            assertThat(api.post("/api/v1/address-spaces/" + proc + "/mappings", Api.json(Map.of("va", "0x7000000", "size", 4096,
                    "physicalAddress", "0x90000000", "read", true, "write", true))).status()).isEqualTo(201);
            Response bond = api.post("/api/v1/devices/" + solo + "/bonds", Api.json(Map.of("addressSpaceId", proc, "iopf", true)));
            int pasid = bond.body().path("pasid").asInt();
            requests = List.of(
                    Map.of("deviceId", a, "address", "0x10010", "access", "READ"),
                    Map.of("deviceId", b, "address", "0x11ff0", "size", 32, "access", "READ"),
                    Map.of("deviceId", b, "address", "0x10010", "access", "WRITE"),
                    Map.of("deviceId", b, "address", "0xfe000100", "access", "WRITE"),
                    Map.of("deviceId", solo, "address", "0x10010", "access", "READ"),
                    Map.of("deviceId", solo, "pasid", pasid, "address", "0x7000010", "access", "WRITE"),
                    Map.of("deviceId", solo, "pasid", pasid + 1, "address", "0x7000010", "access", "WRITE"),
                    Map.of("deviceId", a, "pasid", pasid, "address", "0x7000010", "access", "WRITE"));
            before = answers(api, requests);
        }
        try (ConfigurableApplicationContext app = start()) {
            List<String> after = answers(new Api(port(app)), requests);
            assertThat(after).isEqualTo(before);
        }
    }

    /** Outcome, address and fault of each answer; not iotlbHit, which a cold IOTLB changes. */
    private static List<String> answers(Api api, List<Map<String, Object>> requests) {
        Response r = api.post("/api/v1/dma/batch", Api.json(Map.of("requests", requests)));
        assertThat(r.status()).isEqualTo(200);
        List<String> out = new ArrayList<>();
        r.body().path("results").forEach(n -> out.add(n.path("outcome").asString() + " " + n.path("physicalAddress")
                + " " + n.path("segments") + " " + n.path("peer") + " " + n.path("fault")));
        return out;
    }

    private ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(SvaApplication.class).run("--server.port=0",
                "--spring.datasource.url=jdbc:h2:file:" + data.resolve("sva") + ";WRITE_DELAY=0",
                "--logging.level.root=WARN", Api.adminTokenArgument(), Api.securityDirArgument(data));
    }

    private static int port(ConfigurableApplicationContext app) {
        return ((WebServerApplicationContext) app).getWebServer().getPort();
    }

    private static String id(Response r) {
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        return r.str("id");
    }
}
