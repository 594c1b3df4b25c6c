package dev.sva.bench;

import dev.sva.support.Api;
import dev.sva.support.PrivatePostgres;
import dev.sva.support.ReplicaCluster;
import dev.sva.support.ReplicaCluster.Replica;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issue 12, "Done when": three replicas against a lone one, side by side in ONE run, on the same PostgreSQL
 * server, each cluster on a fresh database of its own ({@link ReplicaCluster}: separate JVM processes, same flags).
 * Both clusters run for the whole benchmark, so the idle side's JVMs (heartbeats, lease renewals) weigh on the
 * measured side alike in both directions.
 *
 * <ol>
 *   <li><b>Write latency</b>: per round and side, one client times bind ({@code POST /devices/{id}/bonds}),
 *       unbind ({@code DELETE /bonds/{id}}), map ({@code POST /containers/{id}/mappings}, 4 KiB) and unmap
 *       ({@code DELETE /containers/{id}/mappings?iova=…&size=0x1000}) on one node. The trio's writes go to its
 *       replicas in turn, so each waits for the other two's acknowledgements; the lone replica is a replica set
 *       of one (same code path, nobody to wait for). Rounds alternate lone, trio, trio, lone, … so that the
 *       machine's noise hits both. Target: trio p50 ≤ 1.5 × lone p50.</li>
 *   <li><b>DMA batch throughput</b>: per round and side, {@code batches} back-to-back {@code POST /dma/batch}
 *       of 1,024 translating requests on one keep-alive connection; items/s per round. The trio's batches all
 *       go to replica 0 while replicas 1 and 2 stay idle but live (their leases held). Target: trio ≥ 0.9 ×
 *       lone (median of the rounds).</li>
 * </ol>
 *
 * <p>A main program, not a test (no {@code *Test} name, no assertion on time): see BENCHMARKS.md, "Several
 * replicas against one". The HTTP client is the blocking one-connection client of {@code src/jmh}'s
 * {@code BlockingHttp} (copied here: the jmh sources are not on the test class path, and the JDK's
 * {@code HttpClient} costs 0.3–0.6 ms per request on two cores).
 *
 * <pre>
 * ./mvnw -B -o -q test-compile dependency:build-classpath -Dmdep.outputFile=target/test.classpath -Dmdep.includeScope=test
 * SVA_BENCH_PG_URL=jdbc:postgresql://127.0.0.1:5432/test SVA_BENCH_PG_USER=postgres \
 *   java -cp target/test-classes:target/classes:$(cat target/test.classpath) dev.sva.bench.ReplicaBench [writeRounds] [dmaRounds] [batches] [private]
 * </pre>
 * With {@code private} the clusters' databases live on a PostgreSQL of the benchmark's own ({@link PrivatePostgres},
 * fsync off) instead of the server of {@code SVA_BENCH_PG_URL}.
 */
