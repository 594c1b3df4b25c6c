package dev.sva.contract;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Swagger UI's first "Try it out" never fails: every request-body example of the served document,
 * sent as it is with every parameter at its example (what Swagger UI fills in), answers 2xx on a fresh
 * service — a database of this class's own, so the examples' ids ({@code dev-1}, {@code as-1},
 * {@code ctr-1}) are the first ones. The examples run in the README's order; the only other request is
 * the one the story needs and that has no body ({@code PUT /containers/ctr-1/groups/grp-1}).
 */
@TestPropertySource(properties = "spring.datasource.url=jdbc:h2:mem:sva-examples-${random.uuid};DB_CLOSE_DELAY=-1")
class RequestExamplesTest extends ApiTest {

    /** Operations with a request body, in the order their examples build on each other. */
    private static final List<String> STORY = List.of("createNode", "mintToken", "createDevice", "allocateGroup", "releaseGroup", "updateDevice", "createGroup",
            "createAddressSpace", "mapRegion", "bindDevice", "translateDma", "createContainer", "attachGroup",
            "mapDma", "translateDmaBatch", "bindContainer", "importTopology", "whatIfTopology");

    /** Operations without a body the story runs at their parameters' examples too. */
    private static final List<String> WITHOUT_BODY = List.of("releaseGroup", "attachGroup");

    @Test
    void everyRequestBodyExampleSucceedsAsItIsOnAFreshService() {
        JsonNode document = api.get("/v3/api-docs").body();
        Map<String, Call> calls = calls(document);
        assertThat(new TreeSet<>(calls.keySet()))
                .as("every operation with a request body has a place in STORY")
                .isEqualTo(new TreeSet<>(STORY.stream().filter(id -> !WITHOUT_BODY.contains(id)).toList()));
        Map<String, Call> all = new LinkedHashMap<>(calls);
        WITHOUT_BODY.forEach(id -> all.put(id, call(document, id)));

        List<String> sent = new ArrayList<>();
        for (String id : STORY) {
            Call call = all.get(id);
            for (Map.Entry<String, JsonNode> example : call.examples().entrySet()) {
                String body = example.getValue() == null ? null : Api.json(example.getValue());
                Response r = api.send(call.method(), call.path(), body);
                assertThat(r.status()).as("%s %s (%s, example %s) with %s: %s", call.method(), call.path(), id,
                        example.getKey(), body, r).isBetween(200, 299);
                sent.add(id);
            }
        }
        assertThat(sent).as("the story ran every example").containsAll(STORY);
    }

    private record Call(String method, String path, Map<String, JsonNode> examples) {
    }

    /** Each operation with a JSON request body: its examples (the {@code example}, or each {@code examples} value). */
    private static Map<String, Call> calls(JsonNode document) {
        Map<String, Call> calls = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> path : document.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                JsonNode media = op.getValue().path("requestBody").path("content").path("application/json");
                if (media.isMissingNode()) {
                    continue;
                }
                Map<String, JsonNode> examples = new LinkedHashMap<>();
                if (media.has("example")) {
                    examples.put("example", media.get("example"));
                }
                // alternatives first, then the first one (what Swagger UI selects), which the story continues from
                List<Map.Entry<String, JsonNode>> named = new ArrayList<>(media.path("examples").properties());
                for (int i = 1; i <= named.size(); i++) {
                    Map.Entry<String, JsonNode> e = named.get(i % named.size());
                    examples.put(e.getKey(), e.getValue().get("value"));
                }
                String id = op.getValue().path("operationId").asString();
                assertThat(examples).as("%s has a request example (Swagger UI would otherwise send \"string\")", id)
                        .isNotEmpty();
                calls.put(id, new Call(op.getKey().toUpperCase(), uri(path.getKey(), op.getValue()), examples));
            }
        }
        return calls;
    }

    private static Call call(JsonNode document, String operationId) {
        for (Map.Entry<String, JsonNode> path : document.path("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                if (op.getValue().path("operationId").asString().equals(operationId)) {
                    Map<String, JsonNode> none = new LinkedHashMap<>();
                    none.put("none", null);
                    return new Call(op.getKey().toUpperCase(), uri(path.getKey(), op.getValue()), none);
                }
            }
        }
        throw new AssertionError("no operation " + operationId);
    }

    /** The path with every parameter at its example, as Swagger UI fills them in; a required one must have one. */
    private static String uri(String template, JsonNode operation) {
        String path = template;
        List<String> query = new ArrayList<>();
        for (JsonNode p : operation.path("parameters")) {
            JsonNode example = p.has("example") ? p.get("example") : p.path("schema").get("example");
            String name = p.path("name").asString();
            if (example == null) {
                assertThat(p.path("required").asBoolean())
                        .as("required parameter %s of %s has an example", name, template).isFalse();
                continue;
            }
            if (p.path("in").asString().equals("path")) {
                path = path.replace("{" + name + "}", example.asString());
            } else if (p.path("in").asString().equals("query")) {
                query.add(name + "=" + example.asString());
            }
        }
        return query.isEmpty() ? path : path + "?" + String.join("&", query);
    }
}
