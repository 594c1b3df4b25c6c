package dev.sva.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import tools.jackson.databind.json.JsonMapper;

/**
 * A stand-in for the Kubernetes API server as an OIDC issuer of projected service-account tokens, over
 * real HTTP: {@code <base>/.well-known/openid-configuration} (the discovery document, as
 * {@code kube-apiserver} serves it) and {@code <base>/openid/v1/jwks} (the public keys). Its RSA key is
 * made with Nimbus; {@link #token} signs claims shaped like a projected token: {@code iss}, {@code aud},
 * {@code sub: system:serviceaccount:<ns>:<name>}, {@code iat}/{@code nbf}/{@code exp} and the
 * {@code kubernetes.io} claim with namespace, service account and pod.
 */
final class ServiceAccountIssuer implements AutoCloseable {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final HttpServer server;
    private final RSAKey key;
    private final AtomicInteger jwksRequests = new AtomicInteger();
    /** The {@code iss} of its tokens and of its discovery document. */
    private volatile String issuer;

    /** A new key, on a free port. */
    ServiceAccountIssuer() {
        this(newKey(), 0);
    }

    /** {@code key} on {@code port} (0: a free one): an issuer that comes back where it was, with the key it had. */
    ServiceAccountIssuer(RSAKey key, int port) {
        this.key = key;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        issuer = base();
        server.createContext("/.well-known/openid-configuration", exchange -> {
            byte[] body = JSON.writeValueAsBytes(Map.of(
                    "issuer", issuer,
                    "jwks_uri", jwksUri(),
                    "response_types_supported", List.of("id_token"),
                    "subject_types_supported", List.of("public"),
                    "id_token_signing_alg_values_supported", List.of("RS256")));
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/openid/v1/jwks", exchange -> {
            jwksRequests.incrementAndGet();
            byte[] body = new JWKSet(key.toPublicJWK()).toString(true).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "application/jwk-set+json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    private static RSAKey newKey() {
        try {
            return new RSAKeyGenerator(2048).keyID("k8s-sa-key").generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    RSAKey key() {
        return key;
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** {@code http://127.0.0.1:<port>}: where discovery starts. */
    String base() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    String jwksUri() {
        return base() + "/openid/v1/jwks";
    }

    /** Makes the issuer name itself (in tokens and discovery) {@code issuer} rather than its own address. */
    ServiceAccountIssuer named(String issuer) {
        this.issuer = issuer;
        return this;
    }

    String issuer() {
        return issuer;
    }

    int jwksRequests() {
        return jwksRequests.get();
    }

    /** The claims of a projected token for {@code namespace/serviceAccount}, valid for 10 minutes. */
    JWTClaimsSet.Builder claims(String namespace, String serviceAccount, String audience) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(issuer)
                .audience(List.of(audience))
                .subject("system:serviceaccount:" + namespace + ":" + serviceAccount)
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(600)))
                .claim("kubernetes.io", Map.of(
                        "namespace", namespace,
                        "serviceaccount", Map.of("name", serviceAccount, "uid", "0f4e3a52-5d1c-4d4e-9a0e-1b2c3d4e5f60"),
                        "pod", Map.of("name", serviceAccount + "-7d9f8", "uid", "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")));
    }

    /** The claims signed with this issuer's key. */
    String sign(JWTClaimsSet claims) {
        return Tokens.sign(key, claims);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
