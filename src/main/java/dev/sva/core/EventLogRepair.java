package dev.sva.core;

/**
 * Brings every node's stored event counter back to its newest event, so that a node found with a
 * counter behind its log (a collision on an event's seq) takes changes again. Implemented by the
 * event feature; called by {@link ProblemHandler} when the database reports such a collision.
 */
public interface EventLogRepair {

    /** Heals every node whose counter is behind; answers how many were. */
    int repair();
}
