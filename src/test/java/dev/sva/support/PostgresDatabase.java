package dev.sva.support;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.springframework.boot.test.util.TestPropertyValues;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * The PostgreSQL the tests use, found once per JVM. Every Spring context gets a schema of its own
 * ({@link #newSchema}), dropped when the JVM exits, so runs and contexts never see each other's rows —
 * nor each other's replicas: contexts left running in Spring's test context cache would otherwise be
 * one replica set, and a writer of one would wait for the others (docs/replicas.md). Tests of several
 * replicas start their contexts on one schema of their own.
 */
public final class PostgresDatabase {

    private static final boolean CI = "true".equalsIgnoreCase(System.getenv("CI"));
    private static volatile PostgresDatabase instance;
    private static volatile String unavailable;

    final String url;
    final String user;
    final String password;
    private final java.util.List<String> schemas = new java.util.concurrent.CopyOnWriteArrayList<>();

    private PostgresDatabase(String url, String user, String password) {
        this.url = url;
        this.user = user;
        this.password = password;
    }

    static synchronized PostgresDatabase get() {
        if (instance != null || unavailable != null) {
            return instance;
        }
        try {
            if (dockerAvailable()) {
                PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
                container.start();
                Runtime.getRuntime().addShutdownHook(new Thread(container::stop));
                instance = new PostgresDatabase(container.getJdbcUrl(), container.getUsername(), container.getPassword());
            } else {
                String url = env("SVA_TEST_PG_URL", "jdbc:postgresql://127.0.0.1:5432/test");
                PostgresDatabase db = new PostgresDatabase(url, env("SVA_TEST_PG_USER", "postgres"), env("SVA_TEST_PG_PASSWORD", ""));
                try (Connection ignored = db.connect()) {
                    instance = db;
                }
            }
            instance.dropSchemasAtExit();
        } catch (Exception | LinkageError e) {
            unavailable = e.toString();
        }
        return instance;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable t) {
            return false;
        }
    }

    private Connection connect() throws SQLException {
        return DriverManager.getConnection(url, user, password);
    }

    /** A new, empty schema, dropped when the JVM exits; Flyway fills it when a context starts on it. */
    public String newSchema() {
        String schema = "sva_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        try (Connection c = connect(); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create a test schema", e);
        }
        schemas.add(schema);
        return schema;
    }

    private void dropSchemasAtExit() {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (Connection c = connect(); Statement s = c.createStatement()) {
                for (String schema : schemas) {
                    s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
                }
            } catch (SQLException ignored) {
                // the server went first; nothing to clean
            }
        }));
    }

    /** The JDBC URL of {@code schema}. */
    public String jdbcUrl(String schema) {
        return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }

    /** The properties that point a context at {@code schema} (datasource and Flyway). */
    public String[] properties(String schema) {
        return new String[]{
                "spring.datasource.url=" + jdbcUrl(schema),
                "spring.datasource.username=" + user,
                "spring.datasource.password=" + password,
                "spring.flyway.schemas=" + schema,
                "spring.flyway.default-schema=" + schema,
                // contexts the test framework keeps cached give their idle connections back: a full build holds
                // many of them at once, and the server's max_connections (100 by default) is shared by them all
                "spring.datasource.hikari.minimum-idle=0",
                "spring.datasource.hikari.idle-timeout=10000"};
    }

    /**
     * Points the context's datasource at the test PostgreSQL through a new {@link TcpProxy}, which the
     * test then cuts and restores; fails when there is no PostgreSQL (these tests exist to use it).
     */
    public static TcpProxy throughProxy(org.springframework.test.context.DynamicPropertyRegistry registry)
            throws java.io.IOException {
        PostgresDatabase db = orNull();
        if (db == null) {
            throw new IllegalStateException("this test needs PostgreSQL");
        }
        TcpProxy proxy = new TcpProxy(db.port());
        String schema = db.newSchema();
        registry.add("spring.datasource.url", () -> db.jdbcUrlVia(schema, proxy.port()));
        registry.add("spring.datasource.username", db::user);
        registry.add("spring.datasource.password", db::password);
        registry.add("spring.flyway.schemas", () -> schema);
        registry.add("spring.flyway.default-schema", () -> schema);
        return proxy;
    }

    /** The schema's URL with the server's port replaced, to reach it through a {@link TcpProxy}. */
    public String jdbcUrlVia(String schema, int port) {
        return jdbcUrl(schema).replaceFirst("//([^/:]+)(:\\d+)?/", "//127.0.0.1:" + port + "/");
    }

    /** The server's TCP port. */
    public int port() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("//[^/:]+:(\\d+)/").matcher(url);
        return m.find() ? Integer.parseInt(m.group(1)) : 5432;
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** The database, or {@code null} when none is reachable (the {@link Condition} has decided what that means). */
    public static PostgresDatabase orNull() {
        return get();
    }

    private static String env(String name, String fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : v;
    }

    /** Skips PostgreSQL tests where none is reachable, visibly; under {@code CI=true} lets them run and fail. */
    public static final class Condition implements ExecutionCondition {
        @Override
        public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
            if (get() != null) {
                return ConditionEvaluationResult.enabled("PostgreSQL at " + instance.url);
            }
            String message = "PostgreSQL not reachable (" + unavailable + "); set SVA_TEST_PG_URL or start one";
            if (CI) {
                return ConditionEvaluationResult.enabled("CI=true: running anyway so that the missing PostgreSQL fails the build: " + message);
            }
            System.err.println("SKIPPED PostgreSQL tests: " + message);
            return ConditionEvaluationResult.disabled("SKIPPED: " + message);
        }
    }

    /** Points the Spring context at the PostgreSQL schema; fails the context when there is none. */
    public static final class Initializer implements ApplicationContextInitializer<ConfigurableApplicationContext> {
        @Override
        public void initialize(ConfigurableApplicationContext context) {
            PostgresDatabase db = get();
            if (db == null) {
                throw new IllegalStateException("PostgreSQL tests need a PostgreSQL server: " + unavailable);
            }
            TestPropertyValues.of(db.properties(db.newSchema())).applyTo(context);
        }
    }
}
