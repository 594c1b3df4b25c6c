package dev.sva.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;
import tools.jackson.databind.JsonNode;

/**
 * Real answers, as a client generated from {@code openapi.yaml} would read them: every member is
 * declared by its schema, a {@code null} only where the schema allows it, and every member of a
 * request schema's {@code required} list is one the service refuses to do without. Checked
 * recursively through {@code $ref}, {@code oneOf} and arrays.
 */
class AnswersMatchTheDocumentTest extends ApiTest {

    private Map<String, Object> schemas;
    private final List<String> violations = new ArrayList<>();

    @BeforeEach
    @SuppressWarnings("unchecked")
    void loadDocument() throws IOException {
        Map<String, Object> doc = new Yaml().load(Files.readString(Path.of("openapi.yaml"), StandardCharsets.UTF_8));
        schemas = (Map<String, Object>) ((Map<String, Object>) doc.get("components")).get("schemas");
    }

    @Test
    void answersWithNullsAndOptionalMembersMatchTheirSchemas() {
        String dev = device("0000:61:00.0", 20, false);
        String proc = process(61);
        check("AddressSpaceView", api.get("/api/v1/address-spaces/" + proc), "before its first bind: pasid null");
        Response bond = bind(dev, proc);
        check("BondView", bond, "no container, no driverData");
        check("PageBondView", api.get("/api/v1/bonds?node=" + node), "the last page: nextCursor null");
        check("DeviceView", api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", "0000:62:00.0"))), "no driver");
        check("GroupView", api.get("/api/v1/groups/" + groupOf(dev)), "in no container");
        String ctr = created(api.post("/api/v1/containers", Api.json(Map.of("node", node))));
        check("ContainerView", api.get("/api/v1/containers/" + ctr), "no name");
        check("DmaResultView", api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "address", "0x1000", "access", "READ"))),
                "a fault: no physical address, segments, page request or peer");
        check("DmaResultView", api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "pasid", 1, "address", "0x1000",
                "access", "READ"))), "a PASID fault");
        check("FaultList", api.get("/api/v1/faults?node=" + node), "fault records");
        check("StatsView", api.get("/api/v1/dma/stats"), "all nodes: node null");
        check("PageEventView", api.get("/api/v1/events?node=" + node), "events");
        assertThat(violations).isEmpty();
    }

    @Test
    void everyRequiredRequestMemberIsOneTheServiceRequires() {
        String dev = device("0000:63:00.0", 20, false);
        String proc = process(63);
        String ctr = created(api.post("/api/v1/containers", Api.json(Map.of("node", node))));
        Map<String, Object[]> requests = Map.of(
                "CreateNode", new Object[] {"/api/v1/nodes", Map.of("name", Api.uniqueNode())},
                "CreateDevice", new Object[] {"/api/v1/devices", Map.of("node", node, "bdf", "0000:64:00.0")},
                "CreateAddressSpace", new Object[] {"/api/v1/address-spaces", Map.of("node", node, "pid", 64)},
                "CreateBond", new Object[] {"/api/v1/devices/" + dev + "/bonds", Map.of("addressSpaceId", proc)},
                "CreateMapping", new Object[] {"/api/v1/containers/" + ctr + "/mappings",
                        Map.of("size", 4096, "physicalAddress", "0x40000000", "read", true)},
                "CreateRegion", new Object[] {"/api/v1/address-spaces/" + proc + "/mappings",
                        Map.of("va", "0x7f0000000000", "size", 4096, "physicalAddress", "0x50000000", "read", true)},
                "DmaRequest", new Object[] {"/api/v1/dma", Map.of("deviceId", dev, "address", "0x1000", "access", "READ")});
        requests.forEach((schema, request) -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> full = (Map<String, Object>) request[1];
            for (String member : required(schema)) {
                Map<String, Object> without = new java.util.HashMap<>(full);
                without.remove(member);
                Response r = api.post((String) request[0], Api.json(without));
                if (r.status() != 400 || !member.equals(r.str("field"))) {
                    violations.add(schema + "." + member + " is required by the document, but without it: " + r);
                }
            }
        });
        assertThat(violations).isEmpty();
        assertThat(required("CreateMapping")).doesNotContain("iova");
        assertThat(required("CreateNode")).containsExactly("name");
    }

    @SuppressWarnings("unchecked")
    private List<String> required(String schema) {
        Object r = ((Map<String, Object>) schemas.get(schema)).get("required");
        return r == null ? List.of() : (List<String>) r;
    }

    private void check(String schema, Response r, String what) {
        assertThat(r.status()).as("%s: %s", what, r).isBetween(200, 201);
        conforms(r.body(), Map.of("$ref", "#/components/schemas/" + schema), schema + " (" + what + ")");
    }

    @SuppressWarnings("unchecked")
    private void conforms(JsonNode value, Map<String, Object> schema, String at) {
        if (schema.containsKey("$ref")) {
            String name = ((String) schema.get("$ref")).substring("#/components/schemas/".length());
            conforms(value, (Map<String, Object>) schemas.get(name), at);
            return;
        }
        if (schema.containsKey("oneOf")) {
            List<Map<String, Object>> options = (List<Map<String, Object>>) schema.get("oneOf");
            if (value.isNull()) {
                if (options.stream().noneMatch(o -> allowsNull(o))) {
                    violations.add(at + " is null, which its schema does not allow");
                }
                return;
            }
            options.stream().filter(o -> !allowsNullOnly(o)).findFirst().ifPresent(o -> conforms(value, o, at));
            return;
        }
        if (value.isNull()) {
            if (!allowsNull(schema)) {
                violations.add(at + " is null, which its schema does not allow");
            }
            return;
        }
        Map<String, Object> properties = (Map<String, Object>) schema.get("properties");
        if (value.isObject() && properties != null) {
            for (String member : value.propertyNames()) {
                Object property = properties.get(member);
                if (property == null) {
                    violations.add(at + "." + member + " is not declared");
                } else {
                    conforms(value.get(member), (Map<String, Object>) property, at + "." + member);
                }
            }
        }
        if (value.isArray() && schema.get("items") instanceof Map<?, ?> items) {
            int i = 0;
            for (JsonNode element : value) {
                conforms(element, (Map<String, Object>) items, at + "[" + i++ + "]");
            }
        }
    }

    private static boolean allowsNull(Map<String, Object> schema) {
        Object type = schema.get("type");
        return "null".equals(type) || (type instanceof Collection<?> c && c.contains("null"));
    }

    private static boolean allowsNullOnly(Map<String, Object> schema) {
        return "null".equals(schema.get("type"));
    }
}
