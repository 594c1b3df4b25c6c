package dev.sva.bench;

import dev.sva.core.Ids;
import dev.sva.core.JournalFollower;
import dev.sva.core.StateChange;
import dev.sva.core.StateChangeCodec;
import dev.sva.translation.engine.TranslationEngine;
import java.io.StringReader;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 12: how long a follower (a restarted or lagging replica) takes to catch up on 1,000,000 journal records on the
 * real PostgreSQL, side by side with applying the same commands directly to an engine, so the share of reading and
 * decoding against applying is visible. Per round, on a fresh node with one device whose group is attached to a
 * container: the records are inserted in bulk (COPY) behind the node's journal position — the first half maps one page
 * each (so the container holds up to 500,000 mappings), the second half unmaps them in the same order — then:
 * <ul>
 *   <li>A: the service's own follower ({@code JournalFollower.catchUp}) reads, decodes and applies them;</li>
 *   <li>B: the same commands, already decoded in memory, applied to a fresh engine;</li>
 *   <li>R: the same rows only read over JDBC (no decoding), and D: only decoded from their text in memory.</li>
 * </ul>
 *
 * <pre>SVA_BENCH_PG_URL=jdbc:postgresql://127.0.0.1:5432/test SVA_BENCH_PG_USER=postgres \
 *   java -Xmx3g -cp target/classes:$(cat target/bench.classpath) dev.sva.bench.JournalCatchUpBench [records] [rounds]</pre>
 */
public final class JournalCatchUpBench {

