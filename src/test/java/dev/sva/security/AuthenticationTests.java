package dev.sva.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * SECURITY.md "Identities and tokens": without a valid bearer token every {@code /api/**} request is
 * {@code 401 UNAUTHENTICATED} with {@code WWW-Authenticate: Bearer}, and changes nothing; tokens the
 * service mints work until they expire; the public key set is open, and holds no private part.
 */
abstract class AuthenticationTests extends ApiTest {

    @Autowired
    SecurityProperties security;

    /** A node create with {@code token}: refused 401 and no node made. */
    private void refusedAndNothingChanged(Api caller, String why) {
        String name = Api.uniqueNode();
        Response r = caller.post("/api/v1/nodes", Api.json(Map.of("name", name)));
        assertProblem(r, 401, "UNAUTHENTICATED");
        assertThat(r.header("WWW-Authenticate")).as("%s: %s", why, r).startsWith("Bearer");
        assertThat(api.get("/api/v1/nodes/" + name).status()).as("%s: the node was not made", why).isEqualTo(404);
        assertProblem(caller.get("/api/v1/nodes/" + node), 401, "UNAUTHENTICATED");
    }

    private String forged(java.util.function.Consumer<JWTClaimsSet.Builder> change) {
        JWTClaimsSet.Builder claims = Tokens.goodClaims().claim("scope", "sva:admin");
        change.accept(claims);
        return Tokens.sign(Tokens.serviceKey(security.dataDir()), claims.build());
    }

    @Test
    void aRequestWithoutTokenIsUnauthenticated() {
        Response r = api.as(null).get("/api/v1/nodes");
        assertProblem(r, 401, "UNAUTHENTICATED");
        assertThat(r.header("WWW-Authenticate")).isEqualTo("Bearer");
        refusedAndNothingChanged(api.as(null), "no token");
    }

    @Test
    void malformedAndForeignSchemesAreUnauthenticated() {
        refusedAndNothingChanged(api.as("not-a-token"), "garbage");
        refusedAndNothingChanged(api.as("a.b.c"), "three garbage parts");
        refusedAndNothingChanged(api.withAuthorization("Basic YWRtaW46YWRtaW4="), "basic");
        refusedAndNothingChanged(api.withAuthorization("Bearer"), "empty bearer");
        refusedAndNothingChanged(api.as(Api.ADMIN_TOKEN + "x"), "the admin token with one more character");
        refusedAndNothingChanged(api.as(Api.ADMIN_TOKEN.substring(1)), "the admin token without its first character");
        Response invalid = api.as("not-a-token").get("/api/v1/nodes");
        assertThat(invalid.header("WWW-Authenticate")).as("RFC 6750 error").contains("error=\"invalid_token\"");
    }

    @Test
    void aForgedTokenSignedWithTheServiceKeyIsAccepted() {
        // the control case for the tests below: only the one claim they change makes them fail
        assertThat(api.as(forged(c -> { })).get("/api/v1/nodes/" + node).status()).isEqualTo(200);
    }

    @Test
    void aMegabyteTokenIsRefusedAsItsHeaderIsTooLargeAndChangesNothing() {
        String name = Api.uniqueNode();
        Response r = api.as("a".repeat(1 << 20)).post("/api/v1/nodes", Api.json(Map.of("name", name)));
        // the head cannot even be read (server.max-http-request-header-size), so no token is looked at
        assertProblem(r, 400, "VALIDATION_FAILED");
        assertThat(r.str("field")).as("%s", r).isEqualTo("headers");
        assertThat(api.get("/api/v1/nodes/" + name).status()).as("the node was not made").isEqualTo(404);
    }

    @Test
    void expiredTokenIsUnauthenticated() {
        Instant past = Instant.now().minusSeconds(3600);
        refusedAndNothingChanged(api.as(forged(c -> c.issueTime(Date.from(past.minusSeconds(60)))
                .notBeforeTime(Date.from(past.minusSeconds(60))).expirationTime(Date.from(past)))), "expired");
    }

    @Test
    void tokenWithoutExpiryIsUnauthenticated() {
        refusedAndNothingChanged(api.as(forged(c -> c.expirationTime(null))), "no exp");
    }

    @Test
    void tokenNotYetValidIsUnauthenticated() {
        Instant future = Instant.now().plusSeconds(3600);
        refusedAndNothingChanged(api.as(forged(c -> c.notBeforeTime(Date.from(future))
                .expirationTime(Date.from(future.plusSeconds(600))))), "nbf in an hour");
    }

    @Test
    void tokenSignedByAnotherKeyIsUnauthenticated() {
        RSAKey stranger = Tokens.strangerKey();
        JWTClaimsSet claims = Tokens.goodClaims().claim("scope", "sva:admin").build();
        refusedAndNothingChanged(api.as(Tokens.sign(stranger, claims)), "signed by another key");
    }

    @Test
    void tokenOfAnotherIssuerOrAudienceIsUnauthenticated() {
        refusedAndNothingChanged(api.as(forged(c -> c.issuer("https://evil.example"))), "other issuer");
        refusedAndNothingChanged(api.as(forged(c -> c.issuer(null))), "no issuer");
        refusedAndNothingChanged(api.as(forged(c -> c.audience("someone-else"))), "other audience");
        refusedAndNothingChanged(api.as(forged(c -> c.audience((String) null))), "no audience");
    }

    @Test
    void unsignedTokenIsUnauthenticated() {
        refusedAndNothingChanged(api.as(Tokens.unsigned(Tokens.goodClaims().claim("scope", "sva:admin").build())),
                "alg none");
    }

    @Test
    void claimsOfTheWrongTypeAreUnauthenticated() {
        refusedAndNothingChanged(api.as(forged(c -> c.claim("sva_tenant", 42))), "tenant a number");
        refusedAndNothingChanged(api.as(forged(c -> c.claim("sva_tenant", Map.of("id", "a")))), "tenant an object");
        refusedAndNothingChanged(api.as(forged(c -> c.claim("sva_tenant", List.of("a", "b")))), "tenant a list");
        refusedAndNothingChanged(api.as(forged(c -> c.claim("sva_node", true))), "node a boolean");
        refusedAndNothingChanged(api.as(forged(c -> c.claim("scope", 7))), "scope a number");
        refusedAndNothingChanged(api.as(forged(c -> c.claim("scope", "openid profile"))), "no sva role");
    }

    @Test
    void aMintedTokenActsWithItsRoleUntilItExpires() {
        Response minted = api.post("/api/v1/tokens", Api.json(Map.of("role", "sva:viewer", "expiresIn", 120)));
        assertThat(minted.status()).as("%s", minted).isEqualTo(201);
        Instant expiresAt = Instant.parse(minted.str("expiresAt"));
        assertThat(expiresAt).isBetween(Instant.now().plusSeconds(100), Instant.now().plusSeconds(125));
        Api viewer = api.as(minted.str("token"));
        assertThat(viewer.get("/api/v1/nodes/" + node).status()).isEqualTo(200);
        assertProblem(viewer.post("/api/v1/nodes", Api.json(Map.of("name", Api.uniqueNode()))), 403, "FORBIDDEN");
    }

    @Test
    void mintingRefusesBadRequestsNamingTheField() {
        assertThat(assertProblem(mint(Map.of("expiresIn", 60)), 400, "VALIDATION_FAILED").str("field")).isEqualTo("role");
        assertThat(assertProblem(mint(Map.of("role", "root")), 400, "VALIDATION_FAILED").str("field")).isEqualTo("role");
        assertThat(assertProblem(mint(Map.of("role", "sva:tenant")), 400, "VALIDATION_FAILED").str("field")).isEqualTo("tenant");
        assertThat(assertProblem(mint(Map.of("role", "sva:agent")), 400, "VALIDATION_FAILED").str("field")).isEqualTo("node");
        assertThat(assertProblem(mint(Map.of("role", "sva:viewer", "tenant", "acme")), 400, "VALIDATION_FAILED")
                .str("field")).isEqualTo("tenant");
        assertThat(assertProblem(mint(Map.of("role", "sva:tenant", "tenant", "has space")), 400, "VALIDATION_FAILED")
                .str("field")).isEqualTo("tenant");
        assertThat(assertProblem(mint(Map.of("role", "sva:viewer", "expiresIn", 0)), 400, "VALIDATION_FAILED")
                .str("field")).isEqualTo("expiresIn");
        assertThat(assertProblem(mint(Map.of("role", "sva:viewer", "expiresIn", 31_536_001)), 400, "VALIDATION_FAILED")
                .str("field")).isEqualTo("expiresIn");
        assertThat(mint(Map.of("role", "sva:viewer", "expiresIn", 31_536_000)).status()).isEqualTo(201);
    }

    private Response mint(Map<String, Object> body) {
        return api.post("/api/v1/tokens", Api.json(new LinkedHashMap<>(body)));
    }

    @Test
    void theKeySetIsOpenAndPublic() {
        Response jwks = api.as(null).get("/.well-known/jwks.json");
        assertThat(jwks.status()).as("%s", jwks).isEqualTo(200);
        assertThat(jwks.body().path("keys")).hasSize(1);
        assertThat(jwks.body().path("keys").get(0).path("n").isMissingNode()).isFalse();
        assertThat(jwks.body().path("keys").get(0).path("d").isMissingNode()).as("no private exponent").isTrue();
        assertThat(jwks.body().path("keys").get(0).path("kid").asString())
                .isEqualTo(Tokens.serviceKey(security.dataDir()).getKeyID());
    }

    @Test
    void theHealthProbesAndTheApiDocumentStayOpen() {
        assertThat(api.as(null).get("/actuator/health/liveness").status()).isEqualTo(200);
        assertThat(api.as(null).get("/v3/api-docs").status()).isEqualTo(200);
    }
}
