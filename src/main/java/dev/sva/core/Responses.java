package dev.sva.core;

import java.net.URI;
import org.springframework.http.ResponseEntity;

/** The answers of an idempotent create, written once (see {@link CreatedResponse}). */
public final class Responses {

    private Responses() {
    }

    /** {@code 201} naming {@code location} when the call made {@code body}; {@code 200} when it was already there. */
    public static <T> ResponseEntity<T> createdOrExisting(boolean created, String location, T body) {
        return created ? ResponseEntity.created(URI.create(location)).body(body) : ResponseEntity.ok(body);
    }
}
