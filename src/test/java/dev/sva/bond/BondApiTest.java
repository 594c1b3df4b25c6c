package dev.sva.bond;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.JsonNode;

/**
 * Fixtures and readers shared by the bond and race tests: devices with generated BDFs, processes with
 * generated pids, binds with every option, and the lists (bonds, events) read back page by page.
 * Everything lives on the test's own {@link #node} unless a node is named.
 */
public abstract class BondApiTest extends ApiTest {

    private final AtomicInteger nextPid = new AtomicInteger(1000);

    // ---- fixtures ----

    /** A device on another node, in a new singleton group there. */
    protected String devOn(String nodeName, int pasidBits, boolean pri) {
        return created(api.post("/api/v1/devices", Api.json(Map.of("node", nodeName, "bdf", nextBdf(), "driver", "vfio-pci",
                "pasidBits", pasidBits, "pri", pri))));
    }

    /** Hot-plugs a device into {@code group}; the answer, for tests that race it. */
    protected Response hotplug(String group, int pasidBits, boolean pri) {
        return api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", nextBdf(), "groupId", group,
                "driver", "vfio-pci", "pasidBits", pasidBits, "pri", pri)));
    }

    /** A group of {@code size} devices, all with this PASID width and PRI. */
    protected List<String> multiDeviceGroup(int size, int pasidBits, boolean pri) {
        List<String> members = new ArrayList<>();
        members.add(dev(pasidBits, pri));
        String group = groupOf(members.get(0));
        for (int i = 1; i < size; i++) {
            members.add(devIn(group, pasidBits, pri));
        }
        return members;
    }

    protected String emptyGroup() {
        return created(api.post("/api/v1/groups", Api.json(Map.of("node", node))));
    }

    /** A live process with a pid no other process of this test uses. */
    protected String proc() {
        return process(nextPid.getAndIncrement());
    }

    protected Response newProcess() {
        return api.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", nextPid.getAndIncrement())));
    }

    protected String procOn(String nodeName) {
        return created(api.post("/api/v1/address-spaces", Api.json(Map.of("node", nodeName, "pid", nextPid.getAndIncrement()))));
    }

    /** A node of its own with a narrow PASID space. */
    protected String nodeWithPasidBits(int pasidBits) {
        String name = Api.uniqueNode();
        Response r = api.post("/api/v1/nodes", Api.json(Map.of("name", name, "pasidBits", pasidBits)));
        assertThat(r.status()).as("create node: %s", r).isEqualTo(201);
        return name;
    }

    protected Response bind(String deviceId, String addressSpaceId, boolean iopf, String driverData) {
        return api.post("/api/v1/devices/" + deviceId + "/bonds", bindBody(addressSpaceId, iopf, driverData));
    }

    protected Response bindContainer(String containerId, String addressSpaceId, boolean iopf, String driverData) {
        return api.post("/api/v1/containers/" + containerId + "/bonds", bindBody(addressSpaceId, iopf, driverData));
    }

    /** A device bind that must create a bond; answers the bond. */
    protected JsonNode bound(String deviceId, String addressSpaceId) {
        Response r = bind(deviceId, addressSpaceId);
        assertThat(r.status()).as("bind %s to %s: %s", deviceId, addressSpaceId, r).isEqualTo(201);
        return r.body();
    }

    protected Response attachAnswer(String containerId, String groupId) {
        return api.put("/api/v1/containers/" + containerId + "/groups/" + groupId);
    }

    private static String bindBody(String addressSpaceId, boolean iopf, String driverData) {
        Map<String, Object> body = new HashMap<>();
        body.put("addressSpaceId", addressSpaceId);
        body.put("iopf", iopf);
        if (driverData != null) {
            body.put("driverData", driverData);
        }
        return Api.json(body);
    }

    // ---- readers ----

    /** The address space's PASID, or {@code null} while it has none. */
    protected Integer pasidOf(String addressSpaceId) {
        Response r = api.get("/api/v1/address-spaces/" + addressSpaceId);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        JsonNode pasid = r.body().path("pasid");
        return pasid.isNull() || pasid.isMissingNode() ? null : pasid.asInt();
    }

    protected JsonNode group(String groupId) {
        Response r = api.get("/api/v1/groups/" + groupId);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.body();
    }

    /** Every bond of this test's node matching {@code query} (e.g. {@code "&deviceId=dev-1"}), all pages. */
    protected List<JsonNode> bonds(String query) {
        return all("/api/v1/bonds?node=" + node + query);
    }

    /** Every event of this test's node of one type ({@code null}: all), in seq order. */
    protected List<JsonNode> events(String type) {
        return all("/api/v1/events?node=" + node + (type == null ? "" : "&type=" + type));
    }

    /** Every device of this test's node by id, with its group. */
    protected Map<String, String> groupByDevice() {
        Map<String, String> map = new LinkedHashMap<>();
        for (JsonNode d : all("/api/v1/devices?node=" + node)) {
            map.put(d.path("id").asString(), d.path("groupId").asString());
        }
        return map;
    }

    protected static List<String> ids(List<JsonNode> items, String field) {
        return items.stream().map(n -> n.path(field).asString()).toList();
    }

    protected static List<String> ids(JsonNode array, String field) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.path(field).asString()));
        return out;
    }

    /** Asserts a problem answer with its exact code and errno. */
    protected static Response assertProblem(Response r, int status, String code, String errno) {
        assertProblem(r, status, code);
        assertThat(r.str("errno")).as("errno of %s", r).isEqualTo(errno);
        return r;
    }
}
