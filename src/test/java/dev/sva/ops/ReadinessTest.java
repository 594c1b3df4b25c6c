package dev.sva.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.PostgresDatabase;
import dev.sva.support.TcpProxy;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Readiness follows the database: the service reaches the real PostgreSQL through a proxy this test
 * cuts and restores, and {@code /actuator/health/readiness} turns DOWN (503) while the database is
 * unreachable and UP again when it returns; liveness stays UP throughout, so Kubernetes stops routing
 * to the pod without restarting it.
 */
@ExtendWith(PostgresDatabase.Condition.class)
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.profiles.active=postgres",
        "sva.security.admin-token=" + Api.ADMIN_TOKEN,
        "sva.security.data-dir=target/test-security/${random.uuid}",
        "spring.datasource.hikari.connection-timeout=1000",
        "spring.datasource.hikari.validation-timeout=500",
        "management.endpoint.health.cache.time-to-live=0"
})
class ReadinessTest {

    private static TcpProxy proxy;

    @LocalServerPort
    int port;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) throws IOException {
        proxy = PostgresDatabase.throughProxy(registry);
    }

    @AfterAll
    static void stop() throws IOException {
        if (proxy != null) {
            proxy.cut();
        }
    }

    @Test
    void readinessFollowsTheDatabaseAndLivenessDoesNot() throws Exception {
        Api api = new Api(port);
        assertThat(api.get("/actuator/health/readiness").status()).isEqualTo(200);

        proxy.cut();
        assertThat(await(api, 503)).as("readiness DOWN without the database").isTrue();
        assertThat(api.get("/actuator/health/liveness").status()).isEqualTo(200);

        proxy.restore();
        assertThat(await(api, 200)).as("readiness UP once the database is back").isTrue();
        assertThat(api.get("/api/v1/policy").status()).isEqualTo(200);
    }

    private static boolean await(Api api, int status) throws InterruptedException {
        Instant until = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(until)) {
            if (api.get("/actuator/health/readiness").status() == status) {
                return true;
            }
            Thread.sleep(200);
        }
        return false;
    }
}
