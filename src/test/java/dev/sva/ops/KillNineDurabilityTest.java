package dev.sva.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A {@code 2xx} means the change is on disk: the service runs as a separate JVM on the default H2
 * file database, answers a burst of creates, and is killed with SIGKILL right after the last
 * response; a new JVM on the same files must still have every acknowledged object.
 */
class KillNineDurabilityTest {

    @TempDir
    Path data;

    private Process process;

    @AfterEach
    void kill() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    @Test
    void everythingAcknowledgedSurvivesKillDashNine() throws Exception {
        int port = freePort();
        Api api = start(port);
        List<String> acknowledged = new ArrayList<>();
        String device = api.post("/api/v1/devices", Api.json(Map.of("bdf", "0000:3b:00.0", "pasidBits", 20))).str("id");
        for (int pid = 1; pid <= 20; pid++) {
            Response r = api.post("/api/v1/address-spaces", Api.json(Map.of("pid", pid)));
            assertThat(r.status()).isEqualTo(201);
            acknowledged.add(r.str("id"));
        }
        Response bond = api.post("/api/v1/devices/" + device + "/bonds", Api.json(Map.of("addressSpaceId", acknowledged.get(19))));
        assertThat(bond.status()).isEqualTo(201);
        process.destroyForcibly().waitFor();

        api = start(port);
        for (String id : acknowledged) {
            assertThat(api.get("/api/v1/address-spaces/" + id).status()).as(id).isEqualTo(200);
        }
        assertThat(api.get("/api/v1/bonds/" + bond.str("id")).body().path("pasid").asInt()).isEqualTo(1);
        assertThat(api.get("/api/v1/address-spaces/" + acknowledged.get(19)).body().path("pasid").asInt()).isEqualTo(1);
        // the PASID allocation state survived too: the next process gets 2, not 1 again
        Response next = api.post("/api/v1/devices/" + device + "/bonds", Api.json(Map.of("addressSpaceId", acknowledged.get(0))));
        assertThat(next.body().path("pasid").asInt()).isEqualTo(2);
        assertThat(api.get("/api/v1/events?limit=1000").body().path("items").size()).isEqualTo(1 + 1 + 20 + 1 + 1);
    }

    private Api start(int port) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "dev.sva.SvaApplication",
                "--server.port=" + port,
                "--spring.datasource.url=jdbc:h2:file:" + data.resolve("sva") + ";WRITE_DELAY=0;LOCK_TIMEOUT=10000",
                "--logging.level.root=WARN", Api.adminTokenArgument(), Api.securityDirArgument(data))
                .redirectErrorStream(true)
                .redirectOutput(data.resolve("log-" + Instant.now().toEpochMilli() + ".txt").toFile())
                .start();
        Api api = new Api(port);
        Instant until = Instant.now().plus(Duration.ofSeconds(90));
        while (Instant.now().isBefore(until)) {
            assertThat(process.isAlive()).as("service JVM exited; see logs in %s", data).isTrue();
            try {
                if (api.get("/actuator/health/readiness").status() == 200) {
                    return api;
                }
            } catch (RuntimeException notYet) {
                // not listening yet
            }
            Thread.sleep(250);
        }
        throw new AssertionError("service did not become ready; logs in " + data + ": " + list(data));
    }

    private static String list(Path dir) throws IOException {
        try (var files = Files.list(dir)) {
            return files.map(Path::toFile).map(File::getName).toList().toString();
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
