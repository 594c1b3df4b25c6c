package dev.sva.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.JwsHeader;
import org.springframework.security.oauth2.jwt.JwtClaimsSet;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtEncoderParameters;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.NimbusJwtEncoder;

/**
 * The embedded issuer of {@code sva.security.mode=local}: an RSA signing key kept as a JWK in
 * {@code <dataDir>/jwk.json} and the admin's bearer secret in {@code <dataDir>/admin.token} (both mode
 * 0600, made at first start, read at every later one), or the secret given as
 * {@code sva.security.admin-token}. Replicas share both by sharing the directory (docs/replicas.md); the
 * first to start makes them. Immutable once built; thread safe.
 */
final class LocalIssuer {

    private static final Logger log = LoggerFactory.getLogger(LocalIssuer.class);

    private final SecurityProperties properties;
    private final RSAKey key;
    private final byte[] adminTokenDigest;
    private final NimbusJwtEncoder encoder;

    LocalIssuer(SecurityProperties properties) {
        this.properties = properties;
        Path dir = properties.dataDir();
        this.key = signingKey(dir.resolve("jwk.json"));
        String admin = properties.adminToken();
        if (admin == null) {
            Path file = dir.resolve("admin.token");
            admin = readOrCreate(file, LocalIssuer::randomSecret);
            log.info("admin token is in {} (send it as 'Authorization: Bearer <token>')", file.toAbsolutePath());
        } else {
            log.info("admin token is the one given in sva.security.admin-token");
        }
        this.adminTokenDigest = sha256(admin);
        this.encoder = new NimbusJwtEncoder(new ImmutableJWKSet<>(new JWKSet(key)));
    }

    /** Whether {@code token} is the admin secret, compared in constant time (of digests, so lengths do not leak). */
    boolean isAdminToken(String token) {
        return MessageDigest.isEqual(adminTokenDigest, sha256(token));
    }

    /** Checks signatures with the public key only; claims are checked by the validators the caller sets. */
    NimbusJwtDecoder decoder() {
        try {
            return NimbusJwtDecoder.withPublicKey(key.toRSAPublicKey()).signatureAlgorithm(SignatureAlgorithm.RS256).build();
        } catch (JOSEException e) {
            throw new IllegalStateException("the signing key has no usable public part", e);
        }
    }

    /** The public key set, as {@code /.well-known/jwks.json} serves it. */
    Map<String, Object> publicJwks() {
        return new JWKSet(key.toPublicJWK()).toJSONObject(true);
    }

    /** A signed token for this identity, valid from now until {@code expiresAt}. */
    String mint(String subject, Role role, String tenant, String node, Instant issuedAt, Instant expiresAt) {
        JwtClaimsSet.Builder claims = JwtClaimsSet.builder()
                .issuer(properties.issuer())
                .audience(java.util.List.of(properties.audience()))
                .subject(subject)
                .id(UUID.randomUUID().toString())
                .issuedAt(issuedAt)
                .notBefore(issuedAt)
                .expiresAt(expiresAt)
                .claim(properties.roleClaim(), role.scope());
        if (tenant != null) {
            claims.claim(properties.tenantClaim(), tenant);
        }
        if (node != null) {
            claims.claim(properties.nodeClaim(), node);
        }
        JwsHeader header = JwsHeader.with(SignatureAlgorithm.RS256).keyId(key.getKeyID()).build();
        return encoder.encode(JwtEncoderParameters.from(header, claims.build())).getTokenValue();
    }

    private static RSAKey signingKey(Path file) {
        String json = readOrCreate(file, () -> {
            try {
                return new RSAKeyGenerator(2048).keyID(UUID.randomUUID().toString()).generate().toJSONString();
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot make a signing key", e);
            }
        });
        try {
            return RSAKey.parse(json);
        } catch (ParseException e) {
            throw new IllegalStateException(file + " does not hold an RSA JWK; delete it to make a new key", e);
        }
    }

    /**
     * The file's content; at first start, {@code make}'s result written to a new file of mode 0600
     * (created with that mode, so it is never readable by others, not even for a moment).
     */
    private static String readOrCreate(Path file, java.util.function.Supplier<String> make) {
        try {
            if (Files.exists(file)) {
                return Files.readString(file, StandardCharsets.UTF_8).strip();
            }
            Path dir = file.toAbsolutePath().getParent();
            Files.createDirectories(dir);
            String value = make.get();
            // written whole to a file of its own, then linked to its name in one step: replicas starting at
            // once on a shared directory never read a half-written file, and all keep the first one linked
            Path written = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
            try {
                Files.createFile(written, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException notPosix) {
                log.warn("{} is made with the file system's default permissions: it has no POSIX modes to make it "
                        + "readable by its owner only", file.toAbsolutePath());
                Files.createFile(written);
            }
            try {
                Files.writeString(written, value + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
                try {
                    Files.createLink(file, written);
                } catch (FileAlreadyExistsException raced) {
                    throw raced;
                } catch (UnsupportedOperationException | IOException noLinks) {
                    // a file system without hard links (some volume drivers) answers EPERM or ENOTSUP: a move
                    // that refuses to replace the name is the next best publication
                    Files.move(written, file);
                }
            } catch (FileAlreadyExistsException raced) {
                return Files.readString(file, StandardCharsets.UTF_8).strip();
            } finally {
                Files.deleteIfExists(written);
            }
            return value;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or create " + file, e);
        }
    }

    private static String randomSecret() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
