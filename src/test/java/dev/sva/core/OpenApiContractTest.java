package dev.sva.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * What a client generator needs from {@code openapi.yaml} (which {@link OpenApiDocumentTest} keeps
 * equal to the served document): verb operationIds, typed problems on every operation, a pattern and
 * an example on every address and id, 64-bit sizes, and examples that read the same in YAML as in JSON.
 */
class OpenApiContractTest {

    private static Map<String, Object> doc;

    @BeforeAll
    static void load() throws IOException {
        doc = new Yaml().load(Files.readString(Path.of("openapi.yaml"), StandardCharsets.UTF_8));
    }

    @Test
    void everyOperationHasAVerbOperationIdFromTheTable() {
        Set<String> ids = new TreeSet<>();
        operations().forEach((where, op) -> {
            String id = (String) op.get("operationId");
            assertThat(id).as(where).matches("[a-z]+[A-Z][A-Za-z]*");
            assertThat(ids.add(id)).as("unique: %s", id).isTrue();
        });
        assertThat(ids).isEqualTo(OpenApiContract.operationIds());
    }

    @Test
    void everyOperationDeclaresItsRefusalsWithTheProblemSchema() {
        operations().forEach((where, op) -> {
            Map<String, Object> responses = map(op.get("responses"));
            assertThat(responses).as(where).containsKey("400");
            responses.forEach((status, r) -> {
                if (status.startsWith("4") || status.startsWith("5") || status.equals("default")) {
                    Map<String, Object> content = map(map(r).get("content"));
                    assertThat(map(map(content.get("application/problem+json")).get("schema")).get("$ref"))
                            .as("%s %s", where, status).isEqualTo("#/components/schemas/Problem");
                }
            });
        });
        Map<String, Object> problem = schema("Problem");
        @SuppressWarnings("unchecked")
        List<String> codes = (List<String>) map(map(problem.get("properties")).get("code")).get("enum");
        assertThat(codes).containsExactly(java.util.Arrays.stream(ProblemType.values()).map(Enum::name).toArray(String[]::new));
        assertThat(map(problem.get("properties"))).containsKeys("errno", "devices", "groups", "mappings", "oldestSeq");
    }

    @Test
    void addressesIdsAndBdfsCarryAPatternAndAnExampleThatMatchesIt() {
        List<String> checked = new ArrayList<>();
        map(map(doc.get("components")).get("schemas")).forEach((name, s) -> {
            Map<String, Object> properties = map(map(s).get("properties"));
            properties.forEach((member, p) -> {
                Map<String, Object> property = map(p);
                boolean address = Set.of("iova", "va", "physicalAddress", "base", "address", "offset").contains(member)
                        && !name.equals("Problem");
                boolean id = member.endsWith("Id") && !name.equals("Problem") || member.equals("bdf") && !name.equals("Problem");
                if (address || id) {
                    assertThat(property).as("%s.%s", name, member).containsKeys("pattern", "example");
                    assertThat(property.get("example")).as("%s.%s: a string in YAML too", name, member).isInstanceOf(String.class);
                    assertThat((String) property.get("example")).as("%s.%s", name, member)
                            .matches((String) property.get("pattern"));
                    checked.add(name + "." + member);
                }
                if (member.equals("size") || member.endsWith("Bytes")) {
                    // int64, or the string form of an unsigned 64-bit value
                    assertThat("int64".equals(property.get("format")) || "string".equals(property.get("type"))
                            || String.valueOf(property.get("type")).contains("string"))
                            .as("%s.%s is 64-bit: %s", name, member, property).isTrue();
                }
            });
        });
        assertThat(checked).contains("CreateDevice.bdf", "BarBody.base", "DmaRequest.address", "BondView.deviceId",
                "CreateMapping.iova");
    }

    @Test
    void theStreamIsDescribedAsServerSentEvents() {
        Map<String, Object> ok = map(map(map(map(map(doc.get("paths")).get("/api/v1/events/stream")).get("get"))
                .get("responses")).get("200"));
        Map<String, Object> media = map(map(ok.get("content")).get("text/event-stream"));
        assertThat((String) media.get("example")).contains("id: ", "event: ", "data: {");
        assertThat(map(map(media.get("schema")).get("x-sse-data")).get("$ref")).isEqualTo("#/components/schemas/EventView");
    }

    private static Map<String, Map<String, Object>> operations() {
        Map<String, Map<String, Object>> ops = new java.util.TreeMap<>();
        map(doc.get("paths")).forEach((path, item) -> map(item).forEach((method, op) -> {
            if (Set.of("get", "post", "put", "patch", "delete").contains(method) && path.startsWith("/api/")) {
                ops.put(method.toUpperCase() + " " + path, map(op));
            }
        }));
        return ops;
    }

    private static Map<String, Object> schema(String name) {
        return map(map(map(doc.get("components")).get("schemas")).get(name));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o == null ? Map.of() : (Map<String, Object>) o;
    }
}
