package dev.sva.core;

/**
 * Told when a transaction's commit has an unknown outcome ({@link CommitOutcomeUnknownException}): in
 * the committing thread, while the transaction's resources are still bound and before any of its
 * completion callbacks ran. The translation engine's feed implements it: it cannot tell whether the
 * change it would have been fed exists, so it reloads the node from the database before relying on it.
 */
public interface CommitOutcomeObserver {

    void outcomeUnknown();
}
