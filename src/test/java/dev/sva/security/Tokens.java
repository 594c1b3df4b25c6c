package dev.sva.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Tokens for tests, made with Nimbus: minted by the service ({@link #mint}), or forged with the service's
 * own signing key (read from its data directory) or with a key of its own, to make tokens that are
 * signed correctly yet wrong in one claim.
 */
final class Tokens {

    private Tokens() {
    }

    /** A token the service mints for this role ({@code tenant}, {@code node} may be null). */
    static String mint(Api admin, String role, String tenant, String node) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("role", role);
        if (tenant != null) {
            body.put("tenant", tenant);
        }
        if (node != null) {
            body.put("node", node);
        }
        body.put("expiresIn", 600);
        Response r = admin.post("/api/v1/tokens", Api.json(body));
        if (r.status() != 201) {
            throw new AssertionError("mint " + body + ": " + r);
        }
        return r.str("token");
    }

    /** The claims of a good token of the embedded issuer with its defaults: a viewer, valid for 10 minutes. */
    static JWTClaimsSet.Builder goodClaims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer("sva-local")
                .audience("sva")
                .subject("forged")
                .issueTime(Date.from(now))
                .notBeforeTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(600)))
                .claim("scope", "sva:viewer");
    }

    /** The service's signing key, as it keeps it under {@code dataDir}. */
    static RSAKey serviceKey(Path dataDir) {
        try {
            return RSAKey.parse(Files.readString(dataDir.resolve("jwk.json")).strip());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ParseException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A key the service has never seen. */
    static RSAKey strangerKey() {
        try {
            return new RSAKeyGenerator(2048).keyID("stranger").generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    static String sign(RSAKey key, JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The same claims, unsigned ({@code alg: none}). */
    static String unsigned(JWTClaimsSet claims) {
        return new PlainJWT(claims).serialize();
    }
}
