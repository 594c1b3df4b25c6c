package dev.sva.bench;

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
import java.util.Locale;

/**
 * A minimal HTTP/1.1 client: one keep-alive connection, requests written and answers read on the
 * calling thread, the way the JDBC driver talks to PostgreSQL. The benchmarks compare the service
 * with raw JDBC and with Jackson in-process, so the client must not add work of its own: the JDK's
 * {@code HttpClient} hands every exchange to its selector thread and back, which on two cores costs
 * 0.3–0.6 ms per request (measured: a no-op GET at 0.5–0.7 ms p50 against 0.07–0.13 ms with wrk).
 * Not thread-safe; one instance per client thread.
 */
final class BlockingHttp implements AutoCloseable {

    /** An answer: status and body. */
    record Answer(int status, String body) {
    }

    private final String host;
    private final int port;
    private final String token;
    private Socket socket;
    private InputStream in;
    private OutputStream out;

    /** A client sending {@code token} as its bearer token on every request. */
    BlockingHttp(String host, int port, String token) {
        this.host = host;
        this.port = port;
        this.token = token;
    }

    Answer send(String method, String path, String json) throws IOException {
        try {
            return exchange(method, path, json);
        } catch (IOException e) {
            // the server may close an idle keep-alive connection: reconnect once
            close();
            return exchange(method, path, json);
        }
    }

    private Answer exchange(String method, String path, String json) throws IOException {
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

        String status = line();
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        boolean chunked = false;
        boolean close = false;
        for (String h = line(); !h.isEmpty(); h = line()) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(h.substring(15).trim());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            } else if (lower.startsWith("connection:") && lower.contains("close")) {
                close = true;
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
        if (close) {
            close();
        }
        return new Answer(code, answer.toString(StandardCharsets.UTF_8));
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
