package dev.sva.event;

import com.fasterxml.jackson.annotation.JsonRawValue;
import io.swagger.v3.oas.annotations.media.Schema;
import java.time.Instant;

/** An event as clients see it, in lists and in the stream. */
public record EventView(long seq, Instant time, String node, EventType type, Subject subject,
                        @JsonRawValue @Schema(types = "object", description = "what changed; BOND_REVOKED carries reason and driverData") String data) {

    public record Subject(String kind, String id) {
    }

    static EventView of(Event e, String node) {
        return new EventView(e.seq(), e.time(), node, e.type(), new Subject(e.subjectKind(), e.subjectId()), e.data());
    }
}
