package dev.sva.core;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Creation times as the database keeps them. H2 and PostgreSQL store microseconds, so an instant taken
 * with nanoseconds would answer one {@code createdAt} on create and another on every later read.
 */
public final class Timestamps {

    private Timestamps() {
    }

    /** Now, truncated to the microseconds a {@code TIMESTAMP WITH TIME ZONE} column holds. */
    public static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MICROS);
    }
}
