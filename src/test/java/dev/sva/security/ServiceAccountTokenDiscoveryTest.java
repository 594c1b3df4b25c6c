package dev.sva.security;

import org.junit.jupiter.api.AfterAll;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * {@code sva.security.issuer} alone: the service finds the JWK set by OIDC discovery
 * ({@code <issuer>/.well-known/openid-configuration}), as for a cluster whose service-account issuer is
 * published (EKS, GKE, or {@code --service-account-issuer} with anonymous discovery).
 */
class ServiceAccountTokenDiscoveryTest extends ServiceAccountTokenTests {

    static final ServiceAccountIssuer ISSUER = new ServiceAccountIssuer();

    @DynamicPropertySource
    static void issuer(DynamicPropertyRegistry registry) {
        issuerProperties(registry, ISSUER, true);
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
