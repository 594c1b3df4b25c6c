package dev.sva.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api.Response;
import dev.sva.support.Api;
import dev.sva.support.ApiTest;
import dev.sva.support.SseClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * The resource limits of issue 8 item 6, over real sockets to 127.0.0.1 (raw where a client has to
 * misbehave): request bodies are bounded and answered 413 however they are sent, one client cannot
 * hold every event stream or every connection, and idle connections are closed. The database plays
 * no part in these limits, so they run on H2 only. Limits are scaled down here (200 connections, 3
 * streams per client) so that the floods stay small; the body limit is the shipped default.
 * A second loopback address (127.0.0.2) plays the other client.
 */
@TestPropertySource(properties = {
        "server.tomcat.max-connections=200",
        "sva.limits.max-connections-per-client=40",
        "sva.events.max-clients-per-address=3",
        "sva.events.heartbeat=1s"
})
class LimitsTest extends ApiTest {

    private static final int MB = 1024 * 1024;

    @Autowired
    RequestBodyFilter bodies;

    @Test
    void eightConcurrentFiftyMegabyteBodiesAreRefusedWith413WhetherDeclaredOrChunked() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<String>> answers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String path = i % 2 == 0 ? "/api/v1/containers" : "/api/v1/dma/batch";
                answers.add(pool.submit(() -> hugeBody(path, false)));
                answers.add(pool.submit(() -> hugeBody(path, true)));
            }
            for (Future<String> answer : answers) {
                String text = answer.get(120, TimeUnit.SECONDS);
                assertThat(text).as(text).startsWith("HTTP/1.1 413 ");
                assertThat(text).contains("application/problem+json").contains("\"code\":\"PAYLOAD_TOO_LARGE\"")
                        .contains("\"errno\":\"E2BIG\"").contains("\"limit\":" + 4 * MB);
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(api.get("/api/v1/nodes/local").status()).as("the service is still up").isEqualTo(200);
    }

    @Test
    void theDefaultBodyLimitFitsAFullDmaBatchAndTopologyImportsMayBeLarger() {
        String dev = dev(20, true);
        StringBuilder body = new StringBuilder("{\"requests\":[");
        for (int i = 0; i < 10_000; i++) {
            body.append(i == 0 ? "" : ",").append("{\"deviceId\":\"").append(dev)
                    .append("\",\"pasid\":1048575,\"address\":\"0x7f0000001000\",\"size\":\"0xffff\",\"access\":\"WRITE\"}");
        }
        body.append("]}");
        Response r = api.post("/api/v1/dma/batch", body.toString());
        assertThat(r.status()).as("%s bytes: %s", body.length(), r.status()).isEqualTo(200);
        assertThat(r.body().path("results")).hasSize(10_000);
        assertThat(bodies.limitFor("/api/v1/dma/batch")).isEqualTo(4L * MB);
        assertThat(bodies.limitFor("/api/v1/nodes/n1/topology")).isEqualTo(40L * MB); // 16 MiB of lspci text, escaped into JSON, still reaches the parser
    }

    @Test
    void oneClientCannotHoldEveryEventStream() throws Exception {
        List<SseClient> mine = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                mine.add(SseClient.connect(port, "/api/v1/events/stream?node=" + node, null));
                assertThat(mine.get(i).status).isEqualTo(200);
            }
            try (SseClient fourth = SseClient.connect(port, "/api/v1/events/stream?node=" + node, null)) {
                assertThat(fourth.status).isEqualTo(429);
            }
            Response refused = api.get("/api/v1/events/stream?node=" + node);
            assertProblem(refused, 429, "TOO_MANY_STREAMS");
            assertThat(refused.body().path("limit").asInt()).isEqualTo(3);
            assertThat(refused.str("errno")).isEqualTo("EMFILE");
            // another client is still served
            try (Socket other = connect("127.0.0.2")) {
                write(other, "GET /api/v1/events/stream?node=" + node + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + Api.ADMIN_TOKEN + "\r\nAccept: text/event-stream\r\n\r\n");
                assertThat(readUntil(other.getInputStream(), "\r\n\r\n", 30_000)).startsWith("HTTP/1.1 200 ");
            }
            // a closed stream frees its slot (noticed at the next heartbeat)
            mine.remove(0).close();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            int status;
            do {
                Thread.sleep(200);
                SseClient again = SseClient.connect(port, "/api/v1/events/stream?node=" + node, null);
                status = again.status;
                if (status == 200) {
                    mine.add(again);
                } else {
                    again.close();
                }
            } while (status != 200 && System.nanoTime() < deadline);
            assertThat(status).isEqualTo(200);
        } finally {
            mine.forEach(SseClient::close);
        }
    }

    @Test
    void idleConnectionsOfOneClientCannotStallOthersAndAreClosed() throws Exception {
        List<Socket> flood = new ArrayList<>();
        try {
            for (int i = 0; i < 300; i++) {
                flood.add(connect("127.0.0.2"));
            }
            // the other client is served although the flood is larger than max-connections
            Response r = api.get("/api/v1/nodes/local");
            assertThat(r.status()).isEqualTo(200);
            // the server closes every flood socket past the per-client limit at once
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            int open;
            do {
                open = countOpen(flood);
            } while (open > 40 && System.nanoTime() < deadline);
            assertThat(open).as("flood sockets the server kept").isLessThanOrEqualTo(40);
            // and the idle ones it kept once connection-timeout passes without a request
            deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            do {
                Thread.sleep(500);
                open = countOpen(flood);
            } while (open > 0 && System.nanoTime() < deadline);
            assertThat(open).as("idle sockets left open").isZero();
        } finally {
            for (Socket s : flood) {
                s.close();
            }
        }
        assertThat(api.get("/api/v1/nodes/local").status()).isEqualTo(200);
    }

    // ---- raw HTTP ----

    private Socket connect(String source) throws IOException {
        Socket s = new Socket();
        s.bind(new InetSocketAddress(source, 0));
        s.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
        return s;
    }

    /** How many of these sockets the server has not closed (a read neither ends nor fails). */
    private static int countOpen(List<Socket> sockets) throws IOException {
        int open = 0;
        for (Socket s : sockets) {
            if (s.isClosed()) {
                continue;
            }
            s.setSoTimeout(1);
            try {
                if (s.getInputStream().read() < 0) {
                    s.close();
                } else {
                    open++;
                }
            } catch (SocketTimeoutException e) {
                open++;
            } catch (IOException e) {
                s.close();
            }
        }
        return open;
    }

    /**
     * POSTs 50 MiB of a JSON body, with Content-Length or chunked, writing on one thread while this
     * one reads the answer; returns what was read.
     */
    private String hugeBody(String path, boolean chunked) throws Exception {
        try (Socket s = connect("127.0.0.1")) {
            long size = 50L * MB;
            String head = "POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + Api.ADMIN_TOKEN + "\r\nContent-Type: application/json\r\n"
                    + (chunked ? "Transfer-Encoding: chunked\r\n" : "Content-Length: " + size + "\r\n") + "\r\n";
            Thread writer = new Thread(() -> {
                try {
                    OutputStream out = s.getOutputStream();
                    out.write(head.getBytes(StandardCharsets.US_ASCII));
                    byte[] chunk = new byte[64 * 1024];
                    Arrays.fill(chunk, (byte) 'a');
                    byte[] start = "{\"requests\":[{\"deviceId\":\"".getBytes(StandardCharsets.US_ASCII);
                    System.arraycopy(start, 0, chunk, 0, start.length);
                    for (long sent = 0; sent < size; sent += chunk.length) {
                        if (chunked) {
                            out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        }
                        out.write(chunk);
                        if (chunked) {
                            out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                        Arrays.fill(chunk, 0, start.length, (byte) 'a');
                    }
                } catch (IOException e) {
                    // the server stopped reading after its answer: expected
                }
            });
            writer.setDaemon(true);
            writer.start();
            return readUntil(s.getInputStream(), "\"limit\"", 120_000) + readRest(s.getInputStream());
        }
    }

    private static void write(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Reads until {@code marker} has been seen (or the stream ends, or {@code timeoutMillis} passes). */
    private static String readUntil(InputStream in, String marker, int timeoutMillis) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        long deadline = System.currentTimeMillis() + timeoutMillis;
        byte[] buf = new byte[4096];
        while (System.currentTimeMillis() < deadline && !seen.toString(StandardCharsets.UTF_8).contains(marker)) {
            int n;
            try {
                n = in.read(buf);
            } catch (IOException e) {
                break;
            }
            if (n < 0) {
                break;
            }
            seen.write(buf, 0, n);
        }
        return seen.toString(StandardCharsets.UTF_8);
    }

    /** What arrives within a moment more (the rest of a problem body), without waiting for the end. */
    private static String readRest(InputStream in) {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            long deadline = System.currentTimeMillis() + 2_000;
            while (System.currentTimeMillis() < deadline && in.available() > 0) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                seen.write(buf, 0, n);
            }
        } catch (IOException e) {
            // reset after the answer
        }
        return seen.toString(StandardCharsets.UTF_8);
    }
}
