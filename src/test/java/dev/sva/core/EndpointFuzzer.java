package dev.sva.core;

import dev.sva.support.Api;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import org.springframework.core.MethodParameter;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Hostile requests to every mapping the service registers (read from Spring MVC's
 * {@link RequestMappingHandlerMapping}, so a new endpoint is fuzzed without anyone listing it):
 * path variables that are real ids of the right kind or garbage, known query parameters with odd
 * values, unknown parameters, bodies from a caller-supplied generator (bad JSON, wrong types, huge
 * numbers, surrogates), wildcard and odd content types, odd methods and odd paths. Each answer is
 * checked: below 500, and a problem+json with a {@code code} when it is a refusal.
 */
final class EndpointFuzzer {

    /** One registered mapping: a method and a path pattern, with the query parameters and body it takes. */
    record Endpoint(String method, String pattern, Set<String> params, boolean takesBody, boolean streams) {
        String key() {
            return method + " " + pattern;
        }
    }

    /** An answer, as far as the checks need it. */
    record Answer(int status, String contentType, JsonNode body, String text) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final List<String> CONTENT_TYPES = List.of("*/*", "application/*", "text/*", "text/plain",
            "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin-7",
            "application/json; charset=utf-16", "application", "/", ";;", "application/json+problem", "application/*+json",
            "application/xml", "");
    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS",
            "PROPFIND", "FOO", "TRACE");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String base;
    private final Random random;

    EndpointFuzzer(int port, Random random) {
        this.base = "http://127.0.0.1:" + port;
        this.random = random;
    }

    /** The API's own mappings (not actuator's or springdoc's), one per method and pattern. */
    static List<Endpoint> endpoints(RequestMappingHandlerMapping mapping) {
        Map<String, Endpoint> found = new TreeMap<>();
        for (Map.Entry<RequestMappingInfo, HandlerMethod> e : mapping.getHandlerMethods().entrySet()) {
            HandlerMethod handler = e.getValue();
            if (!handler.getBeanType().getPackageName().startsWith("dev.sva")
                    || org.springframework.boot.webmvc.error.ErrorController.class.isAssignableFrom(handler.getBeanType())) {
                continue; // the error page is no endpoint: oddPath() asks for it directly
            }
            Set<String> params = new TreeSet<>();
            boolean body = false;
            boolean servletRequest = false;
            for (MethodParameter p : handler.getMethodParameters()) {
                RequestParam rp = p.getParameterAnnotation(RequestParam.class);
                if (rp != null) {
                    params.add(rp.name().isEmpty() ? p.getParameterName() : rp.name());
                }
                body |= p.hasParameterAnnotation(RequestBody.class);
                servletRequest |= p.getParameterType().getName().equals("jakarta.servlet.http.HttpServletRequest");
            }
            boolean streams = e.getKey().getProducesCondition().getProducibleMediaTypes().stream()
                    .anyMatch(m -> m.toString().equals("text/event-stream"));
            Set<String> methods = new TreeSet<>();
            e.getKey().getMethodsCondition().getMethods().forEach(m -> methods.add(m.name()));
            if (methods.isEmpty()) {
                methods.addAll(List.of("GET", "POST", "PUT", "PATCH", "DELETE"));
            }
            for (String pattern : e.getKey().getPatternValues()) {
                for (String method : methods) {
                    boolean takesBody = body || (servletRequest && !method.equals("GET") && !streams);
                    Endpoint ep = new Endpoint(method, pattern, Set.copyOf(params), takesBody, streams);
                    found.put(ep.key(), ep);
                }
            }
        }
        return List.copyOf(found.values());
    }

    /**
     * Sends one hostile request to {@code endpoint}: {@code variable} picks a value for each path
     * variable (by name and the segment before it), {@code param} one for each query parameter,
     * {@code body} the body of an endpoint that takes one. Returns what was sent and what came back.
     */
    Map.Entry<String, Answer> hit(Endpoint endpoint, Function<String, String> variable, Function<String, String> param,
                                  Supplier<String> body) {
        String method = random.nextInt(12) == 0 ? METHODS.get(random.nextInt(METHODS.size())) : endpoint.method();
        String path = path(endpoint.pattern(), variable);
        StringBuilder query = new StringBuilder();
        for (String name : endpoint.params()) {
            if (random.nextInt(3) == 0) {
                append(query, name, param.apply(name));
            }
        }
        if (random.nextInt(8) == 0) {
            append(query, random.nextBoolean() ? oddName() : endpoint.params().isEmpty() ? "node" : "groupID", "1");
        }
        String contentType = null;
        String text = null;
        if (endpoint.takesBody() || random.nextInt(10) == 0) {
            text = endpoint.takesBody() ? body.get() : "{\"x\":1}";
            contentType = random.nextInt(8) == 0 ? CONTENT_TYPES.get(random.nextInt(CONTENT_TYPES.size())) : "application/json";
        }
        String uri = path + (query.isEmpty() ? "" : "?" + query);
        return Map.entry(method + " " + uri + (text == null ? "" : " [" + contentType + "] " + abbreviate(text)),
                send(method, uri, contentType, text));
    }

    /** An odd request line: paths that do not exist, do not decode or are too long. */
    Map.Entry<String, Answer> oddPath() {
        String path = switch (random.nextInt(9)) {
            case 0 -> "/api/v1/" + URLEncoder.encode(oddName(), StandardCharsets.UTF_8);
            case 1 -> "/api/v1/devices/%ED%A0%80";
            case 2 -> "/api/v1/nodes/%00";
            case 3 -> "/api/v1/devices/dev-1/%2e%2e/%2e%2e/nodes";
            case 4 -> "//api/v1//nodes/";
            case 5 -> "/api/v1/nodes;jsessionid=x";
            case 6 -> "/api/v1/nodes/" + "x".repeat(9000);
            case 7 -> "/error";
            default -> "/api/v2/nodes";
        };
        String method = METHODS.get(random.nextInt(METHODS.size()));
        return Map.entry(method + " " + abbreviate(path), send(method, path, null, null));
    }

    private String path(String pattern, Function<String, String> variable) {
        StringBuilder sb = new StringBuilder();
        String previous = "";
        for (String segment : pattern.split("/")) {
            if (segment.isEmpty()) {
                continue;
            }
            sb.append('/');
            if (segment.startsWith("{") && segment.endsWith("}")) {
                String value = variable.apply(previous + "/" + segment.substring(1, segment.length() - 1));
                sb.append(URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20"));
            } else {
                sb.append(segment);
            }
            previous = segment;
        }
        return sb.toString();
    }

    private static void append(StringBuilder query, String name, String value) {
        if (!query.isEmpty()) {
            query.append('&');
        }
        query.append(URLEncoder.encode(name, StandardCharsets.UTF_8)).append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }

    String oddName() {
        return switch (random.nextInt(6)) {
            case 0 -> "groupID";
            case 1 -> "";
            case 2 -> "\u00e9t\u00e9";
            case 3 -> "x".repeat(1 + random.nextInt(300));
            case 4 -> "a[b]";
            default -> "p" + random.nextInt(1000);
        };
    }

    /** Values for a query parameter: plausible, odd, or garbage. */
    String oddValue(List<String> plausible) {
        return switch (random.nextInt(8)) {
            case 0, 1, 2 -> plausible.get(random.nextInt(plausible.size()));
            case 3 -> Long.toString(random.nextLong());
            case 4 -> "0x" + new BigInteger(1 + random.nextInt(80), random).toString(16);
            case 5 -> "";
            case 6 -> "\uD83D\uDCA5\u0000'\"<>%";
            default -> BigInteger.TEN.pow(1 + random.nextInt(30)).toString();
        };
    }

    Answer send(String method, String uri, String contentType, String body) {
        HttpRequest.Builder b;
        try {
            b = HttpRequest.newBuilder(URI.create(base + uri)).timeout(Duration.ofSeconds(60));
        } catch (IllegalArgumentException e) {
            return null; // not a URI the client can send; nothing was asked
        }
        if (contentType != null && !contentType.isEmpty()) {
            b.header("Content-Type", contentType);
        }
        b.header("Accept", random.nextInt(20) == 0 ? "text/html" : "application/json, application/problem+json, text/event-stream");
        // mostly the admin, so that requests reach the handlers; sometimes no token or a broken one (401, never a 5xx)
        String authorization = switch (random.nextInt(40)) {
            case 0 -> null;
            case 1 -> "Bearer " + oddValue(List.of(Api.ADMIN_TOKEN));
            case 2 -> "Bearer eyJhbGciOiJub25lIn0." + oddValue(List.of("e30")) + ".";
            default -> "Bearer " + Api.ADMIN_TOKEN;
        };
        if (authorization != null) {
            try {
                b.header("Authorization", authorization);
            } catch (IllegalArgumentException e) {
                b.header("Authorization", "Bearer " + Api.ADMIN_TOKEN); // a value the client cannot send
            }
        }
        try {
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        } catch (IllegalArgumentException e) {
            return null; // a method name the client refuses (TRACE)
        }
        try {
            HttpResponse<InputStream> r = http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
            String type = r.headers().firstValue("Content-Type").orElse(null);
            String text;
            try (InputStream in = r.body()) {
                // a stream that opened never ends: its head is the answer
                text = type != null && type.startsWith("text/event-stream") ? "" : new String(in.readNBytes(1 << 20), StandardCharsets.UTF_8);
            }
            JsonNode json;
            try {
                json = text.isBlank() ? JSON.missingNode() : JSON.readTree(text);
            } catch (RuntimeException e) {
                json = JSON.missingNode();
            }
            return new Answer(r.statusCode(), type, json, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(method + " " + abbreviate(uri) + " " + b.build().headers().map()
                    + (body == null ? "" : " " + abbreviate(body)), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Why this answer breaks the contract, or {@code null}. */
    static String violation(String method, Answer a) {
        if (a.status() >= 500) {
            return "a server error";
        }
        if (a.status() >= 400 && !method.equals("HEAD")) {
            if (a.contentType() == null || !a.contentType().startsWith("application/problem+json")) {
                return "a refusal that is not application/problem+json";
            }
            if (a.body().path("code").asString("").isEmpty() || a.body().path("errno").asString("").isEmpty()) {
                return "a problem without code or errno";
            }
        }
        return null;
    }

    static String abbreviate(String s) {
        return s.length() <= 200 ? s : s.substring(0, 200) + "…";
    }
}
