package dev.sva.core;

import static dev.sva.support.ProblemAssert.assertInvalid;
import static dev.sva.support.ProblemAssert.assertNotFound;
import static dev.sva.support.ProblemAssert.assertRefused;
import static dev.sva.support.ProblemAssert.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * What the framework meets before a feature does — malformed JSON, wrong types, unknown fields, bodies
 * that are not JSON, unknown paths, wrong methods, bad query parameters — answered as RFC 9457
 * problems with {@code code} and {@code errno}, and 400s naming the field.
 */
abstract class ProblemFormatTests extends ApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** A request with any content type and accept header (null: none), which {@link Api} does not send. */
    private Response raw(String method, String path, String contentType, String body, String accept) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        if (accept != null) {
            b.header("Accept", accept);
        }
        b.header("Authorization", api.authorization());
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode parsed;
            try {
                parsed = r.body().isBlank() ? JSON.missingNode() : JSON.readTree(r.body());
            } catch (RuntimeException e) {
                parsed = JSON.getNodeFactory().stringNode(r.body());
            }
            return new Response(r.statusCode(), r, parsed);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** What {@link #rawRequest} answers: the status, the Content-Type and the body parsed as JSON. */
    private record RawAnswer(int status, String contentType, JsonNode body, String text) {
    }

    /**
     * Sends bytes that no HTTP client library would (a query string that does not decode), as HTTP/1.0 so
     * that the answer ends with the connection.
     */
    private RawAnswer rawRequest(String method, String target, String contentType, String body) {
        StringBuilder request = new StringBuilder(method + " " + target + " HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                + "Authorization: " + api.authorization() + "\r\n");
        byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
        if (contentType != null) {
            request.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(payload.length).append("\r\n");
        }
        request.append("\r\n");
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
            socket.getOutputStream().write(payload);
            String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            int split = answer.indexOf("\r\n\r\n");
            String head = answer.substring(0, split);
            String text = answer.substring(split + 4);
            int status = Integer.parseInt(head.split(" ")[1]);
            String type = head.lines().filter(l -> l.toLowerCase(Locale.ROOT).startsWith("content-type:"))
                    .map(l -> l.substring("content-type:".length()).trim()).findFirst().orElse(null);
            JsonNode parsed;
            try {
                parsed = JSON.readTree(text);
            } catch (RuntimeException e) {
                parsed = JSON.missingNode();
            }
            return new RawAnswer(status, type, parsed, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int deviceCount() {
        return api.get("/api/v1/devices?node=" + node).body().path("items").size();
    }

    @Test
    void malformedJsonIsRefused() {
        for (String bad : List.of("{\"name\":", "{\"name\" \"x\"}", "{name: \"x\"}", "{\"name\":\"x\"} trailing",
                "{\"name\":\"x\",}", "'x'")) {
            Response r = assertInvalid(api.post("/api/v1/nodes", bad), "body");
            assertThat(r.str("reason")).as("%s", r).isNotBlank();
        }
        assertInvalid(api.post("/api/v1/nodes", "{\"name\":\"\\q\"}"), "name");
        assertInvalid(api.post("/api/v1/nodes", ""), "body");
        assertInvalid(api.post("/api/v1/nodes", "null"), "body");
        assertInvalid(api.post("/api/v1/nodes", "[]"), "body");
        assertInvalid(api.post("/api/v1/nodes", "\"name\""), "body");
        assertInvalid(api.post("/api/v1/devices", "{\"node\":\"" + node + "\",\"bdf\":\"0000:01:00.0\""), "body");
        assertThat(deviceCount()).isZero();
    }

    @Test
    void wrongJsonTypesAreRefusedNamingTheField() {
        assertInvalid(api.post("/api/v1/address-spaces", Api.json(obj("node", node, "pid", true))), "pid");
        assertInvalid(api.post("/api/v1/address-spaces", Api.json(obj("node", node, "pid", List.of(1)))), "pid");
        assertInvalid(api.post("/api/v1/address-spaces", Api.json(obj("node", node, "pid", obj("n", 1)))), "pid");
        assertInvalid(api.post("/api/v1/address-spaces", Api.json(obj("node", node, "pid", 7.25))), "pid");
        assertInvalid(api.post("/api/v1/address-spaces", Api.json(obj("node", List.of(node), "pid", 7))), "node");
        assertInvalid(api.post("/api/v1/nodes", Api.json(obj("name", obj()))), "name");
        assertInvalid(api.post("/api/v1/nodes", Api.json(obj("name", Api.uniqueNode(), "iovaBits", 39.5))), "iovaBits");
        assertInvalid(api.post("/api/v1/containers", Api.json(obj("node", node, "name", List.of()))), "name");
        assertInvalid(api.post("/api/v1/devices", Api.json(obj("node", node, "bdf", "0000:01:00.0", "ats", "sometimes"))), "ats");
        assertInvalid(api.post("/api/v1/devices", Api.json(obj("node", node, "bdf", "0000:01:00.0",
                "bars", List.of(obj("index", "zero", "base", "0x0", "size", 4096))))), "bars[0].index");
        assertThat(deviceCount()).isZero();
    }

    /** A value of another JSON type is refused, not converted: {@code "42"} is not the number 42. */
    @Test
    void valuesOfAnotherJsonTypeAreRefusedRatherThanConverted() {
        assertInvalid(api.post("/api/v1/address-spaces", Api.json(obj("node", node, "pid", "4243"))), "pid");
        assertInvalid(api.post("/api/v1/address-spaces", Api.json(obj("node", node, "pid", 4244, "name", 12))), "name");
        assertInvalid(api.post("/api/v1/nodes", Api.json(obj("name", Api.uniqueNode(), "pasidBits", "20"))), "pasidBits");
        assertInvalid(api.post("/api/v1/devices", Api.json(obj("node", node, "bdf", "0000:01:00.0", "pri", 1))), "pri");
        assertInvalid(api.post("/api/v1/devices", Api.json(obj("node", node, "bdf", "0000:01:00.0", "ats", "true"))), "ats");
        assertInvalid(api.post("/api/v1/devices", Api.json(obj("node", node, "bdf", "0000:01:00.0", "driver", false))), "driver");
        assertInvalid(api.post("/api/v1/dma", Api.json(obj("deviceId", "dev-1", "address", "0x0", "access", "READ",
                "pasid", "1"))), "pasid");
        assertInvalid(api.post("/api/v1/dma", Api.json(obj("deviceId", "dev-1", "address", "0x0", "access", 0))), "access");
        assertThat(deviceCount()).isZero();
        assertThat(api.post("/api/v1/address-spaces", Api.json(obj("node", node, "pid", 4245))).status())
                .as("the same request with the right types").isEqualTo(201);
    }

    /** A list filter that names an object names one of the node's: an unknown or foreign id is not an empty list. */
    @Test
    void listFiltersNamingNothingOrAnotherNodesObjectAreRefused() {
        String other = Api.uniqueNode();
        assertThat(api.post("/api/v1/nodes", Api.json(obj("name", other))).status()).isEqualTo(201);
        String foreignDevice = created(api.post("/api/v1/devices", Api.json(obj("node", other, "bdf", "0000:01:00.0"))));
        String foreignGroup = api.get("/api/v1/devices/" + foreignDevice).str("groupId");
        String dev = device("0000:02:00.0", 20, false);

        assertRefused(api.get("/api/v1/devices?node=" + node + "&groupId=grp-999999"), 404, "NOT_FOUND", "ENOENT");
        assertRefused(api.get("/api/v1/devices?node=" + node + "&groupId=" + foreignGroup), 422, "CROSS_NODE", "EXDEV");
        assertRefused(api.get("/api/v1/bonds?node=" + node + "&deviceId=dev-999999"), 404, "NOT_FOUND", "ENOENT");
        assertRefused(api.get("/api/v1/bonds?node=" + node + "&deviceId=" + foreignDevice), 422, "CROSS_NODE", "EXDEV");
        assertRefused(api.get("/api/v1/bonds?node=" + node + "&addressSpaceId=as-999999"), 404, "NOT_FOUND", "ENOENT");
        assertRefused(api.get("/api/v1/bonds?node=" + node + "&containerId=ctr-999999"), 404, "NOT_FOUND", "ENOENT");
        assertThat(api.get("/api/v1/bonds?node=" + node + "&deviceId=" + dev).body().path("items")).isEmpty();
        assertThat(api.get("/api/v1/devices?node=" + node + "&groupId=" + groupOf(dev)).body().path("items")).hasSize(1);
    }

    @Test
    void unknownFieldsAreRefusedNamingTheField() {
        String name = Api.uniqueNode();
        Response r = assertInvalid(api.post("/api/v1/nodes", Api.json(obj("name", name, "pasidbits", 8))), "pasidbits");
        assertThat(r.str("reason")).contains("not a known field");
        assertNotFound(api.get("/api/v1/nodes/" + name));

        String group = groupOf(device("0000:3b:00.0", 0, false));
        // a typo must not plug the device into a new group instead of hot-plugging it
        assertInvalid(api.post("/api/v1/devices", Api.json(obj("node", node, "bdf", "0000:3b:00.1", "groupID", group))),
                "groupID");
        assertInvalid(api.post("/api/v1/devices", Api.json(obj("node", node, "bdf", "0000:3b:00.1",
                "bars", List.of(obj("index", 0, "base", "0x0", "size", 4096, "prefetchable", true))))), "bars[0].prefetchable");
        assertThat(deviceCount()).isOne();

        String ctr = container();
        assertInvalid(api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(obj("iova", "0x1000", "size", 4096,
                "physicalAddress", "0x0", "read", true, "exec", true))), "exec");
        String proc = process(100);
        assertInvalid(api.post("/api/v1/address-spaces/" + proc + "/mappings", Api.json(obj("va", "0x1000", "size", 4096,
                "physicalAddress", "0x0", "read", true, "pinnned", false))), "pinnned");
        assertInvalid(api.post("/api/v1/address-spaces", Api.json(obj("node", node, "pid", 5, "comm", "x"))), "comm");
        assertInvalid(api.post("/api/v1/groups", Api.json(obj("node", node, "devices", List.of()))), "devices");
        assertInvalid(api.post("/api/v1/containers", Api.json(obj("node", node, "groups", List.of()))), "groups");
        assertThat(api.get("/api/v1/containers/" + ctr + "/mappings").body().path("items").size()).isZero();
    }

    @Test
    void aBodyThatIsNotJsonIsAnUnsupportedMediaType() {
        assertRefused(raw("POST", "/api/v1/nodes", "text/plain", "{\"name\":\"" + Api.uniqueNode() + "\"}", null),
                415, "UNSUPPORTED_MEDIA_TYPE", "EINVAL");
        assertRefused(raw("POST", "/api/v1/devices", "application/xml", "<device/>", null), 415, "UNSUPPORTED_MEDIA_TYPE", "EINVAL");
        assertRefused(raw("POST", "/api/v1/groups", "text/plain", "hello", null), 415, "UNSUPPORTED_MEDIA_TYPE", "EINVAL");
        assertRefused(raw("POST", "/api/v1/address-spaces", "application/x-www-form-urlencoded", "pid=1", null),
                415, "UNSUPPORTED_MEDIA_TYPE", "EINVAL");
        String dev = device("0000:01:00.0", 0, false);
        assertRefused(raw("PATCH", "/api/v1/devices/" + dev, "text/plain", "vfio-pci", null), 415, "UNSUPPORTED_MEDIA_TYPE", "EINVAL");
        assertThat(deviceCount()).isOne();
        assertThat(raw("POST", "/api/v1/address-spaces", "application/json; charset=utf-8",
                Api.json(obj("node", node, "pid", 9)), null).status()).as("JSON with a charset is JSON").isEqualTo(201);
    }

    @Test
    void unknownPathsAreNotFound() {
        for (String path : List.of("/api/v1/nope", "/api/v2/nodes", "/api/v1/devices/dev-1/nope", "/nope", "/api/v1/")) {
            Response r = assertNotFound(api.get(path));
            assertThat(r.str("detail")).as("%s", r).isNotBlank();
        }
        assertNotFound(api.post("/api/v1/nope", "{}"));
    }

    @Test
    void wrongMethodsAreNotAllowedAndSayWhatIs() {
        Response put = assertRefused(api.send("PUT", "/api/v1/nodes", "{}"), 405, "METHOD_NOT_ALLOWED", "EINVAL");
        assertThat(put.header("Allow")).as("a 405 carries Allow: %s", put.raw().headers().map()).isNotNull();
        assertThat(put.header("Allow").replace(" ", "").split(",")).containsExactlyInAnyOrder("GET", "POST");
        assertThat(put.body().path("allowed").toString()).contains("GET", "POST");

        assertRefused(api.delete("/api/v1/nodes/local"), 405, "METHOD_NOT_ALLOWED", "EINVAL");
        assertRefused(api.patch("/api/v1/containers/ctr-1", "{}"), 405, "METHOD_NOT_ALLOWED", "EINVAL");
        assertRefused(api.post("/api/v1/devices/dev-1", "{}"), 405, "METHOD_NOT_ALLOWED", "EINVAL");
        Response groups = assertRefused(api.send("PATCH", "/api/v1/groups/grp-1", "{}"), 405, "METHOD_NOT_ALLOWED", "EINVAL");
        assertThat(groups.header("Allow")).contains("GET", "DELETE");
    }

    @Test
    void badQueryParametersAreRefusedNamingThem() {
        assertInvalid(api.get("/api/v1/devices?node=" + node + "&limit=abc"), "limit");
        assertInvalid(api.get("/api/v1/devices?node=" + node + "&limit=1.5"), "limit");
        assertInvalid(api.get("/api/v1/devices?node=" + node + "&limit=99999999999"), "limit");
        assertInvalid(api.get("/api/v1/groups?node=" + node + "&limit=abc"), "limit");
        assertInvalid(api.get("/api/v1/containers?node=" + node + "&limit=abc"), "limit");
        assertInvalid(api.get("/api/v1/address-spaces?node=" + node + "&limit=abc"), "limit");
        assertInvalid(api.get("/api/v1/nodes?limit=abc"), "limit");
        assertInvalid(api.get("/api/v1/devices?node=" + node + "&cursor=%F0%9F%92%A5"), "cursor");
        String ctr = container();
        assertInvalid(api.get("/api/v1/containers/" + ctr + "/mappings?limit=abc"), "limit");
        assertInvalid(api.delete("/api/v1/containers/" + ctr + "/mappings?iova=abc&size=0"), "iova");
    }

    @Test
    void undecodableQueryStringsAreRefusedNotAnsweredWithAServerError() {
        String dev = device("0000:01:00.0", 0, false);
        String ctr = container();
        for (String[] request : new String[][] {
                {"GET", "/api/v1/nodes?cursor=%zz"}, {"GET", "/api/v1/devices?node=" + node + "&limit=%ff"},
                {"GET", "/api/v1/groups?node=%"}, {"DELETE", "/api/v1/containers/" + ctr + "/mappings?iova=%G0&size=0"},
                {"GET", "/api/v1/containers/" + ctr + "/mappings?cursor=%C0%AF"}}) {
            RawAnswer r = rawRequest(request[0], request[1], null, null);
            assertThat(r.status()).as("%s %s: %s", request[0], request[1], r.text()).isEqualTo(400);
            assertThat(r.contentType()).as("%s", r.text()).startsWith("application/problem+json");
            assertThat(r.body().path("code").asString()).isEqualTo("VALIDATION_FAILED");
            assertThat(r.body().path("errno").asString()).isEqualTo("EINVAL");
            assertThat(r.body().path("field").asString()).isEqualTo("query");
        }
        assertThat(api.get("/api/v1/devices/" + dev).status()).isEqualTo(200);
        // a form body is not read at all (no filter parses it ahead of the handlers): the API takes JSON
        RawAnswer form = rawRequest("PATCH", "/api/v1/devices/" + dev, "application/x-www-form-urlencoded", "driver=%zz");
        assertThat(form.status()).as("%s", form.text()).isEqualTo(415);
        assertThat(form.contentType()).as("%s", form.text()).startsWith("application/problem+json");
        assertThat(form.body().path("code").asString()).isEqualTo("UNSUPPORTED_MEDIA_TYPE");
        assertThat(api.get("/api/v1/devices/" + dev).str("driver")).isEqualTo("vfio-pci");
    }

    @Test
    void pathsTomcatCannotDecodeAreAnsweredAsProblemsToo() {
        for (String target : new String[] {"/api/v1/devices/%zz", "/api/v1/devices/a%00b", "/api/v1/devices/%ff%fe",
                "/api/v1/groups/%2F", "/api/v1/nodes/%5C"}) {
            RawAnswer r = rawRequest("GET", target, null, null);
            assertThat(r.status()).as("%s: %s", target, r.text()).isEqualTo(400);
            assertThat(r.contentType()).as("%s: %s", target, r.text()).startsWith("application/problem+json");
            assertThat(r.body().path("code").asString()).isEqualTo("VALIDATION_FAILED");
            assertThat(r.body().path("field").asString()).isEqualTo("path");
        }
    }

    @Test
    void nulCharactersAreRefusedRatherThanStoredOrMistakenForDuplicates() {
        // PostgreSQL cannot store U+0000 in text; the answer must not depend on the database
        assertInvalid(api.post("/api/v1/containers", Api.json(obj("node", node, "name", "vm\u00001"))), "name");
        assertInvalid(api.post("/api/v1/address-spaces", Api.json(obj("node", node, "pid", 5, "name", "a\u0000"))), "name");
        assertInvalid(api.post("/api/v1/nodes", Api.json(obj("name", "n\u0000"))), "name");
        assertInvalid(api.post("/api/v1/devices", Api.json(obj("node", node, "bdf", "0000:01:00.0", "driver", "\u0000"))), "driver");
        assertInvalid(api.post("/api/v1/containers", Api.json(obj("node", node + "\u0000"))), "node");
        assertNotFound(api.get("/api/v1/devices?node=" + node + "%00"));
        assertNotFound(api.get("/api/v1/containers?node=%00"));
        assertInvalid(api.get("/api/v1/nodes?cursor=a%00b"), "cursor");
        assertThat(api.get("/api/v1/containers?node=" + node).body().path("items").size()).isZero();
        assertThat(api.get("/api/v1/address-spaces?node=" + node).body().path("items").size()).isZero();
    }

    @Test
    void anAnswerTheClientCannotAcceptIsNotAcceptable() {
        Response r = raw("GET", "/api/v1/nodes/local", null, null, "text/html");
        assertThat(r.status()).as("%s", r).isEqualTo(406);
    }
}
