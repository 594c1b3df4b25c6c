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
 * safe, so race tests share one. It sends the admin token {@link #ADMIN_TOKEN} unless made with
 * {@link #as} for another identity; every service a test starts is given that token (the properties of
 * {@link ApiTest}, or {@link #securityArguments}).
 */
public final class Api {

    /** The admin's bearer token of every service the tests start ({@code sva.security.admin-token}). */
    public static final String ADMIN_TOKEN = "test-admin-token-0123456789abcdefghijklmnopqrstuvwxyz";

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpClient http;
    private final String base;
    /** The whole Authorization header value, {@code null} for none. */
    private final String authorization;

    public Api(int port) {
        this(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build(), "http://127.0.0.1:" + port,
                "Bearer " + ADMIN_TOKEN);
    }

    private Api(HttpClient http, String base, String authorization) {
        this.http = http;
        this.base = base;
        this.authorization = authorization;
    }

    /** The same client sending {@code token} as its bearer token; {@code null} sends no Authorization header. */
    public Api as(String token) {
        return new Api(http, base, token == null ? null : "Bearer " + token);
    }

    /** The same client sending this exact {@code Authorization} header value (another scheme, a malformed one). */
    public Api withAuthorization(String headerValue) {
        return new Api(http, base, headerValue);
    }

    /** The Authorization header value this client sends, {@code null} for none (for other test clients). */
    public String authorization() {
        return authorization;
    }

    /** The command-line argument giving a service started by a test the admin token {@link #ADMIN_TOKEN}. */
    public static String adminTokenArgument() {
        return "--sva.security.admin-token=" + ADMIN_TOKEN;
    }

    /** The command-line argument keeping a started service's signing key under {@code dir}, not in {@code ./data}. */
    public static String securityDirArgument(java.nio.file.Path dir) {
        return "--sva.security.data-dir=" + dir;
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
        if (authorization != null) {
            b.header("Authorization", authorization);
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
