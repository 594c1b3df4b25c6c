package dev.sva.support;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real HTTP client against the running service, for tests: JSON in, {@link Response} out. Thread
 * safe, so race tests share one.
 */
public final class Api {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;

    public Api(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** An HTTP answer: status, headers and the body parsed as JSON (a missing node when empty). */
    public record Response(int status, HttpResponse<String> raw, JsonNode body) {
        public String str(String field) {
            JsonNode n = body.path(field);
            return n.isMissingNode() || n.isNull() ? null : n.asString();
        }

        public String code() {
            return str("code");
        }

        public String header(String name) {
            return raw.headers().firstValue(name).orElse(null);
        }

        public String contentType() {
            return header("Content-Type");
        }

        @Override
        public String toString() {
            return status + " " + raw.body();
        }
    }

    public Response get(String path) {
        return send("GET", path, null);
    }

    public Response post(String path, String json) {
        return send("POST", path, json);
    }

    public Response put(String path) {
        return send("PUT", path, null);
    }

    public Response patch(String path, String json) {
        return send("PATCH", path, json);
    }

    public Response delete(String path) {
        return send("DELETE", path, null);
    }

    public Response send(String method, String path, String json) {
        return send(method, path, json, json == null ? null : "application/json");
    }

    /** A request with this body (none when {@code null}) declared as {@code contentType} (no header when {@code null}). */
    public Response send(String method, String path, String body, String contentType) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            JsonNode parsed = r.body() == null || r.body().isBlank() ? JSON.missingNode() : parse(r.body());
            return new Response(r.statusCode(), r, parsed);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (RuntimeException e) {
            return JSON.getNodeFactory().stringNode(body);
        }
    }

    public static String json(Object value) {
        return JSON.writeValueAsString(value);
    }

    /** A node name no other test uses, so tests sharing a database never see each other's objects. */
    public static String uniqueNode() {
        return "t-" + UUID.randomUUID().toString().substring(0, 13);
    }
}
