package dev.sva.deploy;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import static dev.sva.deploy.DeployYaml.at;
import static dev.sva.deploy.DeployYaml.list;
import static dev.sva.deploy.DeployYaml.listAt;
import static dev.sva.deploy.DeployYaml.mapAt;
import static dev.sva.deploy.DeployYaml.stringAt;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Checks docker-compose.yml: a PostgreSQL service with a health check, and the SVA service wired to it
 * through the runtime contract's environment. Also runs {@code docker-compose config} when the binary is
 * there (required under CI=true).
 */
class ComposeFileTest {

    private static final Path COMPOSE_FILE = Paths.get("docker-compose.yml");

    private static Map<String, Object> compose() throws IOException {
        return DeployYaml.parse(Files.readString(COMPOSE_FILE));
    }

    @Test
    void databaseServiceIsPostgresWithHealthCheckAndVolume() throws IOException {
        Map<String, Object> compose = compose();
        Map<String, Object> db = mapAt(compose, "services.db");

        assertThat(stringAt(db, "image")).matches("postgres:(16|17)([.-].*)?");
        assertThat(mapAt(db, "environment")).containsKeys("POSTGRES_DB", "POSTGRES_USER", "POSTGRES_PASSWORD");
        assertThat(String.join(" ", strings(at(db, "healthcheck.test")))).contains("pg_isready");

        String volume = String.valueOf(listAt(db, "volumes").get(0));
        String volumeName = volume.substring(0, volume.indexOf(':'));
        assertThat(volume).endsWith(":/var/lib/postgresql/data");
        assertThat(mapAt(compose, "volumes")).as("named volume declared").containsKey(volumeName);
    }

    @Test
    void svaServiceIsWiredToTheDatabase() throws IOException {
        Map<String, Object> compose = compose();
        Map<String, Object> sva = mapAt(compose, "services.sva");
        Map<String, Object> db = mapAt(compose, "services.db");

        assertThat(stringAt(sva, "build")).isEqualTo(".");
        assertThat(stringAt(sva, "restart")).isIn("always", "unless-stopped", "on-failure");
        assertThat(stringAt(sva, "depends_on.db.condition")).isEqualTo("service_healthy");
        assertThat(strings(at(sva, "ports"))).anyMatch(p -> p.endsWith(":8080"));

        Map<String, Object> env = mapAt(sva, "environment");
        assertThat(env).containsKeys("SPRING_PROFILES_ACTIVE", "SVA_DB_URL", "SVA_DB_USERNAME", "SVA_DB_PASSWORD",
                "SVA_ISOLATION", "JAVA_TOOL_OPTIONS");
        assertThat(env).containsEntry("SPRING_PROFILES_ACTIVE", "postgres");
        assertThat(String.valueOf(env.get("SVA_ISOLATION"))).contains("STRICT");

        // Both services take the database name and credentials from the same expressions.
        Map<String, Object> dbEnv = mapAt(db, "environment");
        assertThat(env.get("SVA_DB_URL")).isEqualTo("jdbc:postgresql://db:5432/" + dbEnv.get("POSTGRES_DB"));
        assertThat(env.get("SVA_DB_USERNAME")).isEqualTo(dbEnv.get("POSTGRES_USER"));
        assertThat(env.get("SVA_DB_PASSWORD")).isEqualTo(dbEnv.get("POSTGRES_PASSWORD"));

        assertThat(String.join(" ", strings(at(sva, "healthcheck.test")))).contains("/actuator/health/readiness");
    }

    @Test
    void theServiceScalesWithoutPortConflictsAndItsReplicasShareTheSigningKey() throws IOException {
        Map<String, Object> compose = compose();
        Map<String, Object> sva = mapAt(compose, "services.sva");
        // `docker compose up --scale sva=3`: no fixed name, and a host port range so that each replica gets one
        assertThat(sva).doesNotContainKey("container_name");
        assertThat(strings(at(sva, "ports"))).containsExactly("${SVA_HTTP_PORT:-8080-8082}:8080");
        // local mode keeps its signing key and admin token in <data-dir> = /app/data: one volume for every replica
        String volume = strings(at(sva, "volumes")).get(0);
        assertThat(volume).endsWith(":/app/data");
        assertThat(mapAt(compose, "volumes")).containsKey(volume.substring(0, volume.indexOf(':')));
        assertThat(mapAt(sva, "environment")).containsEntry("SVA_REPLICAS_LEASE", "${SVA_REPLICAS_LEASE:-5s}")
                .containsEntry("SVA_REPLICAS_HEARTBEAT", "${SVA_REPLICAS_HEARTBEAT:-1s}");
        assertThat(Files.readString(COMPOSE_FILE)).contains("--scale sva=3");
    }

