package dev.sva.core;

import java.util.List;

/**
 * Rows of a list read together with the node's event {@code seq} at the moment of the read: the rows
 * show every change up to {@code seq} and none after it, so a client that watches
 * {@code GET /events/stream?after=seq} next sees every later change exactly once. {@code seq} is
 * {@code null} for a list that belongs to no single node (the node list).
 */
public record Listed<E>(List<E> rows, Long seq) {

    /** Rows that no node's event stream follows. */
    public static <E> Listed<E> unpositioned(List<E> rows) {
        return new Listed<>(rows, null);
    }
}
