package dev.sva.core;

/**
 * Asked before a DMA of a node is translated: whether this process may answer it now, that is whether
 * its engine provably holds every change acknowledged so far. Throws a {@link ProblemException} (a
 * {@code 503} with {@code Retry-After}) when it may not: the answer would come from a stale view.
 */
public interface DmaAdmission {

    void admit(long nodeId);
}