    public static void main(String[] args) throws Exception {
        int records = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        BenchPostgres pg = BenchPostgres.fromEnv();
        String url = pg.url(), user = pg.user(), password = pg.password();
        String schema = BenchPostgres.newSchemaName();
        JsonMapper json = JsonMapper.builder().build();
        try (Connection jdbc = DriverManager.getConnection(url, user, password)) {
            try (Statement s = jdbc.createStatement()) {
                BenchPostgres.describe(jdbc);
            }
            String pgUrl = pg.urlWithSchema(schema);
            try (BenchServer server = new BenchServer("--spring.profiles.active=postgres", "--spring.datasource.url=" + pgUrl,
                    "--spring.datasource.username=" + user, "--spring.datasource.password=" + password,
                    "--spring.flyway.schemas=" + schema, "--spring.flyway.default-schema=" + schema,
                    "--sva.journal.prune-every=PT1H")) {
                JournalFollower follower = server.app.getBean(JournalFollower.class);
                System.out.printf("cores=%d records=%,d rounds=%d%n", Runtime.getRuntime().availableProcessors(), records, rounds);
                for (int round = 1; round <= rounds; round++) {
                    String node = "catch-up-" + round;
                    server.send("POST", "/api/v1/nodes", "{\"name\":\"" + node + "\"}", 201);
                    String dev = json.readTree(server.send("POST", "/api/v1/devices",
                            "{\"node\":\"" + node + "\",\"bdf\":\"0000:10:00.0\",\"pasidBits\":20}", 201)).path("id").asString();
                    String group = json.readTree(server.send("GET", "/api/v1/devices/" + dev, null, 200)).path("groupId").asString();
                    String ctr = json.readTree(server.send("POST", "/api/v1/containers", "{\"node\":\"" + node + "\"}", 201))
                            .path("id").asString();
                    server.send("PUT", "/api/v1/containers/" + ctr + "/groups/" + group, null, 201);
                    long nodeId;
                    long from;
                    try (PreparedStatement q = jdbc.prepareStatement("select id, journal_position from " + schema + ".node where name = ?")) {
                        q.setString(1, node);
                        ResultSet rs = q.executeQuery();
                        rs.next();
                        nodeId = rs.getLong(1);
                        from = rs.getLong(2);
                    }
                    long container = Ids.CONTAINER.parse(ctr);
                    List<String> texts = new ArrayList<>(records);
                    List<StateChange> commands = new ArrayList<>(records);
                    int half = records / 2;
                    for (int i = 0; i < records; i++) {
                        long page = 0x100000L + (long) (i < half ? i : i - half) * 4096;
                        StateChange c = i < half ? new StateChange.Mapped(container, page, 4096, 0x4000_0000_0000L + page, true, i % 2 == 0)
                                : new StateChange.Unmapped(container, page, 4096);
                        commands.add(c);
                        texts.add(StateChangeCodec.encode(List.of(c)));
                    }
                    long t0 = System.nanoTime();
                    copy(jdbc, schema, nodeId, from, texts);
                    long insert = System.nanoTime() - t0;

                    long t1 = System.nanoTime();
                    follower.catchUp(nodeId, from + records);
                    long catchUp = System.nanoTime() - t1;
                    if (follower.applied(nodeId) != from + records) {
                        throw new IllegalStateException("follower at " + follower.applied(nodeId) + ", not " + (from + records));
                    }

                    TranslationEngine engine = new TranslationEngine(16384, 1024);
                    engine.putNode(nodeId, 20, 48, 48);
                    long device = Ids.DEVICE.parse(dev);
                    engine.putDevice(nodeId, device, Ids.GROUP.parse(group), 20, false, new int[0], new long[0], new long[0]);
                    engine.attachGroup(Ids.GROUP.parse(group), container);
                    long t2 = System.nanoTime();
                    for (StateChange c : commands) {
                        if (c instanceof StateChange.Mapped m) {
                            engine.map(m.containerId(), m.iova(), m.size(), m.physicalAddress(), m.read(), m.write());
                        } else if (c instanceof StateChange.Unmapped u) {
                            engine.unmap(u.containerId(), u.iova(), u.size());
                        }
                    }
                    long direct = System.nanoTime() - t2;

                    long t3 = System.nanoTime();
                    long chars = 0;
                    try (PreparedStatement q = jdbc.prepareStatement("select position, changes from " + schema
                            + ".journal where node_id = ? and position > ? order by position")) {
                        jdbc.setAutoCommit(false); // a cursor: rows fetched 5,000 at a time, as the follower reads them
                        q.setFetchSize(5_000);
                        q.setLong(1, nodeId);
                        q.setLong(2, from);
                        ResultSet rs = q.executeQuery();
                        while (rs.next()) {
                            chars += rs.getString(2).length() + rs.getLong(1) % 2;
                        }
                        jdbc.commit();
                        jdbc.setAutoCommit(true);
                    }
                    long readOnly = System.nanoTime() - t3;

                    long t4 = System.nanoTime();
                    long decoded = 0;
                    for (String text : texts) {
                        decoded += StateChangeCodec.decode(text).size();
                    }
                    long decodeOnly = System.nanoTime() - t4;

                    System.out.printf("round %d: bulk insert (COPY) %,d ms; %,d chars, %,d commands%n", round, insert / 1_000_000,
                            chars, decoded);
                    System.out.printf("  A follower catch-up (read + decode + apply) %,8d ms  %6.2f us/record%n", catchUp / 1_000_000,
                            catchUp / 1000.0 / records);
                    System.out.printf("  B direct apply to an engine              %,8d ms  %6.2f us/record%n", direct / 1_000_000,
                            direct / 1000.0 / records);
                    System.out.printf("  R read only (JDBC, same rows)             %,8d ms  %6.2f us/record%n", readOnly / 1_000_000,
                            readOnly / 1000.0 / records);
                    System.out.printf("  D decode only (in memory)                 %,8d ms  %6.2f us/record%n", decodeOnly / 1_000_000,
                            decodeOnly / 1000.0 / records);
                    System.out.printf("  A/B = %.2f   (A - B) / A = %.0f %% reading and decoding%n", (double) catchUp / direct,
                            100.0 * (catchUp - direct) / catchUp);
                }
            }
        } finally {
            try (Connection c = DriverManager.getConnection(url, user, password); Statement s = c.createStatement()) {
                s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
            }
        }
    }

    /** Appends the records behind the node's position with COPY, and moves the position to the last. */
    private static void copy(Connection jdbc, String schema, long nodeId, long from, List<String> texts) throws Exception {
        StringBuilder rows = new StringBuilder(texts.size() * 96);
        for (int i = 0; i < texts.size(); i++) {
            rows.append(nodeId).append('\t').append(from + 1 + i).append("\t2026-01-01 00:00:00+00\t").append(texts.get(i)).append('\n');
        }
        // pgjdbc's CopyManager, by reflection: the driver is a runtime dependency, not on the compile classpath
        Class<?> pg = Class.forName("org.postgresql.PGConnection");
        Object copy = pg.getMethod("getCopyAPI").invoke(jdbc.unwrap(pg));
        copy.getClass().getMethod("copyIn", String.class, java.io.Reader.class).invoke(copy, "COPY " + schema
                + ".journal (node_id, position, committed_at, changes) FROM STDIN", new StringReader(rows.toString()));
        try (PreparedStatement u = jdbc.prepareStatement("update " + schema + ".node set journal_position = ? where id = ?")) {
            u.setLong(1, from + texts.size());
            u.setLong(2, nodeId);
            u.executeUpdate();
        }
    }

}
