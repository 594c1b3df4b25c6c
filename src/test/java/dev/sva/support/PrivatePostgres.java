package dev.sva.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * A PostgreSQL cluster of the test's own ({@code initdb} + {@code pg_ctl start} in a temp dir, on a free port,
 * trust authentication for user {@code postgres}), which the test may restart or stop: the shared test server
 * must not be. The binaries are Debian's ({@code /usr/lib/postgresql/<newest>/bin}), those of
 * {@code SVA_TEST_PG_BIN}, or {@code initdb} on the {@code PATH}; {@code .ci/run} installs them. Without them the
 * test is skipped with a message, and under {@code CI=true} it fails. Run as root, the server runs as the OS user
 * {@code postgres} ({@code initdb} refuses root).
 */
public final class PrivatePostgres implements AutoCloseable {

    private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));

    private final Path bin;
    private final Path dir;
    private final int port;
    private final boolean asPostgresUser;

    private PrivatePostgres(Path bin, Path dir, int port, boolean asPostgresUser) {
        this.bin = bin;
        this.dir = dir;
        this.port = port;
        this.asPostgresUser = asPostgresUser;
    }

    /**
     * Makes and starts a new cluster under {@code parent}. Without PostgreSQL's server binaries this skips the
     * test (a JUnit assumption), or fails it under {@code CI=true}.
     */
    public static PrivatePostgres start(Path parent) throws IOException, InterruptedException {
        PrivatePostgres pg = startIfPresent(parent);
        if (pg == null) {
            System.err.println("SKIPPED private PostgreSQL tests: " + MISSING);
            Assumptions.abort("SKIPPED: " + MISSING);
        }
        return pg;
    }

    private static final String MISSING = "PostgreSQL server binaries (initdb, pg_ctl) not found in SVA_TEST_PG_BIN, "
            + "/usr/lib/postgresql/*/bin or on the PATH; install Debian's postgresql package";

    /**
     * Makes and starts a new cluster under {@code parent}, or answers {@code null} without the binaries (under
     * {@code CI=true} their absence fails instead).
     */
    public static PrivatePostgres startIfPresent(Path parent) throws IOException, InterruptedException {
        Path bin = binaries();
        if (bin == null) {
            if (CI) {
                throw new AssertionError("CI=true: " + MISSING);
            }
            return null;
        }
        boolean root = "0".equals(exec(List.of("id", "-u")).strip());
        Path dir = Files.createTempDirectory(parent, "pg-");
        if (root) {
            exec(List.of("chown", "postgres:", dir.toString()));
            exec(List.of("chmod", "755", parent.toString())); // postgres must reach its directory
        }
        PrivatePostgres pg = new PrivatePostgres(bin, dir, freePort(), root);
        pg.run(List.of(bin.resolve("initdb").toString(), "-D", pg.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                "--no-locale", "--no-sync"), true);
        pg.pgCtl("start");
        return pg;
    }

    public int port() {
        return port;
    }

    /** The server, for {@link ReplicaCluster}: user {@code postgres}, no password. */
    public ReplicaCluster.Server server() {
        return new ReplicaCluster.Server("127.0.0.1", port, "postgres", "", "postgres");
    }

    /** {@code pg_ctl restart -m fast}: every connection is closed, the server is back when this returns. */
    public void restart() throws IOException, InterruptedException {
        pgCtl("restart");
    }

    /** {@code pg_ctl stop -m fast}. */
    public void stop() throws IOException, InterruptedException {
        run(List.of(bin.resolve("pg_ctl").toString(), "-D", data(), "-m", "fast", "-w", "stop"), true);
    }

    /** {@code pg_ctl start}, after {@link #stop}. */
    public void startAgain() throws IOException, InterruptedException {
        pgCtl("start");
    }

    private void pgCtl(String action) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(bin.resolve("pg_ctl").toString(), "-D", data(), "-l",
                dir.resolve("server.log").toString(), "-w", "-t", "60", "-o",
                "-c listen_addresses=127.0.0.1 -c port=" + port + " -c unix_socket_directories=" + dir
                        + " -c fsync=off -c max_connections=100"));
        if (action.equals("restart")) {
            command.addAll(List.of("-m", "fast"));
        }
        command.add(action);
        try {
            run(command, true);
        } catch (IllegalStateException e) {
            throw new IllegalStateException(e.getMessage() + "\nserver.log:\n" + serverLog(), e);
        }
    }

    private String data() {
        return dir.resolve("data").toString();
    }

    /** The server's log so far. */
    public String serverLog() {
        try {
            return Files.readString(dir.resolve("server.log"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no server.log: " + e + ")";
        }
    }

    /** Stops the server (immediately) and deletes its files. */
    @Override
    public void close() {
        try {
            run(List.of(bin.resolve("pg_ctl").toString(), "-D", data(), "-m", "immediate", "-w", "stop"), true);
        } catch (RuntimeException | IOException | InterruptedException notRunning) {
            // stopped already
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // the temp dir's owner cleans it
        }
    }

    private String run(List<String> command, boolean asServerUser) throws IOException, InterruptedException {
        List<String> full = new ArrayList<>();
        if (asServerUser && asPostgresUser) {
            full.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        full.addAll(command);
        return exec(full);
    }

    private static String exec(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException(String.join(" ", command) + " failed:\n" + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    /** The directory holding initdb and pg_ctl, or {@code null}. */
    static Path binaries() {
        String given = System.getenv("SVA_TEST_PG_BIN");
        if (given != null && !given.isBlank()) {
            return usable(Path.of(given)) ? Path.of(given) : null;
        }
        Path debian = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(debian)) {
            try (Stream<Path> versions = Files.list(debian)) {
                Path newest = versions.map(v -> v.resolve("bin")).filter(PrivatePostgres::usable)
                        .max(Comparator.comparingInt(PrivatePostgres::majorVersion)).orElse(null);
                if (newest != null) {
                    return newest;
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isEmpty() && usable(Path.of(d))) {
                    return Path.of(d);
                }
            }
        }
        return null;
    }

    private static int majorVersion(Path bin) {
        try {
            return Integer.parseInt(bin.getParent().getFileName().toString());
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static boolean usable(Path bin) {
        return Files.isExecutable(bin.resolve("initdb")) && Files.isExecutable(bin.resolve("pg_ctl"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