    @Test
    void svaHealthCheckCommandProbesReadiness() throws Exception {
        List<String> test = strings(at(mapAt(compose(), "services.sva"), "healthcheck.test"));
        assertThat(test.get(0)).isEqualTo("CMD");
        List<String> command = test.subList(1, test.size());
        assertThat(String.join(" ", command)).contains("/127.0.0.1/8080");
        HealthProbeStub.assertProbe(port -> new ProcessBuilder(command.stream()
                .map(arg -> arg.replace("/127.0.0.1/8080", "/127.0.0.1/" + port))
                .toList()));
    }

    @Test
    void dockerComposeAcceptsTheFile() throws Exception {
        Optional<Path> binary = onPath("docker-compose");
        if (binary.isEmpty()) {
            String message = "docker-compose is not installed: skipping `docker-compose config -q`"
                    + " (apt-get install -y docker-compose)";
            if ("true".equalsIgnoreCase(System.getenv("CI"))) {
                fail(message + " - required when CI=true");
            }
            System.out.println("[ComposeFileTest] " + message);
            Assumptions.abort(message);
        }

        Result quiet = run(binary.get(), Map.of(), "config", "-q");
        assertThat(quiet.exitCode).as("docker-compose config -q: %s", quiet.output).isZero();

        // Overrides reach both services the same way.
        Result resolved = run(binary.get(),
                Map.of("SVA_ISOLATION", "GROUP_AWARE", "SVA_DB_PASSWORD", "s3cret", "SVA_DB_NAME", "svadb"),
                "config");
        assertThat(resolved.exitCode).as("docker-compose config: %s", resolved.output).isZero();
        Map<String, Object> config = DeployYaml.parse(resolved.stdout);
        Map<String, Object> env = mapAt(config, "services.sva.environment");
        Map<String, Object> dbEnv = mapAt(config, "services.db.environment");
        assertThat(env).containsEntry("SVA_ISOLATION", "GROUP_AWARE")
                .containsEntry("SVA_DB_PASSWORD", "s3cret")
                .containsEntry("SVA_DB_URL", "jdbc:postgresql://db:5432/svadb")
                .containsEntry("SPRING_PROFILES_ACTIVE", "postgres");
        assertThat(dbEnv).containsEntry("POSTGRES_PASSWORD", "s3cret").containsEntry("POSTGRES_DB", "svadb");

        // the default publishes a range of host ports (one per replica of --scale); a single port still works
        Map<String, Object> ports = DeployYaml.map(listAt(DeployYaml.parse(run(binary.get(), Map.of(), "config").stdout),
                "services.sva.ports").get(0));
        assertThat(String.valueOf(ports.get("published"))).isEqualTo("8080-8082");
        assertThat(ports.get("target")).isEqualTo(8080);
        Map<String, Object> single = DeployYaml.map(listAt(DeployYaml.parse(run(binary.get(), Map.of("SVA_HTTP_PORT", "9090"),
                "config").stdout), "services.sva.ports").get(0));
        assertThat(String.valueOf(single.get("published"))).isEqualTo("9090");
    }

    // ---------------------------------------------------------------------------------------------

    private static List<String> strings(Object value) {
        return list(value).stream().map(String::valueOf).toList();
    }

    static Optional<Path> onPath(String name) {
        String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
        return Stream.of(path.split(File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Paths.get(dir, name))
                .filter(Files::isExecutable)
                .findFirst();
    }

    private record Result(int exitCode, String stdout, String output) {
    }

    private static Result run(Path binary, Map<String, String> env, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder();
        pb.command().add(binary.toString());
        pb.command().add("-f");
        pb.command().add(COMPOSE_FILE.toAbsolutePath().toString());
        pb.command().addAll(List.of(args));
        // Interpolate with the file's defaults, not with whatever the developer's shell exports.
        pb.environment().keySet().removeIf(k -> k.startsWith("SVA_") || k.startsWith("COMPOSE_")
                || k.startsWith("POSTGRES_") || k.startsWith("DOCKER_"));
        pb.environment().putAll(env);
        Path err = Files.createTempFile("compose", ".err");
        pb.redirectError(err.toFile());
        pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process process = pb.start();
        byte[] out = process.getInputStream().readAllBytes();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            fail("docker-compose " + String.join(" ", args) + " timed out");
        }
        String stderr = Files.readString(err);
        Files.deleteIfExists(err);
        String stdout = new String(out, StandardCharsets.UTF_8);
        return new Result(process.exitValue(), stdout, stdout + stderr);
    }
}
