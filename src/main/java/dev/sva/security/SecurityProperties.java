package dev.sva.security;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings under {@code sva.security.*}.
 *
 * @param mode          {@code local} (default): the service issues and checks its own tokens; {@code jwt}: an
 *                      external OAuth2/OIDC issuer does, the service only checks them
 * @param dataDir       where {@code local} mode keeps its signing key ({@code jwk.json}) and {@code admin.token}
 *                      (default {@code ./data}, beside the H2 file database)
 * @param adminToken    {@code local} mode: the admin's bearer secret (env {@code SVA_ADMIN_TOKEN}), at least 32
 *                      characters; without it one is made at first start and kept in {@code admin.token}
 * @param issuer        the {@code iss} tokens carry ({@code local}: what it signs, default {@code sva-local};
 *                      {@code jwt}: the issuer's URL, used for discovery unless {@code jwkSetUri} is given)
 * @param jwkSetUri     {@code jwt} mode: where the issuer's public keys are (skips discovery)
 * @param audience      the {@code aud} every token must name (default {@code sva})
 * @param roleClaim     the claim holding the role(s): a space-separated string or a list (default {@code scope})
 * @param tenantClaim   the claim holding the tenant, a string (default {@code sva_tenant})
 * @param nodeClaim     the claim holding the agent's node, a string (default {@code sva_node})
 * @param clockSkew     tolerance for {@code exp} and {@code nbf} (default 30 s)
 * @param subjects      identities given by subject, for issuers that cannot put our claims in their tokens
 *                      (Kubernetes service accounts: {@code system:serviceaccount:<namespace>:<name>})
 */
@ConfigurationProperties("sva.security")
public record SecurityProperties(Mode mode, Path dataDir, String adminToken, String issuer, String jwkSetUri,
                                 String audience, String roleClaim, String tenantClaim, String nodeClaim,
                                 Duration clockSkew, List<SubjectMapping> subjects) {

    /** The shortest admin secret accepted: 32 characters of a random token are 192 bits or more. */
    public static final int MIN_ADMIN_TOKEN_LENGTH = 32;

    public enum Mode { LOCAL, JWT }

    /** The role, tenant and node of the tokens whose {@code sub} is {@code subject}; they win over the token's claims. */
    public record SubjectMapping(String subject, String role, String tenant, String node) {
    }

    public SecurityProperties {
        mode = mode == null ? Mode.LOCAL : mode;
        dataDir = dataDir == null ? Path.of("data") : dataDir;
        adminToken = adminToken == null || adminToken.isBlank() ? null : adminToken;
        issuer = issuer == null || issuer.isBlank() ? (mode == Mode.LOCAL ? "sva-local" : null) : issuer;
        audience = audience == null || audience.isBlank() ? "sva" : audience;
        roleClaim = roleClaim == null ? "scope" : roleClaim;
        tenantClaim = tenantClaim == null ? "sva_tenant" : tenantClaim;
        nodeClaim = nodeClaim == null ? "sva_node" : nodeClaim;
        clockSkew = clockSkew == null ? Duration.ofSeconds(30) : clockSkew;
        subjects = subjects == null ? List.of() : List.copyOf(subjects);
        if (adminToken != null && adminToken.length() < MIN_ADMIN_TOKEN_LENGTH) {
            throw new IllegalArgumentException("sva.security.admin-token must have at least " + MIN_ADMIN_TOKEN_LENGTH
                    + " characters");
        }
        if (mode == Mode.JWT && issuer == null && (jwkSetUri == null || jwkSetUri.isBlank())) {
            throw new IllegalArgumentException("sva.security.mode=jwt needs sva.security.issuer or sva.security.jwk-set-uri");
        }
    }
}
