package dev.sva.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.Statement;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue #5 (ENGINE.md P1, P2, P5): a bind over HTTP against a raw JDBC insert+commit on the same
 * PostgreSQL (fsync on), one client, interleaved in one loop: REST bind, JDBC insert+commit, REST
 * no-op (GET /api/v1/policy), REST unbind. Medians and p90 are reported.
 *
 * <pre>SVA_BENCH_PG_URL=jdbc:postgresql://127.0.0.1:5432/test SVA_BENCH_PG_USER=postgres \
 *   java -cp target/classes:$(cat target/bench.classpath) dev.sva.bench.PersistenceBench [rounds]</pre>
 */
public final class PersistenceBench {

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        BenchPostgres pg = BenchPostgres.fromEnv();
        String url = pg.url(), user = pg.user(), password = pg.password();
        String schema = BenchPostgres.newSchemaName();
        JsonMapper json = JsonMapper.builder().build();
        try (Connection jdbc = DriverManager.getConnection(url, user, password)) {
            try (Statement s = jdbc.createStatement()) {
                // the raw table lives in a schema of its own: Flyway wants the service's schema empty
                s.execute("CREATE SCHEMA " + schema + "_raw");
                s.execute("CREATE TABLE " + schema + "_raw.raw_bond (id BIGSERIAL PRIMARY KEY, device_id BIGINT NOT NULL, "
                        + "address_space_id BIGINT NOT NULL, pasid INTEGER NOT NULL, created_at TIMESTAMP WITH TIME ZONE NOT NULL)");
                BenchPostgres.describe(jdbc);
            }
            String pgUrl = pg.urlWithSchema(schema);
            try (BenchServer server = new BenchServer("--spring.profiles.active=postgres", "--spring.datasource.url=" + pgUrl,
                    "--spring.datasource.username=" + user, "--spring.datasource.password=" + password,
                    "--spring.flyway.schemas=" + schema, "--spring.flyway.default-schema=" + schema)) {
                String dev = json.readTree(server.send("POST", "/api/v1/devices",
                        "{\"bdf\":\"0000:10:00.0\",\"pasidBits\":20}", 201)).path("id").asString();
                String proc = json.readTree(server.send("POST", "/api/v1/address-spaces", "{\"pid\":4242}", 201)).path("id").asString();
                String bindBody = "{\"addressSpaceId\":\"" + proc + "\",\"driverData\":\"bench\"}";
                PreparedStatement insert = jdbc.prepareStatement("INSERT INTO " + schema
                        + "_raw.raw_bond (device_id, address_space_id, pasid, created_at) VALUES (?, ?, ?, now())");
                jdbc.setAutoCommit(true);

                long[] bind = new long[rounds];
                long[] raw = new long[rounds];
                long[] noop = new long[rounds];
                long[] unbind = new long[rounds];
                for (int r = -rounds / 5; r < rounds; r++) { // a fifth to warm up, unrecorded
                    long t0 = System.nanoTime();
                    String bond = server.send("POST", "/api/v1/devices/" + dev + "/bonds", bindBody, 201);
                    long t1 = System.nanoTime();
                    insert.setLong(1, 1);
                    insert.setLong(2, 2);
                    insert.setInt(3, 1);
                    insert.executeUpdate();
                    long t2 = System.nanoTime();
                    server.send("GET", "/api/v1/policy", null, 200);
                    long t3 = System.nanoTime();
                    String bondId = json.readTree(bond).path("id").asString();
                    long t4 = System.nanoTime();
                    server.send("DELETE", "/api/v1/bonds/" + bondId, null, 204);
                    long t5 = System.nanoTime();
                    if (r >= 0) {
                        bind[r] = t1 - t0;
                        raw[r] = t2 - t1;
                        noop[r] = t3 - t2;
                        unbind[r] = t5 - t4;
                    }
                }
                double b50 = BenchServer.percentileMicros(bind, 50);
                double j50 = BenchServer.percentileMicros(raw, 50);
                double n50 = BenchServer.percentileMicros(noop, 50);
                double u50 = BenchServer.percentileMicros(unbind, 50);
                System.out.printf("cores=%d rounds=%d, one client, interleaved%n", Runtime.getRuntime().availableProcessors(), rounds);
                System.out.printf("REST bind            p50 %8.1f us  p90 %8.1f us%n", b50, BenchServer.percentileMicros(bind, 90));
                System.out.printf("raw JDBC insert+commit p50 %6.1f us  p90 %8.1f us%n", j50, BenchServer.percentileMicros(raw, 90));
                System.out.printf("REST no-op GET       p50 %8.1f us  p90 %8.1f us%n", n50, BenchServer.percentileMicros(noop, 90));
                System.out.printf("REST unbind          p50 %8.1f us  p90 %8.1f us%n", u50, BenchServer.percentileMicros(unbind, 90));
                System.out.printf("P1 bind/JDBC p50 = %.2f (target <= 2.0); p90 = %.2f%n", b50 / j50,
                        BenchServer.percentileMicros(bind, 90) / BenchServer.percentileMicros(raw, 90));
                System.out.printf("P2 (bind - no-op)/JDBC p50 = %.2f (target <= 1.2)%n", (b50 - n50) / j50);
                System.out.printf("P5 unbind/bind p50 = %.2f (expected ~1.0)%n", u50 / b50);
            }
        } finally {
            try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                s.execute("DROP SCHEMA IF EXISTS " + schema + "_raw CASCADE");
            }
        }
    }

}
