package dev.sva.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * The PostgreSQL server a benchmark runs on: {@code SVA_BENCH_PG_URL}, {@code SVA_BENCH_PG_USER} and
 * {@code SVA_BENCH_PG_PASSWORD} (defaults: the local server's {@code test} database as {@code postgres}), a fresh
 * schema name per run, and the settings a result depends on.
 */
record BenchPostgres(String url, String user, String password) {

    static BenchPostgres fromEnv() {
        return new BenchPostgres(env("SVA_BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test"),
                env("SVA_BENCH_PG_USER", "postgres"), env("SVA_BENCH_PG_PASSWORD", ""));
    }

    /** A schema name no other run uses; the benchmark creates it (Flyway does) and drops it. */
    static String newSchemaName() {
        return "sva_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    }

    /** The URL with {@code schema} as the connection's current schema. */
    String urlWithSchema(String schema) {
        return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** Prints the server's durability settings and version, which every result depends on. */
    static void describe(Connection jdbc) throws SQLException {
        try (Statement s = jdbc.createStatement();
             ResultSet rs = s.executeQuery("SELECT current_setting('fsync'), current_setting('synchronous_commit'), version()")) {
            rs.next();
            System.out.printf("PostgreSQL: fsync=%s synchronous_commit=%s %s%n", rs.getString(1), rs.getString(2), rs.getString(3));
        }
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }
}
