package dev.sva.event;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;

/** An event as clients see it, in lists and in the stream. */
public record EventView(long seq, Instant time, String node, EventType type, Subject subject, Actor actor,
                        @JsonRawValue @Schema(types = "object", description = "what changed; BOND_REVOKED carries reason and driverData") String data) {

    public record Subject(String kind, String id) {
    }

    /** Who made the change: a token's subject with its role and tenant, or {@code system} (role and tenant null). */
    public record Actor(String subject,
                        @Schema(types = {"string", "null"}, description = "the role scope; null for system") String role,
                        @Schema(types = {"string", "null"}, description = "the tenant of a sva:tenant caller") String tenant) {
    }

    static EventView of(Event e, String node) {
        return new EventView(e.seq(), e.time(), node, e.type(), new Subject(e.subjectKind(), e.subjectId()),
                new Actor(e.actorSubject(), e.actorRole(), e.actorTenant()), e.data());
    }
}
