package dev.sva.core;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.core.MethodParameter;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.HandlerInterceptor;

/**
 * Refuses a query parameter that the handler does not read, with {@code 400 VALIDATION_FAILED}
 * naming it: {@code GET /devices?groupID=grp-1} (a typo of {@code groupId}) listed every device of
 * the node, an answer to a question nobody asked. The names a handler reads are its
 * {@link RequestParam}s, found once per handler method; a handler that takes a {@code Map} of
 * parameters reads any name. Only the API's own handlers are checked (not actuator or springdoc),
 * and only the query string: a body is never a source of parameters here.
 */
@Component
class KnownParameters implements HandlerInterceptor {

    /** The parameter names each handler method reads; {@code "*"}: any. */
    private final Map<java.lang.reflect.Method, Set<String>> known = new ConcurrentHashMap<>();

    @Override
    public boolean preHandle(HttpServletRequest request, HttpServletResponse response, Object handler) {
        if (request.getDispatcherType() != DispatcherType.REQUEST || request.getQueryString() == null
                || !(handler instanceof HandlerMethod method)
                || !method.getBeanType().getPackageName().startsWith("dev.sva")
                || org.springframework.boot.webmvc.error.ErrorController.class.isAssignableFrom(method.getBeanType())) {
            return true;
        }
        Set<String> names = known.computeIfAbsent(method.getMethod(), m -> namesOf(method));
        if (names.contains("*")) {
            return true;
        }
        Set<String> unknown = new java.util.LinkedHashSet<>();
        for (String pair : request.getQueryString().split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String name = decode(eq < 0 ? pair : pair.substring(0, eq));
            if (!names.contains(name)) {
                unknown.add(name);
            }
        }
        if (!unknown.isEmpty()) {
            String first = unknown.iterator().next();
            throw Problems.invalid(first, names.isEmpty() ? "is not a parameter of this resource, which takes none"
                    : "is not a parameter of this resource; it takes " + new TreeSet<>(names)).with("unknown", unknown);
        }
        return true;
    }

    private static Set<String> namesOf(HandlerMethod method) {
        Set<String> names = new TreeSet<>();
        for (MethodParameter p : method.getMethodParameters()) {
            RequestParam rp = p.getParameterAnnotation(RequestParam.class);
            if (rp == null) {
                continue;
            }
            if (Map.class.isAssignableFrom(p.getParameterType())) {
                return Set.of("*");
            }
            String name = !rp.name().isEmpty() ? rp.name() : p.getParameterName();
            if (name != null) {
                names.add(name);
            }
        }
        return Set.copyOf(names);
    }

    private static String decode(String raw) {
        try {
            return URLDecoder.decode(raw, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw Problems.invalid("query", "is not valid percent-encoded UTF-8");
        }
    }
}
