package dev.sva.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.SvaApplication;
import dev.sva.support.Api;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * SECURITY.md "Embedded default": with no admin token given, the first start makes the signing key and
 * {@code admin.token} in the data directory, readable by the owner only; the token in the file is the
 * admin's, and a second start keeps both.
 */
class FirstStartTest {

    @TempDir
    Path data;

    private ConfigurableApplicationContext start() {
        return new SpringApplicationBuilder(SvaApplication.class).run("--server.port=0",
                "--spring.datasource.url=jdbc:h2:file:" + data.resolve("sva").toAbsolutePath() + ";WRITE_DELAY=0",
                "--spring.main.banner-mode=off", "--logging.level.root=WARN",
                "--sva.security.admin-token=", // not the tests' fixed token, nor SVA_ADMIN_TOKEN of the environment
                Api.securityDirArgument(data));
    }

    private static Api api(ConfigurableApplicationContext app) {
        return new Api(((WebServerApplicationContext) app).getWebServer().getPort());
    }

    @Test
    void firstStartMakesAnOwnerOnlyAdminTokenThatWorks() throws Exception {
        String token;
        String key;
        try (ConfigurableApplicationContext app = start()) {
            Path file = data.resolve("admin.token");
            assertThat(file).exists();
            assertThat(Files.getPosixFilePermissions(file))
                    .containsExactlyInAnyOrder(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);
            assertThat(Files.getPosixFilePermissions(data.resolve("jwk.json")))
                    .isEqualTo(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
            token = Files.readString(file).strip();
            key = Files.readString(data.resolve("jwk.json"));
            assertThat(token).hasSizeGreaterThanOrEqualTo(SecurityProperties.MIN_ADMIN_TOKEN_LENGTH);
            assertThat(api(app).as(token).get("/api/v1/nodes").status()).isEqualTo(200);
            assertThat(api(app).as(Api.ADMIN_TOKEN).get("/api/v1/nodes").status()).as("the tests' token is not this one")
                    .isEqualTo(401);
            assertThat(api(app).as(token).post("/api/v1/tokens", Api.json(java.util.Map.of("role", "sva:viewer")))
                    .status()).isEqualTo(201);
        }
        try (ConfigurableApplicationContext again = start()) {
            assertThat(Files.readString(data.resolve("admin.token")).strip()).isEqualTo(token);
            assertThat(Files.readString(data.resolve("jwk.json"))).isEqualTo(key);
            assertThat(api(again).as(token).get("/api/v1/nodes").status()).isEqualTo(200);
        }
    }

    /**
     * Replicas sharing a data directory may start at the same moment (docs/replicas.md): each makes a key
     * and a token, and every one of them keeps the same pair, never a half-written file.
     */
    @Test
    void issuersStartingAtOnceOnOneDirectoryShareOneKeyAndOneToken() throws Exception {
        SecurityProperties properties = new SecurityProperties(null, data, null, null, null, null, null, null, null, null, null);
        int n = 8;
        java.util.concurrent.CyclicBarrier together = new java.util.concurrent.CyclicBarrier(n);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(n);
        try {
            java.util.List<java.util.concurrent.Future<LocalIssuer>> started = new java.util.ArrayList<>();
            for (int i = 0; i < n; i++) {
                started.add(pool.submit(() -> {
                    together.await();
                    return new LocalIssuer(properties);
                }));
            }
            String token = null;
            for (var f : started) {
                LocalIssuer issuer = f.get();
                assertThat(issuer.publicJwks()).isEqualTo(new LocalIssuer(properties).publicJwks());
                token = token == null ? Files.readString(data.resolve("admin.token")).strip() : token;
                assertThat(issuer.isAdminToken(token)).isTrue();
            }
            try (var files = Files.list(data)) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("admin.token", "jwk.json");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
