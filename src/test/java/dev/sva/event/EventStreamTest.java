package dev.sva.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import dev.sva.support.SseClient;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestPropertySource;

/** The SSE stream: resume without loss or repeat, heartbeats, retention, slow clients. */
@TestPropertySource(properties = {
        "sva.events.heartbeat=300ms",
        "sva.events.max-per-node=50",
        "server.tomcat.connection-timeout=2s"
})
class EventStreamTest extends ApiTest {

    @Autowired
    EventService events;

    @Autowired
    EventStream stream;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void reconnectingWithLastEventIdWhileOthersWriteMissesNothingAndRepeatsNothing() throws Exception {
        int writes = 120;
        ExecutorService writers = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int i = 0; i < writes; i++) {
            int n = i;
            done.add(writers.submit(() -> {
                assertThat(api.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 5000 + n))).status())
                        .isEqualTo(201);
            }));
        }
        List<Long> seen = new ArrayList<>();
        String last = null;
        Instant deadline = Instant.now().plusSeconds(120);
        while (seen.size() < writes && Instant.now().isBefore(deadline)) {
            // read a few events, drop the connection, resume from the last one seen
            try (SseClient client = last == null
                    ? SseClient.connect(port, "/api/v1/events/stream?node=" + node + "&after=0", null)
                    : SseClient.connect(port, "/api/v1/events/stream?node=" + node, last)) {
                assertThat(client.status).isEqualTo(200);
                for (int k = 0; k < 17 && seen.size() < writes; k++) {
                    SseClient.Frame f = client.next(Duration.ofSeconds(20));
                    if (f == null) {
                        break;
                    }
                    assertThat(Api.json(Map.of()).length()).isPositive();
                    assertThat(f.data()).contains("\"seq\":" + f.id());
                    seen.add(f.id());
                    last = Long.toString(f.id());
                }
            }
        }
        for (Future<?> f : done) {
            f.get(60, TimeUnit.SECONDS);
        }
        writers.shutdown();
        List<Long> expected = new ArrayList<>();
        for (long s = 1; s <= writes; s++) {
            expected.add(s);
        }
        assertThat(seen).as("every event once, in order").isEqualTo(expected);
    }

    @Test
    void idleStreamCarriesHeartbeats() throws Exception {
        try (SseClient client = SseClient.connect(port, "/api/v1/events/stream?node=" + node, null)) {
            assertThat(client.status).isEqualTo(200);
            Instant until = Instant.now().plusSeconds(10);
            while (client.comments().stream().noneMatch(c -> c.contains("heartbeat")) && Instant.now().isBefore(until)) {
                Thread.sleep(50);
            }
            assertThat(client.comments()).anyMatch(c -> c.contains("heartbeat"));
        }
    }

    @Test
    void askingForPrunedEventsAnswersGoneWithTheOldestKeptSeq() {
        for (int i = 0; i < 60; i++) {
            process(7000 + i);
        }
        events.prune();
        var gone = assertProblem(api.get("/api/v1/events?node=" + node + "&after=0"), 410, "EVENTS_EXPIRED");
        assertThat(gone.body().path("oldestSeq").asLong()).isEqualTo(11);
        assertThat(api.get("/api/v1/events?node=" + node + "&after=10").body().path("items").size()).isEqualTo(50);
        try (SseClient client = SseClient.connect(port, "/api/v1/events/stream?node=" + node, "3")) {
            assertThat(client.status).isEqualTo(410);
        }
    }

    @Test
    void aListWithoutAfterStartsAtTheOldestKeptEvent() {
        for (int i = 0; i < 60; i++) {
            process(7100 + i);
        }
        events.prune();
        Response r = api.get("/api/v1/events?node=" + node + "&limit=5");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body().path("items").get(0).path("seq").asLong()).isEqualTo(11);
    }

    /**
     * Reads at the edge of what is kept, while events are written and pruned: an answer is either
     * {@code 410} or starts exactly after the seq asked for. A page starting later would silently
     * drop the events pruned between the service's check and its read.
     */
    @Test
    void readsRacingPrunesNeverSkipAnEvent() throws Exception {
        for (int i = 0; i < 60; i++) {
            process(8000 + i);
        }
        long nodeId = jdbc.queryForObject("select id from node where name = ?", Long.class, node);
        AtomicBoolean running = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<String> holes = new CopyOnWriteArrayList<>();
        int[] gone = new int[1];
        try {
            pool.submit(() -> {
                for (int i = 0; running.get(); i++) {
                    process(9000 + i);
                }
                return null;
            });
            pool.submit(() -> {
                while (running.get()) {
                    events.prune();
                }
                return null;
            });
            for (int probe = 0; probe < 400; probe++) {
                Long oldest = jdbc.queryForObject("select min(seq) from event where node_id = ?", Long.class, nodeId);
                long after = oldest - 1;
                Response r = api.get("/api/v1/events?node=" + node + "&limit=5&after=" + after);
                if (r.status() == 410) {
                    gone[0]++;
                    continue;
                }
                assertThat(r.status()).as("%s", r).isEqualTo(200);
                long first = r.body().path("items").get(0).path("seq").asLong();
                if (first != after + 1) {
                    holes.add("after=" + after + " answered from seq " + first);
                }
            }
        } finally {
            running.set(false);
            pool.shutdown();
            pool.awaitTermination(1, TimeUnit.MINUTES);
        }
        assertThat(holes).isEmpty();
    }

    @Test
    void headOfTheStreamEndsItsExchangeSoTheConnectionServesTheNextRequest() throws Exception {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port));
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            java.io.BufferedReader in = new java.io.BufferedReader(
                    new java.io.InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
            String auth = "Authorization: Bearer " + Api.ADMIN_TOKEN + "\r\n";
            out.write(("HEAD /api/v1/events/stream?node=" + node + " HTTP/1.1\r\nHost: localhost\r\n" + auth
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            List<String> head = headOf(in);
            assertThat(head.get(0)).startsWith("HTTP/1.1 200");
            assertThat(head).anySatisfy(h -> assertThat(h.toLowerCase()).startsWith("content-type: text/event-stream"));
            assertThat(stream.clientCount()).as("a HEAD holds no stream").isZero();
            // the same connection, as a client's pool reuses it after a HEAD: answered, not left waiting
            out.write(("GET /api/v1/nodes/" + node + " HTTP/1.1\r\nHost: localhost\r\n" + auth
                    + "Accept: application/json\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            assertThat(headOf(in).get(0)).startsWith("HTTP/1.1 200");
        }
    }

    /** The status line and header lines of the next answer on a raw connection. */
    private static List<String> headOf(java.io.BufferedReader in) throws java.io.IOException {
        List<String> lines = new ArrayList<>();
        for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
            lines.add(line);
        }
        return lines;
    }

    @Test
    void clientThatStopsReadingIsDisconnectedInsteadOfBuffered() throws Exception {
        long nodeId = jdbc.queryForObject("select id from node where name = ?", Long.class, node);
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            socket.connect(new InetSocketAddress("127.0.0.1", port));
            OutputStream out = socket.getOutputStream();
            out.write(("GET /api/v1/events/stream?node=" + node + "&after=0 HTTP/1.1\r\nHost: localhost\r\n"
                    + "Authorization: Bearer " + Api.ADMIN_TOKEN + "\r\n"
                    + "Accept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Instant until = Instant.now().plusSeconds(10);
            while (stream.clientCount() == 0 && Instant.now().isBefore(until)) {
                Thread.sleep(20);
            }
            assertThat(stream.clientCount()).isEqualTo(1);
            // Far more event data than any socket buffer holds: 4,000 events of 4 KiB, written directly.
            String data = "{\"pad\":\"" + "x".repeat(4096) + "\"}";
            List<Object[]> rows = new ArrayList<>();
            for (int i = 1; i <= 4000; i++) {
                rows.add(new Object[]{nodeId, (long) i, java.sql.Timestamp.from(Instant.now()), "ISOLATION_WARNING", "node", node, data});
            }
            jdbc.batchUpdate("insert into event (node_id, seq, occurred_at, type, subject_kind, subject_id, data) values (?,?,?,?,?,?,?)", rows);
            jdbc.update("update node set last_event_seq = 4000 where id = ?", nodeId);
            stream.committed(nodeId, 4000);
            // the socket is never read: the server's write stalls and times out, and the client is dropped
            until = Instant.now().plusSeconds(60);
            while (stream.clientCount() > 0 && Instant.now().isBefore(until)) {
                Thread.sleep(100);
            }
            assertThat(stream.clientCount()).as("stalled client still connected").isZero();
        }
    }
}
