package dev.sva.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replicas that share one data directory (compose's volume) and start together make the signing key and the admin
 * token once: every one of them uses the value that was published first, and none reads a half-written file.
 */
class SharedDataDirTest {

    private static final int REPLICAS = 4;

    @TempDir
    Path data;

    @RepeatedTest(10)
    void issuersStartingTogetherAgreeOnOneKeyAndOneAdminToken() throws Exception {
        SecurityProperties properties = new SecurityProperties(null, data, null, null, null, null, null, null, null, null, null);
        CyclicBarrier start = new CyclicBarrier(REPLICAS);
        ExecutorService pool = Executors.newFixedThreadPool(REPLICAS);
        try {
            List<Future<LocalIssuer>> issuers = new ArrayList<>();
            for (int i = 0; i < REPLICAS; i++) {
                issuers.add(pool.submit(() -> {
                    start.await();
                    return new LocalIssuer(properties);
                }));
            }
            List<LocalIssuer> started = new ArrayList<>();
            for (Future<LocalIssuer> f : issuers) {
                started.add(f.get());
            }
            String adminToken = Files.readString(data.resolve("admin.token")).strip();
            Object publishedKey = null;
            for (LocalIssuer issuer : started) {
                assertThat(issuer.isAdminToken(adminToken)).isTrue();
                if (publishedKey == null) {
                    publishedKey = issuer.publicJwks();
                }
                assertThat(issuer.publicJwks()).isEqualTo(publishedKey);
            }
            try (var files = Files.list(data)) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("admin.token", "jwk.json");
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
