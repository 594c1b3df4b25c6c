package dev.sva.core;

import java.io.IOException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTransientConnectionException;

/**
 * Tells a lost database from every other failure by what the driver says, so that a request that
 * could not reach the database is answered {@code 503 DATABASE_UNAVAILABLE} rather than a 500 or a
 * {@code 503 BUSY}. A connection failure is recognised anywhere in the cause chain: SQLState class
 * {@code 08} (connection exception: refused, broken, reset), PostgreSQL's {@code 57P01}–{@code 57P03}
 * (the server is shutting down, crashed, or not yet accepting connections), the JDBC connection
 * exception types, or a socket-level {@link IOException} below them.
 */
public final class DatabaseFailures {

    private DatabaseFailures() {
    }

    /** Whether {@code e} or one of its causes says the database could not be reached or the link broke. */
    public static boolean isConnectionFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && lostLink(sql)) {
                return true;
            }
            if (t instanceof SQLNonTransientConnectionException || t instanceof SQLRecoverableException) {
                return true;
            }
            if (t instanceof IOException && t.getClass().getName().startsWith("java.net")) {
                return true;
            }
            if (t instanceof java.io.EOFException) {
                return true;
            }
        }
        return false;
    }

    private static boolean lostLink(SQLException sql) {
        String state = sql.getSQLState();
        if (state == null) {
            // a pool timeout with no connection failure behind it is an exhausted pool: the database is
            // there but every connection is in use (BUSY), which the cause chain then does not contradict
            return false;
        }
        return state.startsWith("08") || state.equals("57P01") || state.equals("57P02") || state.equals("57P03");
    }

    /** Whether {@code e} is the pool giving up waiting for a connection (busy or unreachable database). */
    public static boolean isPoolTimeout(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException) {
                return true;
            }
        }
        return false;
    }
}
