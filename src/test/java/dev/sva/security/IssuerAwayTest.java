package dev.sva.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code mode=jwt} with the issuer away: the service starts without it (its keys are fetched at the first
 * token), answers every token {@code 401 UNAUTHENTICATED} naming why while the issuer cannot be reached
 * (never a 5xx), and accepts the same token once the issuer is back.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
        "spring.datasource.url=jdbc:h2:mem:sva-${random.uuid};DB_CLOSE_DELAY=-1;LOCK_TIMEOUT=10000",
        "logging.level.dev.sva.core.ProblemHandler=WARN",
        "sva.security.mode=jwt",
        "sva.security.audience=sva",
        "sva.security.subjects[0].subject=system:serviceaccount:sva-system:sva-operator",
        "sva.security.subjects[0].role=sva:admin"
})
class IssuerAwayTest {

    /** The issuer's key and address; its server is stopped before the service starts. */
    private static final RSAKey KEY;
    private static final int ISSUER_PORT;
    private static final String TOKEN;

    static {
        try (ServiceAccountIssuer once = new ServiceAccountIssuer()) {
            KEY = once.key();
            ISSUER_PORT = once.port();
            TOKEN = once.sign(once.claims("sva-system", "sva-operator", "sva").build());
        }
    }

    @DynamicPropertySource
    static void issuer(DynamicPropertyRegistry registry) {
        registry.add("sva.security.issuer", () -> "http://127.0.0.1:" + ISSUER_PORT);
    }

    @LocalServerPort
    int port;

    @Test
    void whileTheIssuerIsAwayTokensAreUnauthenticatedAndOnceItIsBackTheyAreAccepted() {
        Api operator = new Api(port).as(TOKEN);
        String name = Api.uniqueNode();
        Response away = operator.post("/api/v1/nodes", Api.json(Map.of("name", name)));
        assertThat(away.status()).as("%s", away).isEqualTo(401);
        assertThat(away.code()).isEqualTo("UNAUTHENTICATED");
        assertThat(away.str("detail")).contains("the issuer's keys cannot be fetched now");

        try (ServiceAccountIssuer back = new ServiceAccountIssuer(KEY, ISSUER_PORT)) {
            Response made = operator.post("/api/v1/nodes", Api.json(Map.of("name", name)));
            assertThat(made.status()).as("%s", made).isEqualTo(201);
            assertThat(operator.get("/api/v1/nodes/" + name).status()).isEqualTo(200);
        }
    }
}
