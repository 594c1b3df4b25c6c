package dev.sva.support;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api.Response;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Assertions on RFC 9457 problem answers, and a JSON-object builder that allows {@code null} values
 * ({@code Map.of} does not), for tests that check the exact {@code code} and {@code errno} of a misuse.
 */
public final class ProblemAssert {

    private ProblemAssert() {
    }

    /**
     * Asserts a problem answer: status, exact {@code code} and {@code errno}, {@code application/problem+json},
     * and the members every problem carries ({@code type}, {@code title}, {@code status}, {@code detail}).
     */
    public static Response assertRefused(Response r, int status, String code, String errno) {
        assertThat(r.status()).as("%s", r).isEqualTo(status);
        assertThat(r.contentType()).as("%s", r).startsWith("application/problem+json");
        assertThat(r.code()).as("%s", r).isEqualTo(code);
        assertThat(r.str("errno")).as("%s", r).isEqualTo(errno);
        assertThat(r.str("type")).as("%s", r).isNotBlank();
        assertThat(r.str("title")).as("%s", r).isNotBlank();
        assertThat(r.str("detail")).as("%s", r).isNotBlank();
        assertThat(r.body().path("status").asInt()).as("%s", r).isEqualTo(status);
        if (status == 400) {
            assertThat(r.str("field")).as("a 400 names the field: %s", r).isNotBlank();
        }
        return r;
    }

    /** {@code 400 VALIDATION_FAILED} ({@code EINVAL}) naming {@code field}. */
    public static Response assertInvalid(Response r, String field) {
        return assertInvalid(r, field, "EINVAL");
    }

    /** {@code 400 VALIDATION_FAILED} with {@code errno} naming {@code field}. */
    public static Response assertInvalid(Response r, String field, String errno) {
        assertRefused(r, 400, "VALIDATION_FAILED", errno);
        assertThat(r.str("field")).as("%s", r).isEqualTo(field);
        return r;
    }

    /** {@code 404 NOT_FOUND} ({@code ENOENT}). */
    public static Response assertNotFound(Response r) {
        return assertRefused(r, 404, "NOT_FOUND", "ENOENT");
    }

    /** A JSON object from alternating keys and values, in order; values may be {@code null}. */
    public static Map<String, Object> obj(Object... keysAndValues) {
        if (keysAndValues.length % 2 != 0) {
            throw new IllegalArgumentException("keys and values must pair up");
        }
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keysAndValues.length; i += 2) {
            m.put((String) keysAndValues[i], keysAndValues[i + 1]);
        }
        return m;
    }
}
