package dev.sva.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import dev.sva.support.SseClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * SECURITY.md "What to prove": tenant A builds a full state (an allocated group attached to its container, a
 * mapping, an address space with a region, container and device bonds, a revoked bond, a DMA fault). Tenant B,
 * with valid tokens and objects of its own, calls every operation of the served API document with A's ids and
 * their neighbours in every id slot (path, query, body), the other slots holding B's own objects: each answer
 * equals, id for id, the answer for an id never issued. Every list, the event list and stream, and the fault
 * records show B none of A's ids. A digest of every table is the same before and after. An operation the
 * document adds is enumerated here without anyone listing it; one that takes no id must be named in
 * {@link #NO_ID_SLOT} or the test fails.
 */
abstract class HostileTenantTests extends ApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** Operations that take no id of a tenant's object: creates, and what only other roles may do. Checked by hand below. */
    private static final Set<String> NO_ID_SLOT = Set.of(
            "POST /api/v1/address-spaces", "POST /api/v1/containers", "POST /api/v1/devices", "POST /api/v1/groups",
            "POST /api/v1/nodes", "POST /api/v1/tokens", "PUT /api/v1/nodes/{name}/topology",
            "POST /api/v1/nodes/{name}/topology/what-if");

    /** The kind of an id a path's {@code {id}} names, by the path's prefix. */
    private static final Map<String, String> KIND_OF_PATH = Map.of(
            "/api/v1/address-spaces/", "as", "/api/v1/bonds/", "bond", "/api/v1/containers/", "ctr",
            "/api/v1/devices/", "dev", "/api/v1/groups/", "grp");

    /** Parameters and body members that hold an id, and its kind. */
    private static final Map<String, String> KIND_OF_NAME = Map.of(
            "deviceId", "dev", "groupId", "grp", "containerId", "ctr", "addressSpaceId", "as", "bondId", "bond");

    @Autowired
    JdbcTemplate jdbc;

    /** One id slot of an operation: where it is (path, query, body) and its name. */
    private record Slot(String in, String name, String kind) {
    }

    @Test
    void anotherTenantsIdsAnswerExactlyAsIdsNeverIssuedAndChangeNothing() throws Exception {
        String tenantA = "ha-" + node;
        String tenantB = "hb-" + node;
        Api a = api.as(Tokens.mint(api, "sva:tenant", tenantA, null));
        Api b = api.as(Tokens.mint(api, "sva:tenant", tenantB, null));

        // ---- A's full state ----
        String gpu = dev(20, true);
        String solo = dev(20, true);
        String group = groupOf(gpu);
        String soloGroup = groupOf(solo);
        allocate(group, tenantA);
        allocate(soloGroup, tenantA);
        String ctrA = created(a.post("/api/v1/containers", Api.json(Map.of("node", node, "name", "a"))));
        assertThat(a.put("/api/v1/containers/" + ctrA + "/groups/" + group).status()).isEqualTo(201);
        assertThat(a.post("/api/v1/containers/" + ctrA + "/mappings", Api.json(Map.of("iova", "0x10000", "size", 4096,
                "physicalAddress", "0x80000000", "read", true, "write", true))).status()).isEqualTo(201);
        String asA = created(a.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 5001))));
        assertThat(a.post("/api/v1/address-spaces/" + asA + "/mappings", Api.json(Map.of("va", "0x7f0000000000",
                "size", 65536, "physicalAddress", "0x90000000", "read", true, "write", true, "pinned", true))).status()).isEqualTo(201);
        Response cbind = a.post("/api/v1/containers/" + ctrA + "/bonds", Api.json(Map.of("addressSpaceId", asA)));
        assertThat(cbind.status()).as("%s", cbind).isEqualTo(201);
        String bondA = cbind.body().path("bonds").get(0).path("id").asString();
        Response dbind = a.post("/api/v1/devices/" + solo + "/bonds", Api.json(Map.of("addressSpaceId", asA)));
        assertThat(dbind.status()).as("%s", dbind).isEqualTo(201);
        String exiting = created(a.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 5002))));
        String revoked = created(a.post("/api/v1/devices/" + solo + "/bonds", Api.json(Map.of("addressSpaceId", exiting))));
        assertThat(a.delete("/api/v1/address-spaces/" + exiting).status()).isEqualTo(204);
        Response fault = a.post("/api/v1/dma", Api.json(Map.of("deviceId", gpu, "address", "0xdead0000", "size", 8, "access", "WRITE")));
        assertThat(fault.body().path("outcome").asString()).as("%s", fault).isEqualTo("FAULT");

        Map<String, List<String>> idsOfA = new LinkedHashMap<>();
        idsOfA.put("dev", List.of(gpu, solo));
        idsOfA.put("grp", List.of(group, soloGroup));
        idsOfA.put("ctr", List.of(ctrA));
        idsOfA.put("as", List.of(asA, exiting));
        idsOfA.put("bond", List.of(bondA, dbind.str("id"), revoked));

        // ---- B's own objects, to fill the slots not under test ----
        String gpuB = dev(20, true);
        String groupB = groupOf(gpuB);
        allocate(groupB, tenantB);
        String ctrB = created(b.post("/api/v1/containers", Api.json(Map.of("node", node, "name", "b"))));
        assertThat(b.put("/api/v1/containers/" + ctrB + "/groups/" + groupB).status()).isEqualTo(201);
        String asB = created(b.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 6001))));
        Response bindB = b.post("/api/v1/containers/" + ctrB + "/bonds", Api.json(Map.of("addressSpaceId", asB)));
        assertThat(bindB.status()).as("%s", bindB).isEqualTo(201);
        Map<String, String> ofB = Map.of("dev", gpuB, "grp", groupB, "ctr", ctrB, "as", asB,
                "bond", bindB.body().path("bonds").get(0).path("id").asString());

        String before = digest();

        // ---- every operation of the served document ----
        JsonNode doc = JSON.readTree(api.get("/v3/api-docs").raw().body());
        List<String> tried = new ArrayList<>();
        List<String> mismatches = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : doc.path("paths").properties()) {
            if (!path.getKey().startsWith("/api/")) {
                continue;
            }
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                String method = op.getKey().toUpperCase();
                if (!Set.of("GET", "POST", "PUT", "PATCH", "DELETE").contains(method)) {
                    continue;
                }
                String key = method + " " + path.getKey();
                List<Slot> slots = slots(path.getKey(), op.getValue());
                if (slots.stream().noneMatch(s -> !s.kind().equals("node"))) {
                    if (method.equals("GET")) {
                        tried.add(key);
                        showsNoneOf(b, path.getKey(), idsOfA, mismatches);
                    } else {
                        assertThat(NO_ID_SLOT).as("%s takes no id: name it in NO_ID_SLOT, and test it by hand", key).contains(key);
                    }
                    continue;
                }
                JsonNode example = op.getValue().path("requestBody").path("content").path("application/json").path("example");
                if (!op.getValue().path("requestBody").isMissingNode()) {
                    assertThat(example.isMissingNode()).as("%s has a body without an example to fill", key).isFalse();
                }
                for (Slot slot : slots) {
                    if (slot.kind().equals("node")) {
                        continue;
                    }
                    tried.add(key + " " + slot.in() + ":" + slot.name());
                    String missing = slot.kind() + "-999999999";
                    Response expected = call(b, method, path.getKey(), slots, slot, missing, example, ofB);
                    for (String candidate : candidates(idsOfA.get(slot.kind()), ofB)) {
                        Response got = call(b, method, path.getKey(), slots, slot, candidate, example, ofB);
                        String want = shape(expected, missing);
                        String have = shape(got, candidate);
                        if (!want.equals(have)) {
                            mismatches.add(key + " " + slot.name() + "=" + candidate + "\n  missing: " + want + "\n  got:     " + have);
                        }
                    }
                }
            }
        }
        assertThat(mismatches).as("answers that differ from an id never issued").isEmpty();
        assertThat(tried).as("operations tried").contains("GET /api/v1/containers/{id} path:id",
                "POST /api/v1/dma body:deviceId", "POST /api/v1/devices/{id}/bonds body:addressSpaceId",
                "PUT /api/v1/groups/{id}/allocation path:id", "GET /api/v1/bonds query:containerId", "GET /api/v1/events");

        // ---- B's event stream carries only B's events ----
        List<JsonNode> eventsOfB = new ArrayList<>();
        b.get("/api/v1/events?node=" + node + "&limit=1000").body().path("items").forEach(eventsOfB::add);
        assertThat(eventsOfB).isNotEmpty();
        try (SseClient stream = SseClient.connect(port, "/api/v1/events/stream?node=" + node + "&after=0", null, b.authorization())) {
            assertThat(stream.status).isEqualTo(200);
            for (JsonNode expected : eventsOfB) {
                SseClient.Frame f = stream.next(Duration.ofSeconds(30));
                assertThat(f).as("B's event %s on its stream", expected).isNotNull();
                assertThat(f.id()).isEqualTo(expected.path("seq").asLong());
                assertThat(mentions(f.data(), idsOfA)).as("%s", f.data()).isEmpty();
            }
        }

        assertThat(digest()).as("nothing B did changed a row").isEqualTo(before);
        // and A's state is whole
        assertThat(a.get("/api/v1/containers/" + ctrA).str("id")).isEqualTo(ctrA);
        assertThat(a.get("/api/v1/bonds/" + bondA).status()).isEqualTo(200);
        assertThat(a.get("/api/v1/faults?deviceId=" + gpu).body().path("items")).isNotEmpty();
    }

    private void allocate(String group, String tenant) {
        Response r = api.send("PUT", "/api/v1/groups/" + group + "/allocation", Api.json(Map.of("tenant", tenant)));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
    }

    /** A's ids of the kind and their neighbours (never B's own), each to compare with an id never issued. */
    private static Set<String> candidates(List<String> ofA, Map<String, String> ofB) {
        Set<String> out = new LinkedHashSet<>();
        for (String id : ofA) {
            out.add(id);
            int dash = id.lastIndexOf('-');
            long key = Long.parseLong(id.substring(dash + 1));
            for (long n : new long[]{key - 1, key + 1, key + 2}) {
                if (n > 0) {
                    out.add(id.substring(0, dash + 1) + n);
                }
            }
        }
        out.removeAll(ofB.values());
        return out;
    }

    /** The id slots of an operation: its path variables, its id query parameters, its body's id members. */
    private static List<Slot> slots(String path, JsonNode op) {
        List<Slot> out = new ArrayList<>();
        for (JsonNode p : op.path("parameters")) {
            String name = p.path("name").asString();
            String in = p.path("in").asString();
            if (in.equals("path")) {
                String kind = name.equals("name") ? "node" : name.equals("id") ? kindOfPath(path) : KIND_OF_NAME.get(name);
                assertThat(kind).as("the kind of path variable %s of %s", name, path).isNotNull();
                out.add(new Slot("path", name, kind));
            } else if (in.equals("query") && KIND_OF_NAME.containsKey(name)) {
                out.add(new Slot("query", name, KIND_OF_NAME.get(name)));
            }
        }
        JsonNode example = op.path("requestBody").path("content").path("application/json").path("example");
        Set<String> members = new LinkedHashSet<>();
        collectIdMembers(example, members);
        for (String m : members) {
            out.add(new Slot("body", m, KIND_OF_NAME.get(m)));
        }
        return out;
    }

    private static String kindOfPath(String path) {
        return KIND_OF_PATH.entrySet().stream().filter(e -> path.startsWith(e.getKey())).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    private static void collectIdMembers(JsonNode n, Set<String> out) {
        if (n.isObject()) {
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                if (KIND_OF_NAME.containsKey(e.getKey())) {
                    out.add(e.getKey());
                }
                collectIdMembers(e.getValue(), out);
            }
        } else if (n.isArray()) {
            n.forEach(c -> collectIdMembers(c, out));
        }
    }

    /** One request as B: {@code slot} holds {@code value}; every other slot B's own object of its kind. */
    private Response call(Api as, String method, String template, List<Slot> slots, Slot slot, String value,
                          JsonNode example, Map<String, String> ofB) {
        String path = template;
        StringBuilder query = new StringBuilder();
        for (Slot s : slots) {
            String v = s.equals(slot) ? value : s.kind().equals("node") ? node : ofB.get(s.kind());
            if (s.in().equals("path")) {
                path = path.replace("{" + s.name() + "}", v);
            } else if (s.in().equals("query") && s.equals(slot)) {
                query.append(query.isEmpty() ? "?" : "&").append(s.name()).append('=').append(v);
            }
        }
        String body = null;
        if (!example.isMissingNode()) {
            JsonNode copy = example.deepCopy();
            fill(copy, slot.in().equals("body") ? slot.name() : null, value, ofB);
            body = copy.toString();
        }
        return as.send(method, path + query, body);
    }

    private static void fill(JsonNode n, String slotName, String value, Map<String, String> ofB) {
        if (n instanceof ObjectNode o) {
            Iterator<String> names = o.propertyNames().iterator();
            List<String> keys = new ArrayList<>();
            names.forEachRemaining(keys::add);
            for (String k : keys) {
                if (KIND_OF_NAME.containsKey(k)) {
                    o.put(k, k.equals(slotName) ? value : ofB.get(KIND_OF_NAME.get(k)));
                } else {
                    fill(o.get(k), slotName, value, ofB);
                }
            }
        } else if (n instanceof ArrayNode arr) {
            arr.forEach(c -> fill(c, slotName, value, ofB));
        }
    }

    /** A GET with no id slot: as B, of this test's node, shows none of A's ids. */
    private void showsNoneOf(Api as, String template, Map<String, List<String>> idsOfA, List<String> mismatches) {
        if (template.endsWith("/stream")) {
            return; // the stream is read below
        }
        String path = template.replace("{name}", node) + "?node=" + node;
        if (template.equals("/api/v1/nodes/{name}") || template.equals("/api/v1/nodes/{name}/topology")) {
            path = template.replace("{name}", node);
        }
        Response r = as.get(path);
        List<String> seen = mentions(r.raw().body(), idsOfA);
        if (!seen.isEmpty()) {
            mismatches.add("GET " + path + " names " + seen + ": " + r);
        }
    }

    private static List<String> mentions(String text, Map<String, List<String>> ids) {
        List<String> out = new ArrayList<>();
        ids.values().forEach(list -> list.forEach(id -> {
            if (Pattern.compile("(?<![\\w-])" + Pattern.quote(id) + "(?!\\d)").matcher(text).find()) {
                out.add(id);
            }
        }));
        return out;
    }

    /** Status and body with {@code id} written as {@code <id>}. */
    private static String shape(Response r, String id) {
        return r.status() + " " + r.raw().body().replace(id, "<id>");
    }

    /**
     * Every row of every table, sorted: equal digests mean nothing changed. The {@code replica} table is left out: on
     * PostgreSQL this process renews its membership lease there every heartbeat, whatever the requests do.
     */
    private String digest() {
        List<String> tables = jdbc.queryForList("select table_name from information_schema.tables where table_schema = current_schema()"
                + " and table_type in ('BASE TABLE', 'TABLE') and lower(table_name) <> 'replica'", String.class);
        assertThat(tables).as("tables").isNotEmpty();
        Map<String, List<String>> rows = new TreeMap<>();
        for (String t : tables) {
            List<String> r = new ArrayList<>(jdbc.queryForList("select * from \"" + t + "\"").stream().map(m -> new TreeMap<>(m).toString()).toList());
            r.sort(null);
            rows.put(t.toLowerCase(), r);
        }
        assertThat(rows).containsKeys("container", "event", "bond", "iommu_group");
        return rows.toString();
    }
}
