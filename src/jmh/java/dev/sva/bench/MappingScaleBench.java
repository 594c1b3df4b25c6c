package dev.sva.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 8, item 11: does a map cost more in a fuller container? One client maps 4 KiB at ascending,
 * non-touching IOVAs into one container over HTTP ({@code POST /containers/{id}/mappings}, each its
 * own committed transaction) and times a window of maps when the container holds 1,000 mappings and
 * again when it holds 60,000 — the same run, the same server, side by side. Ascending IOVAs are the
 * worst case for an overlap check that walks earlier mappings (every one of them starts below the
 * new range). On H2 (a file database, as the default configuration) and, with {@code pg}, on
 * PostgreSQL.
 *
 * <pre>java -cp target/classes:$(cat target/bench.classpath) dev.sva.bench.MappingScaleBench [window] [h2|pg|both] [high, default 60000]
 * SVA_BENCH_PG_URL=jdbc:postgresql://127.0.0.1:5432/test SVA_BENCH_PG_USER=postgres (for pg)</pre>
 */
public final class MappingScaleBench {

    private static final int LOW = 1_000;
    private static int high = 60_000;

    public static void main(String[] args) throws Exception {
        int window = args.length > 0 ? Integer.parseInt(args[0]) : 1_000;
        String which = args.length > 1 ? args[1] : "h2";
        high = args.length > 2 ? Integer.parseInt(args[2]) : high;
        System.out.printf("cores=%d, one client, window=%d maps, 4 KiB each at ascending IOVAs%n",
                Runtime.getRuntime().availableProcessors(), window);
        if (which.equals("h2") || which.equals("both")) {
            Path dir = Files.createTempDirectory("sva-bench-h2");
            try (BenchServer server = new BenchServer("--spring.datasource.url=jdbc:h2:file:" + dir.resolve("sva")
                    + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000")) {
                run("H2 (file, WRITE_DELAY=0)", server, window);
            }
        }
        if (which.equals("pg") || which.equals("both")) {
            BenchPostgres pg = BenchPostgres.fromEnv();
            String url = pg.url(), user = pg.user(), password = pg.password();
            String schema = BenchPostgres.newSchemaName();
            try {
                String pgUrl = pg.urlWithSchema(schema);
                try (BenchServer server = new BenchServer("--spring.profiles.active=postgres", "--spring.datasource.url=" + pgUrl,
                        "--spring.datasource.username=" + user, "--spring.datasource.password=" + password,
                        "--spring.flyway.schemas=" + schema, "--spring.flyway.default-schema=" + schema)) {
                    run("PostgreSQL (fsync on)", server, window);
                }
            } finally {
                try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
                    s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                }
            }
        }
    }

    private static void run(String database, BenchServer server, int window) throws Exception {
        JsonMapper json = JsonMapper.builder().build();
        String ctr = json.readTree(server.send("POST", "/api/v1/containers", "{}", 201)).path("id").asString();
        String path = "/api/v1/containers/" + ctr + "/mappings";
        long[] next = {0};
        long fillStart = System.nanoTime();
        fill(server, path, next, LOW);
        long[] atLow = measure(server, path, next, window);
        fill(server, path, next, high);
        long fillSeconds = (System.nanoTime() - fillStart) / 1_000_000_000L;
        long[] atHigh = measure(server, path, next, window);
        long count = json.readTree(server.send("GET", "/api/v1/containers/" + ctr, null, 200)).path("mappingCount").asLong();
        if (count != next[0]) {
            throw new IllegalStateException("container holds " + count + " mappings, " + next[0] + " were made");
        }
        double lowRate = rate(atLow);
        double highRate = rate(atHigh);
        System.out.printf("%s: %d mappings made in %d s%n", database, count, fillSeconds);
        System.out.printf("  at %,6d mappings: %7.1f maps/s  p50 %7.1f us  p90 %7.1f us%n", LOW, lowRate,
                BenchServer.percentileMicros(atLow, 50), BenchServer.percentileMicros(atLow, 90));
        System.out.printf("  at %,6d mappings: %7.1f maps/s  p50 %7.1f us  p90 %7.1f us%n", high, highRate,
                BenchServer.percentileMicros(atHigh, 50), BenchServer.percentileMicros(atHigh, 90));
        System.out.printf("  ratio (%,d / %,d): %.2f%n", high, LOW, highRate / lowRate);
    }

    /** Maps until the container holds {@code target} mappings. */
    private static void fill(BenchServer server, String path, long[] next, int target) throws Exception {
        while (next[0] < target) {
            map(server, path, next);
        }
    }

    /** Times {@code window} maps one by one; answers each one's nanoseconds. */
    private static long[] measure(BenchServer server, String path, long[] next, int window) throws Exception {
        List<Long> samples = new ArrayList<>(window);
        for (int i = 0; i < window; i++) {
            long t0 = System.nanoTime();
            map(server, path, next);
            samples.add(System.nanoTime() - t0);
        }
        return samples.stream().mapToLong(Long::longValue).toArray();
    }

    private static void map(BenchServer server, String path, long[] next) throws Exception {
        long iova = 0x100000L + next[0] * 0x2000L; // 4 KiB mapped, 4 KiB hole: no two mappings touch
        server.send("POST", path, "{\"iova\":\"0x" + Long.toHexString(iova) + "\",\"size\":4096,\"physicalAddress\":\"0x"
                + Long.toHexString(0x40000000L + next[0] * 0x1000L) + "\",\"read\":true,\"write\":true}", 201);
        next[0]++;
    }

    private static double rate(long[] nanos) {
        long total = 0;
        for (long n : nanos) {
            total += n;
        }
        return nanos.length / (total / 1e9);
    }

}
