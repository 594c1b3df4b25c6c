package dev.sva.core;

/**
 * Told of every journal record this process appends (docs/replicas.md): the engine commands of one
 * transaction on one node, at the node's next journal position. Spring beans implementing it are
 * called in their {@code @Order}: the local translation engine's feed first, then the replica set.
 */
public interface JournalCommitHook {

    /**
     * Inside the transaction, once the record is written and before the commit: work that must commit
     * or roll back with it (a PostgreSQL {@code NOTIFY}, delivered at commit and only if it commits).
     */
    default void beforeCommit(long nodeId, long position) {
    }

    /**
     * After the commit, on the committing thread, inside the node's gate and before the HTTP call that
     * made the change returns: the local engine applies the record, then every live replica confirms it.
     */
    default void afterCommit(long nodeId, long position) {
    }
}
