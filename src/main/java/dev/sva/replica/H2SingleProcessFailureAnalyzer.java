package dev.sva.replica;

import java.sql.SQLException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * A second process started on the H2 files of a running one: H2's file lock refuses it ({@code 90020},
 * "Database may be already in use"), deep in a chain of bean creation errors. This says what it means:
 * the embedded database serves one process; several replicas need PostgreSQL (REPLICAS.md, guarantee 6).
 */
class H2SingleProcessFailureAnalyzer extends AbstractFailureAnalyzer<SQLException> {

    /** H2's {@code ErrorCode.DATABASE_ALREADY_OPEN_1}. */
    static final int DATABASE_ALREADY_OPEN = 90020;

    static final String DESCRIPTION = "The embedded H2 database serves one process, and another process already "
            + "holds its files";

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, SQLException cause) {
        SQLException h2 = alreadyOpen(rootFailure);
        if (h2 == null) {
            return null;
        }
        return new FailureAnalysis(DESCRIPTION + " (H2: " + firstLine(h2.getMessage()) + ").",
                "Stop the other process, or run several replicas on PostgreSQL (SPRING_PROFILES_ACTIVE=postgres, "
                        + "README \"Several replicas\"); a second process on the same H2 files cannot follow the first's "
                        + "changes.", h2);
    }

    private static SQLException alreadyOpen(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SQLException sql && sql.getErrorCode() == DATABASE_ALREADY_OPEN
                    && sql.getClass().getName().startsWith("org.h2.")) {
                return sql;
            }
        }
        return null;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
