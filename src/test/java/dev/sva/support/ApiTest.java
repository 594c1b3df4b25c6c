package dev.sva.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api.Response;
import tools.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;

/**
 * The one base class of the full-stack tests: the whole service on a random port, driven over real
 * HTTP. The database is H2 in memory unless the subclass carries {@link PostgresTest}, which points
 * it at a real PostgreSQL (Testcontainers where Docker runs, the machine's server otherwise).
 * Each test works on a node of its own ({@link #node}), so tests sharing a database never interfere.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:sva-${random.uuid};DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000",
        "spring.datasource.hikari.maximum-pool-size=20",
        "logging.level.dev.sva.core.ProblemHandler=WARN",
        "sva.security.admin-token=" + Api.ADMIN_TOKEN,
        "sva.security.data-dir=target/test-security/${random.uuid}"
})
public abstract class ApiTest {

    @LocalServerPort
    protected int port;

    @Autowired
    protected Environment environment;

    protected Api api;

    private final AtomicInteger nextBdf = new AtomicInteger();

    /** This test's own node. */
    protected String node;

    @BeforeEach
    void createNode() {
        api = new Api(port);
        node = Api.uniqueNode();
        Response r = api.post("/api/v1/nodes", Api.json(Map.of("name", node)));
        assertThat(r.status()).as("create node: %s", r).isEqualTo(201);
    }

    /** Which database this context runs on, for messages. */
    protected String database() {
        return environment.getProperty("spring.datasource.url", "").startsWith("jdbc:postgresql") ? "PostgreSQL" : "H2";
    }

    // ---- fixtures: each returns the new object's id and asserts the create succeeded ----

    protected String device(String bdf, int pasidBits, boolean pri) {
        return created(api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", bdf, "driver", "vfio-pci",
                "pasidBits", pasidBits, "pri", pri))));
    }

    /** A BDF no other device of this test uses: bus, device and function counted up. */
    protected String nextBdf() {
        int n = nextBdf.getAndIncrement();
        return String.format("0000:%02x:%02x.%d", n / 256, (n / 8) % 32, n % 8);
    }

    /** A vfio-pci device in a new singleton group of this test's node. */
    protected String dev(int pasidBits, boolean pri) {
        return device(nextBdf(), pasidBits, pri);
    }

    /** A vfio-pci device hot-plugged into {@code groupId}. */
    protected String devIn(String groupId, int pasidBits, boolean pri) {
        return deviceInGroup(nextBdf(), groupId, pasidBits, pri);
    }

    protected String deviceInGroup(String bdf, String groupId, int pasidBits, boolean pri) {
        return created(api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", bdf, "groupId", groupId,
                "driver", "vfio-pci", "pasidBits", pasidBits, "pri", pri))));
    }

    protected String groupOf(String deviceId) {
        return api.get("/api/v1/devices/" + deviceId).str("groupId");
    }

    protected String container() {
        return created(api.post("/api/v1/containers", Api.json(Map.of("node", node))));
    }

    protected String process(int pid) {
        return created(api.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", pid))));
    }

    protected void attach(String containerId, String groupId) {
        Response r = api.put("/api/v1/containers/" + containerId + "/groups/" + groupId);
        assertThat(r.status()).as("attach: %s", r).isEqualTo(201);
    }

    protected Response bind(String deviceId, String addressSpaceId) {
        return api.post("/api/v1/devices/" + deviceId + "/bonds", Api.json(Map.of("addressSpaceId", addressSpaceId)));
    }

    protected Response bindContainer(String containerId, String addressSpaceId) {
        return api.post("/api/v1/containers/" + containerId + "/bonds", Api.json(Map.of("addressSpaceId", addressSpaceId)));
    }

    protected static String created(Response r) {
        assertThat(r.status()).as("create: %s", r).isEqualTo(201);
        return r.str("id");
    }

    /** Asserts a problem answer: status, exact code, problem+json. */
    protected static Response assertProblem(Response r, int status, String code) {
        assertThat(r.status()).as("%s", r).isEqualTo(status);
        assertThat(r.code()).as("%s", r).isEqualTo(code);
        assertThat(r.contentType()).as("%s", r).startsWith("application/problem+json");
        return r;
    }

    /** Every item of a list, following {@code nextCursor}. */
    protected List<JsonNode> all(String path) {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        do {
            Response r = api.get(path + "&limit=1000" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(r.status()).as("GET %s: %s", path, r).isEqualTo(200);
            r.body().path("items").forEach(items::add);
            cursor = r.str("nextCursor");
        } while (cursor != null);
        return items;
    }
}