public final class ReplicaBench {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Every replica, on both sides, with the server's default compilers (the tests' replicas stop at C1). */
    private static final String[] JVM = {"-XX:+UseSerialGC"};
    private static final int ITEMS = 1024;
    private static final long DMA_IOVA = 0x1_0000_0000L;

    /** One cluster's objects and clients. */
    private static final class Side {
        final String name;
        final ReplicaCluster cluster;
        final List<Http> clients = new ArrayList<>();
        String device;
        String addressSpace;
        String container;
        String dmaBody;
        int next;
        final long[] bind;
        final long[] unbind;
        final long[] map;
        final long[] unmap;
        final double[] itemsPerSecond;

        Side(String name, ReplicaCluster cluster, int writeRounds, int dmaRounds) {
            this.name = name;
            this.cluster = cluster;
            for (Replica r : cluster.replicas()) {
                clients.add(new Http("127.0.0.1", r.port(), Api.ADMIN_TOKEN));
            }
            bind = new long[writeRounds];
            unbind = new long[writeRounds];
            map = new long[writeRounds];
            unmap = new long[writeRounds];
            itemsPerSecond = new double[dmaRounds];
        }

        /** The next replica's client, in turn. */
        Http writer() {
            Http h = clients.get(next);
            next = (next + 1) % clients.size();
            return h;
        }
    }

    public static void main(String[] args) throws Exception {
        int writeRounds = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        int dmaRounds = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        int batches = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        boolean ownServer = args.length > 3 && args[3].equals("private");
        Path dir = Files.createTempDirectory("sva-replica-bench-");
        PrivatePostgres pg = null;
        ReplicaCluster.Server server;
        if (ownServer) {
            pg = PrivatePostgres.startIfPresent(dir);
            if (pg == null) {
                throw new IllegalStateException("no PostgreSQL server binaries for a private server");
            }
            server = pg.server();
        } else {
            String url = env("SVA_BENCH_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("^jdbc:postgresql://([^/:?]+)(?::(\\d+))?/([^?]+)")
                    .matcher(url);
            if (!m.find()) {
                throw new IllegalArgumentException("cannot read host, port and database of " + url);
            }
            server = new ReplicaCluster.Server(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)),
                    env("SVA_BENCH_PG_USER", "postgres"), env("SVA_BENCH_PG_PASSWORD", ""), m.group(3));
        }
        System.out.printf("load average at start: %s%n", loadAverage());
        long started = System.nanoTime();
        try (ReplicaCluster lone = ReplicaCluster.on(server, Files.createDirectories(dir.resolve("lone"))).replicas(1).jvmFlags(JVM)
                .start(Duration.ofMinutes(3));
             ReplicaCluster trio = ReplicaCluster.on(server, Files.createDirectories(dir.resolve("trio"))).replicas(3).jvmFlags(JVM)
                .start(Duration.ofMinutes(3))) {
            System.out.printf("clusters ready in %.1f s; %s%n", (System.nanoTime() - started) / 1e9, serverSettings(lone));
            Side a = new Side("lone", lone, writeRounds, dmaRounds);
            Side b = new Side("trio", trio, writeRounds, dmaRounds);
            setUp(a);
            setUp(b);
            System.out.printf("trio: %d live leases (ready) in its replica table; lone: %d%n", liveLeases(trio), liveLeases(lone));

            long t0 = System.nanoTime();
            for (int r = -writeRounds / 5; r < writeRounds; r++) { // a fifth warms up, unrecorded
                boolean loneFirst = (r & 1) == 0;
                writeRound(loneFirst ? a : b, r);
                writeRound(loneFirst ? b : a, r);
            }
            System.out.printf("write phase: %d rounds (+%d warm-up) in %.1f s, load average %s%n", writeRounds,
                    writeRounds / 5, (System.nanoTime() - t0) / 1e9, loadAverage());

            t0 = System.nanoTime();
            for (int r = -dmaRounds / 4; r < dmaRounds; r++) { // a quarter warms up, unrecorded
                boolean loneFirst = (r & 1) == 0;
                dmaRound(loneFirst ? a : b, r, batches);
                dmaRound(loneFirst ? b : a, r, batches);
            }
            System.out.printf("DMA phase: %d rounds (+%d warm-up) of %d batches of %d in %.1f s, load average %s%n",
                    dmaRounds, dmaRounds / 4, batches, ITEMS, (System.nanoTime() - t0) / 1e9, loadAverage());
            System.out.printf("trio: %d live leases (ready) at the end; lone: %d%n", liveLeases(trio), liveLeases(lone));

            report(a, b, writeRounds, dmaRounds, batches);
            for (Side s : List.of(a, b)) {
                s.clients.forEach(Http::close);
            }
        } finally {
            if (pg != null) {
                pg.close();
            }
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) { // the replicas' logs and signing key
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
            System.out.printf("load average at the end: %s; whole run %.1f s%n", loadAverage(), (System.nanoTime() - started) / 1e9);
        }
    }

    /** A node with a device (bind/unbind), its address space, a device + container (map/unmap) and a DMA device. */
    private static void setUp(Side s) throws IOException {
        Http h = s.clients.get(0);
        String node = "bench-" + s.name;
        h.expect("POST", "/api/v1/nodes", "{\"name\":\"" + node + "\"}", 201);
        s.device = id(h.expect("POST", "/api/v1/devices", "{\"node\":\"" + node
                + "\",\"bdf\":\"0000:10:00.0\",\"driver\":\"vfio-pci\",\"pasidBits\":20}", 201));
        s.addressSpace = id(h.expect("POST", "/api/v1/address-spaces", "{\"node\":\"" + node + "\",\"pid\":4242}", 201));
        // map/unmap and DMA: a second device whose group is attached to a container
        String dmaDevice = h.expect("POST", "/api/v1/devices", "{\"node\":\"" + node
                + "\",\"bdf\":\"0000:11:00.0\",\"driver\":\"vfio-pci\",\"pasidBits\":20}", 201);
        String group = JSON.readTree(dmaDevice).path("groupId").asString();
        s.container = id(h.expect("POST", "/api/v1/containers", "{\"node\":\"" + node + "\"}", 201));
        h.expect("PUT", "/api/v1/containers/" + s.container + "/groups/" + group, null, 201);
        h.expect("POST", "/api/v1/containers/" + s.container + "/mappings", "{\"iova\":\"0x" + Long.toHexString(DMA_IOVA)
                + "\",\"size\":" + (ITEMS * 4096L) + ",\"physicalAddress\":\"0x200000000\",\"read\":true,\"write\":true}", 201);
        List<Map<String, Object>> requests = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            requests.add(Map.of("deviceId", id(dmaDevice), "address", "0x" + Long.toHexString(DMA_IOVA + i * 4096L + 64),
                    "size", 64, "access", i % 2 == 0 ? "READ" : "WRITE"));
        }
        s.dmaBody = JSON.writeValueAsString(Map.of("requests", requests));
        // every replica must translate the batch (they follow the journal) before anything is timed
        for (Http c : s.clients) {
            String answer = c.expect("POST", "/api/v1/dma/batch", s.dmaBody, 200);
            if (!answer.contains("TRANSLATED") || answer.contains("FAULT")) {
                throw new IllegalStateException(s.name + ": the batch does not translate: " + answer.substring(0, 300));
            }
        }
    }

    private static void writeRound(Side s, int r) throws IOException {
        Http h = s.writer();
        long t0 = System.nanoTime();
        String bond = h.expect("POST", "/api/v1/devices/" + s.device + "/bonds",
                "{\"addressSpaceId\":\"" + s.addressSpace + "\"}", 201);
        long t1 = System.nanoTime();
        String bondId = id(bond);
        h = s.writer();
        long t2 = System.nanoTime();
        h.expect("DELETE", "/api/v1/bonds/" + bondId, null, 204);
        long t3 = System.nanoTime();
        h = s.writer();
        long t4 = System.nanoTime();
        h.expect("POST", "/api/v1/containers/" + s.container + "/mappings",
                "{\"iova\":\"0x100000\",\"size\":\"0x1000\",\"physicalAddress\":\"0x300000000\",\"read\":true,\"write\":true}", 201);
        long t5 = System.nanoTime();
        h = s.writer();
        long t6 = System.nanoTime();
        h.expect("DELETE", "/api/v1/containers/" + s.container + "/mappings?iova=0x100000&size=0x1000", null, 200);
        long t7 = System.nanoTime();
        if (r >= 0) {
            s.bind[r] = t1 - t0;
            s.unbind[r] = t3 - t2;
            s.map[r] = t5 - t4;
            s.unmap[r] = t7 - t6;
        }
    }

    private static void dmaRound(Side s, int r, int batches) throws IOException {
        Http h = s.clients.get(0); // the trio's replicas 1 and 2 stay idle
        long t0 = System.nanoTime();
        for (int i = 0; i < batches; i++) {
            h.expect("POST", "/api/v1/dma/batch", s.dmaBody, 200);
        }
        long elapsed = System.nanoTime() - t0;
        if (r >= 0) {
            s.itemsPerSecond[r] = (double) batches * ITEMS / (elapsed / 1e9);
        }
    }

    private static void report(Side a, Side b, int writeRounds, int dmaRounds, int batches) {
        System.out.printf("%ncores=%d, write rounds=%d per side, one client, interleaved%n",
                Runtime.getRuntime().availableProcessors(), writeRounds);
        System.out.printf("%-8s %10s %10s %10s | %10s %10s %10s | %8s%n", "µs", "lone p50", "lone p90", "lone p99",
                "trio p50", "trio p90", "trio p99", "p50 ratio");
        String[] names = {"bind", "unbind", "map", "unmap"};
        long[][] lone = {a.bind, a.unbind, a.map, a.unmap};
        long[][] trio = {b.bind, b.unbind, b.map, b.unmap};
        for (int i = 0; i < names.length; i++) {
            double l50 = micros(lone[i], 50);
            double t50 = micros(trio[i], 50);
            System.out.printf("%-8s %10.0f %10.0f %10.0f | %10.0f %10.0f %10.0f | %8.2f%n", names[i], l50,
                    micros(lone[i], 90), micros(lone[i], 99), t50, micros(trio[i], 90), micros(trio[i], 99), t50 / l50);
        }
        System.out.println("target: trio p50 <= 1.5 x lone p50 (bind, unmap)");
        double l = median(a.itemsPerSecond);
        double t = median(b.itemsPerSecond);
        System.out.printf("%nDMA batch, %d rounds of %d batches of %d per side: items/s median (p10..p90 of rounds)%n",
                dmaRounds, batches, ITEMS);
        System.out.printf("lone           %,12.0f  (%,.0f .. %,.0f)%n", l, pct(a.itemsPerSecond, 10), pct(a.itemsPerSecond, 90));
        System.out.printf("one of three   %,12.0f  (%,.0f .. %,.0f)%n", t, pct(b.itemsPerSecond, 10), pct(b.itemsPerSecond, 90));
        System.out.printf("ratio one-of-three / lone = %.3f (target >= 0.9)%n", t / l);
    }

    private static double micros(long[] samples, double p) {
        long[] sorted = samples.clone();
        Arrays.sort(sorted);
        int i = (int) Math.min(sorted.length - 1, Math.round(p / 100.0 * (sorted.length - 1)));
        return sorted[i] / 1000.0;
    }

    private static double pct(double[] samples, double p) {
        double[] sorted = samples.clone();
        Arrays.sort(sorted);
        return sorted[(int) Math.min(sorted.length - 1, Math.round(p / 100.0 * (sorted.length - 1)))];
    }

    private static double median(double[] samples) {
        return pct(samples, 50);
    }

    private static long liveLeases(ReplicaCluster c) throws Exception {
        try (Connection conn = c.connect(); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("select count(*) from replica where ready and lease_until > now()")) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static String serverSettings(ReplicaCluster c) throws Exception {
        try (Connection conn = c.connect(); Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("select current_setting('fsync'), current_setting('synchronous_commit'), "
                     + "current_setting('server_version')")) {
            rs.next();
            return "PostgreSQL " + rs.getString(3) + " fsync=" + rs.getString(1) + " synchronous_commit=" + rs.getString(2);
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "?";
        }
    }

    private static String id(String json) {
        return JSON.readTree(json).path("id").asString();
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** {@code src/jmh}'s {@code BlockingHttp}: one keep-alive connection, written and read on the calling thread. */
    private static final class Http implements AutoCloseable {
        private final String host;
        private final int port;
        private final String token;
        private Socket socket;
        private InputStream in;
        private OutputStream out;
        private int status;

        Http(String host, int port, String token) {
            this.host = host;
            this.port = port;
            this.token = token;
        }

        /** Sends the request and answers its body; fails unless the status is {@code expected}. */
        String expect(String method, String path, String json, int expected) throws IOException {
            String body;
            try {
                body = exchange(method, path, json);
            } catch (IOException e) {
                close(); // the server may close an idle keep-alive connection: reconnect once
                body = exchange(method, path, json);
            }
            if (status != expected) {
                throw new IllegalStateException(method + " " + path + " on port " + port + " answered " + status
                        + " (expected " + expected + "): " + body);
            }
            return body;
        }

        private String exchange(String method, String path, String json) throws IOException {
            if (socket == null) {
                socket = new Socket();
                socket.setTcpNoDelay(true);
                socket.connect(new InetSocketAddress(host, port));
                in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
                out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
            }
            byte[] body = json == null ? new byte[0] : json.getBytes(StandardCharsets.UTF_8);
            StringBuilder head = new StringBuilder(128).append(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                    .append("Host: ").append(host).append(':').append(port).append("\r\n")
                    .append("Authorization: Bearer ").append(token).append("\r\n");
            if (json != null) {
                head.append("Content-Type: application/json\r\n");
            }
            head.append("Content-Length: ").append(body.length).append("\r\n\r\n");
            out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
            out.write(body);
            out.flush();

            String line = line();
            status = Integer.parseInt(line.substring(9, 12));
            long length = -1;
            boolean chunked = false;
            boolean closing = false;
            for (String h = line(); !h.isEmpty(); h = line()) {
                String lower = h.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-length:")) {
                    length = Long.parseLong(h.substring(15).trim());
                } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                    chunked = true;
                } else if (lower.startsWith("connection:") && lower.contains("close")) {
                    closing = true;
                }
            }
            ByteArrayOutputStream answer = new ByteArrayOutputStream(length > 0 ? (int) length : 256);
            if (chunked) {
                for (int size = Integer.parseInt(line().split(";")[0].trim(), 16); size > 0;
                     size = Integer.parseInt(line().split(";")[0].trim(), 16)) {
                    copy(size, answer);
                    line();
                }
                while (!line().isEmpty()) {
                    // trailers
                }
            } else if (length > 0) {
                copy(length, answer);
            }
            if (closing) {
                close();
            }
            return answer.toString(StandardCharsets.UTF_8);
        }

        private void copy(long n, ByteArrayOutputStream to) throws IOException {
            byte[] buf = new byte[8192];
            while (n > 0) {
                int r = in.read(buf, 0, (int) Math.min(buf.length, n));
                if (r < 0) {
                    throw new EOFException("connection closed mid-body");
                }
                to.write(buf, 0, r);
                n -= r;
            }
        }

        private String line() throws IOException {
            StringBuilder s = new StringBuilder(64);
            for (int c = in.read(); c != '\n'; c = in.read()) {
                if (c < 0) {
                    throw new EOFException("connection closed");
                }
                if (c != '\r') {
                    s.append((char) c);
                }
            }
            return s.toString();
        }

        @Override
        public void close() {
            if (socket != null) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
                socket = null;
            }
        }
    }
}
