package dev.sva.security;

import org.junit.jupiter.api.AfterAll;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The in-cluster issuer {@code https://kubernetes.default.svc.cluster.local}, whose discovery document is
 * not reachable without credentials: {@code sva.security.issuer} checks {@code iss}, and
 * {@code sva.security.jwk-set-uri} names where the keys are (the API server's {@code /openid/v1/jwks}).
 */
class ServiceAccountTokenJwkSetTest extends ServiceAccountTokenTests {

    static final ServiceAccountIssuer ISSUER = new ServiceAccountIssuer().named("https://kubernetes.default.svc.cluster.local");

    @DynamicPropertySource
    static void issuer(DynamicPropertyRegistry registry) {
        issuerProperties(registry, ISSUER, false);
    }

    @AfterAll
    static void stop() {
        ISSUER.close();
    }

    @Override
    ServiceAccountIssuer issuer() {
        return ISSUER;
    }
}
