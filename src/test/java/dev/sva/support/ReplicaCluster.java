package dev.sva.support;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * N replicas of the service as separate JVM processes ({@code java -cp <test class path> dev.sva.SvaApplication}),
 * each on a port of its own, all on one FRESH PostgreSQL database made for the cluster ({@code create database},
 * dropped by {@link #close}). They share what a token needs, as the Helm chart's pods do: the admin token
 * ({@link Api#ADMIN_TOKEN}) and one signing key ({@code jwk.json}, written here before any replica starts, so
 * no two replicas race to make one). A replica can be killed with SIGKILL, paused with SIGSTOP and resumed with
 * SIGCONT, and restarted on its port. Small heaps and a small pool each, so three fit a 2-core machine.
 *
 * <p>Lease and heartbeat of the replica set are given as {@code sva.replicas.lease} / {@code sva.replicas.heartbeat}
 * ({@link Builder#property}); a build without replication ignores them.
 */
public final class ReplicaCluster implements AutoCloseable {

    /** A PostgreSQL server the cluster makes its database on: any database the user may connect to, to run {@code create database}. */
    public record Server(String host, int port, String user, String password, String adminDatabase) {

        String url(String database) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }

        /** The server of the tests' PostgreSQL ({@link PostgresDatabase}); {@code null} when there is none. */
        public static Server ofTestDatabase() {
            PostgresDatabase db = PostgresDatabase.orNull();
            if (db == null) {
                return null;
            }
            Matcher m = Pattern.compile("^jdbc:postgresql://([^/:?]+)(?::(\\d+))?/([^?]+)").matcher(db.url);
            if (!m.find()) {
                throw new IllegalStateException("cannot read host, port and database of " + db.url);
            }
            return new Server(m.group(1), m.group(2) == null ? 5432 : Integer.parseInt(m.group(2)), db.user, db.password,
                    m.group(3));
        }
    }

    public static Builder on(Server server, Path dir) {
        return new Builder(server, dir);
    }

    public static final class Builder {
        private final Server server;
        private final Path dir;
        private int replicas = 3;
        private String heap = "-Xmx256m";
        /** Quick to start and small: the tests' replicas live for a minute or two. */
        private List<String> jit = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
        private final Map<String, String> properties = new LinkedHashMap<>();
        private AutoCloseable ownServer;

        private Builder(Server server, Path dir) {
            this.server = server;
            this.dir = dir;
            properties.put("spring.datasource.hikari.maximum-pool-size", "5");
            properties.put("spring.datasource.hikari.minimum-idle", "1");
            properties.put("logging.level.root", "WARN");
            properties.put("logging.level.dev.sva.SvaApplication", "INFO"); // "Started SvaApplication in … seconds"
        }

        public Builder replicas(int n) {
            this.replicas = n;
            return this;
        }

        public Builder heap(String xmx) {
            this.heap = xmx;
            return this;
        }

        /** The JVM's collector and compiler flags instead of the tests' quick-start ones (a benchmark wants C2). */
        public Builder jvmFlags(String... flags) {
            this.jit = List.of(flags);
            return this;
        }

        /** A Spring property every replica starts with ({@code --name=value}). */
        public Builder property(String name, String value) {
            properties.put(name, value);
            return this;
        }

        /** Something the cluster's {@link #close} closes last (the server of its own a test started for it). */
        public Builder closing(AutoCloseable serverOfItsOwn) {
            this.ownServer = serverOfItsOwn;
            return this;
        }

        /** Makes the database and starts every replica, returning once all report ready. */
        public ReplicaCluster start(Duration readyWithin) throws IOException, InterruptedException {
            ReplicaCluster cluster = new ReplicaCluster(this);
            try {
                cluster.startAll(readyWithin);
            } catch (IOException | InterruptedException | RuntimeException | Error e) {
                cluster.close();
                throw e;
            }
            return cluster;
        }
    }

    /** One replica: its port, its client and its current process (replaced by {@link #restart}). */
    public static final class Replica {
        private final int index;
        private final int port;
        private final Api api;
        private volatile Process process;
        private volatile boolean paused;
        private volatile Path log;
        private int starts;

        private Replica(int index, int port) {
            this.index = index;
            this.port = port;
            this.api = new Api(port);
        }

        public int index() {
            return index;
        }

        public int port() {
            return port;
        }

        public Api api() {
            return api;
        }

        public long pid() {
            return process.pid();
        }

        public boolean alive() {
            return process != null && process.isAlive();
        }

        public boolean paused() {
            return paused;
        }

        public Path log() {
            return log;
        }

        @Override
        public String toString() {
            return "replica " + index + " (port " + port + (process == null ? "" : ", pid " + process.pid()) + ")";
        }
    }

    private final Builder config;
    private final String database;
    private final Path securityDir;
    private final List<Replica> replicas = new ArrayList<>();
    private boolean databaseMade;

    private ReplicaCluster(Builder config) throws IOException {
        this.config = config;
        this.database = "sva_r_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        this.securityDir = config.dir.resolve("security");
        for (int i = 0; i < config.replicas; i++) {
            replicas.add(new Replica(i, freePort()));
        }
        // a test JVM that exits without close() (a surefire timeout, Ctrl-C) leaves no replica running
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            for (Replica r : replicas) {
                Process p = r.process;
                if (p != null) {
                    p.destroyForcibly();
                }
            }
        }));
    }

    public List<Replica> replicas() {
        return replicas;
    }

    public Replica replica(int i) {
        return replicas.get(i);
    }

    public int size() {
        return replicas.size();
    }

    /** The cluster's database name. */
    public String database() {
        return database;
    }

    /** A new JDBC connection to the cluster's database, for the test's own checks. */
    public Connection connect() throws SQLException {
        return DriverManager.getConnection(config.server.url(database), config.server.user(), config.server.password());
    }

    private void startAll(Duration readyWithin) throws IOException, InterruptedException {
        try (Connection c = DriverManager.getConnection(config.server.url(config.server.adminDatabase()),
                config.server.user(), config.server.password()); Statement s = c.createStatement()) {
            s.execute("create database " + database);
            databaseMade = true;
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + database + " on " + config.server, e);
        }
        writeSigningKey();
        // side by side: Flyway serialises the replicas' migrations of the fresh schema with a database lock
        for (Replica r : replicas) {
            launch(r);
        }
        for (Replica r : replicas) {
            awaitReady(r, readyWithin);
        }
    }

    /** The chart shares one key between pods; here the key is made once, before any replica starts. */
    private void writeSigningKey() throws IOException {
        Files.createDirectories(securityDir);
        String jwk;
        try {
            jwk = new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate().toJSONString();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        Path file = securityDir.resolve("jwk.json");
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, jwk + "\n", StandardCharsets.UTF_8);
    }

    private synchronized void launch(Replica r) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, config.heap, "-Xss512k"));
        command.addAll(config.jit);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "dev.sva.SvaApplication",
                "--server.port=" + r.port,
                "--spring.profiles.active=postgres",
                "--spring.datasource.url=" + config.server.url(database),
                "--spring.datasource.username=" + config.server.user(),
                "--spring.datasource.password=" + config.server.password(),
                Api.adminTokenArgument(), Api.securityDirArgument(securityDir)));
        config.properties.forEach((k, v) -> command.add("--" + k + "=" + v));
        r.starts++;
        r.log = config.dir.resolve("replica-" + r.index + "-start-" + r.starts + ".log");
        r.paused = false;
        r.process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(r.log.toFile()).start();
    }

    /** Waits until the replica's readiness probe answers 200; fails when its JVM exits or time runs out. */
    public void awaitReady(Replica r, Duration within) throws InterruptedException {
        long until = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < until) {
            if (!r.alive()) {
                throw new AssertionError(r + " exited before it was ready; its log ends:\n" + logTail(r, 60));
            }
            if (readiness(r) == 200) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError(r + " was not ready within " + within + "; its log ends:\n" + logTail(r, 60));
    }

    /** The readiness probe's status, or -1 when nothing answers. */
    public int readiness(Replica r) {
        try {
            return r.api.get("/actuator/health/readiness").status();
        } catch (RuntimeException notListening) {
            return -1;
        }
    }

    /** {@code kill -9}: the JVM dies at once, without its shutdown hooks. */
    public void kill(Replica r) throws InterruptedException {
        if (r.paused) {
            resume(r); // a stopped process dies of SIGKILL too, but its socket then resets cleanly
        }
        r.process.destroyForcibly();
        r.process.waitFor(30, TimeUnit.SECONDS);
    }

    /** {@code kill -STOP}: the JVM is frozen, its sockets stay open (a long GC pause, a frozen VM). */
    public void pause(Replica r) {
        signal(r, "-STOP");
        r.paused = true;
    }

    /** {@code kill -CONT}. */
    public void resume(Replica r) {
        signal(r, "-CONT");
        r.paused = false;
    }

    /** Starts a new JVM for a killed replica, on its port, and waits until it is ready. */
    public void restart(Replica r, Duration readyWithin) throws IOException, InterruptedException {
        if (r.alive()) {
            kill(r);
        }
        launch(r);
        awaitReady(r, readyWithin);
    }

    private static void signal(Replica r, String signal) {
        try {
            Process kill = new ProcessBuilder("kill", signal, Long.toString(r.pid())).redirectErrorStream(true).start();
            if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
                throw new IllegalStateException("kill " + signal + " " + r + " failed: "
                        + new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The last lines of the replica's current log. */
    public static String logTail(Replica r, int lines) {
        try {
            List<String> all = Files.readAllLines(r.log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException | RuntimeException e) {
            return "(no log: " + e + ")";
        }
    }

    /** Kills every replica and drops the database. */
    @Override
    public void close() {
        for (Replica r : replicas) {
            if (r.process != null && r.process.isAlive()) {
                try {
                    kill(r);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } catch (RuntimeException e) {
                    r.process.destroyForcibly();
                }
            }
        }
        if (databaseMade) {
            try (Connection c = DriverManager.getConnection(config.server.url(config.server.adminDatabase()),
                    config.server.user(), config.server.password()); Statement s = c.createStatement()) {
                s.execute("drop database if exists " + database + " with (force)");
            } catch (SQLException ignored) {
                // the server is gone (a private one already stopped): nothing to clean
            }
        }
        if (config.ownServer != null) {
            try {
                config.ownServer.close();
            } catch (Exception e) {
                throw new IllegalStateException("cannot stop the cluster's server", e);
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
