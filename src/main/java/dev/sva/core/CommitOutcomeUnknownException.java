package dev.sva.core;

import org.springframework.dao.TransientDataAccessResourceException;

/**
 * The link to the database broke while a transaction's commit was on its way: the database may have
 * committed it or not, and nobody here can tell. Answered {@code 503 DATABASE_UNAVAILABLE} with
 * {@code outcome: UNKNOWN}; the client retries, which every write of the API makes safe (README,
 * "Limits and failure answers").
 */
public class CommitOutcomeUnknownException extends TransientDataAccessResourceException {

    public CommitOutcomeUnknownException(Throwable cause) {
        super("the database connection broke during the commit; the outcome is unknown", cause);
    }
}
