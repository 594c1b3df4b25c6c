package dev.sva.core;

/**
 * This process's translation engine as a follower of the journal (docs/replicas.md): it applies each
 * node's records in position order, only from the database, and knows how far it got.
 */
public interface JournalFollower {

    /** The position of the node's last record this process's engine has applied (0: none). */
    long applied(long nodeId);

    /**
     * Applies the node's records up to at least {@code position}, reading them from the journal; returns
     * once they are applied. A node whose records were pruned past what it applied is reloaded from a
     * snapshot of its rows. Throws when the database cannot be read; the node then stays behind.
     */
    void catchUp(long nodeId, long position);
}
