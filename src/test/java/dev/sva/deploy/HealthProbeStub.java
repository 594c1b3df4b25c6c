package dev.sva.deploy;

import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Assumptions;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs a container health-check command against a stub of the actuator on a loopback port: it must pass
 * while /actuator/health/readiness answers 200, and fail on 503 and when nothing listens.
 */
final class HealthProbeStub {

    private HealthProbeStub() {
    }

    /** {@code probe} builds the health-check process for the given port. */
    static void assertProbe(IntFunction<ProcessBuilder> probe) throws Exception {
        Assumptions.assumeTrue(ComposeFileTest.onPath("bash").isPresent(), "bash is needed to run the health check");

        AtomicInteger status = new AtomicInteger(200);
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            boolean readiness = exchange.getRequestURI().getPath().equals("/actuator/health/readiness");
            int code = readiness ? status.get() : 404;
            byte[] body = (code == 200 ? "{\"status\":\"UP\"}" : "{\"status\":\"DOWN\"}")
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(code, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
        int port = server.getAddress().getPort();
        try {
            assertThat(exitCode(probe.apply(port))).as("health check while ready").isZero();
            status.set(503);
            assertThat(exitCode(probe.apply(port))).as("health check while not ready").isNotZero();
        } finally {
            server.stop(0);
        }
        assertThat(exitCode(probe.apply(freePort()))).as("health check with nothing listening").isNotZero();
    }

    private static int exitCode(ProcessBuilder pb) throws IOException, InterruptedException {
        pb.redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.DISCARD);
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process process = pb.start();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("health check did not finish in 20 s: " + pb.command());
        }
        return process.exitValue();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
