package dev.sva.security;

import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.core.Problems;
import io.swagger.v3.oas.annotations.Hidden;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/**
 * The embedded issuer's endpoints: minting tokens ({@code POST /api/v1/tokens}, admin) and the public key
 * set that checks them ({@code GET /.well-known/jwks.json}, open). In {@code jwt} mode tokens come from
 * the external issuer and both answer that they are not served here.
 */
@RestController
@Tag(name = "Tokens", description = "Bearer tokens of the embedded issuer (sva.security.mode=local)")
class TokenController {

    /** The longest lifetime a minted token may have: one year. */
    static final long MAX_EXPIRES_IN = 31_536_000L;
    private static final long DEFAULT_EXPIRES_IN = 3600L;
    /** Tenants, nodes and subjects: printable, no spaces, at most 128 characters. */
    private static final Pattern NAME = Pattern.compile("^[A-Za-z0-9][-A-Za-z0-9_.:@/]{0,127}$");

    private final ObjectProvider<LocalIssuer> issuer;
    private final SecurityProperties properties;

    TokenController(ObjectProvider<LocalIssuer> issuer, SecurityProperties properties) {
        this.issuer = issuer;
        this.properties = properties;
    }

    record MintToken(
            @Schema(requiredMode = Schema.RequiredMode.REQUIRED, allowableValues = {"sva:admin", "sva:agent", "sva:tenant", "sva:viewer"})
            String role,
            @Schema(description = "required for sva:tenant, refused for other roles") String tenant,
            @Schema(description = "required for sva:agent, refused for other roles") String node,
            @Schema(description = "lifetime in seconds, 1..31536000; default 3600", minimum = "1", maximum = "31536000")
            Long expiresIn,
            @Schema(description = "the token's sub, which events name as their actor; default derived from role, tenant and node")
            String subject) {
    }

    record TokenView(String token, Instant expiresAt) {
    }

    @PostMapping("/api/v1/tokens")
    @Operation(summary = "Mint a token (admin, local mode)", description = "A signed JWT for a role: sva:tenant needs "
            + "tenant, sva:agent needs node. In sva.security.mode=jwt tokens come from the external issuer: 409 CONFLICT.")
    @ApiResponse(responseCode = "201", description = "Minted")
    ResponseEntity<TokenView> mint(@RequestBody MintToken body) {
        LocalIssuer local = issuer.getIfAvailable();
        if (local == null) {
            throw new ProblemException(ProblemType.CONFLICT, "tokens are issued by the external issuer "
                    + properties.issuer() + " (sva.security.mode=jwt), not by this service")
                    .with("issuer", properties.issuer());
        }
        if (body.role() == null) {
            throw Problems.invalid("role", "is required");
        }
        Role role = Role.ofScope(body.role()).orElseThrow(() -> Problems.invalid("role",
                "must be one of sva:admin, sva:agent, sva:tenant, sva:viewer"));
        String tenant = checked("tenant", body.tenant(), role == Role.TENANT);
        String node = checked("node", body.node(), role == Role.AGENT);
        long expiresIn = body.expiresIn() == null ? DEFAULT_EXPIRES_IN : body.expiresIn();
        if (expiresIn < 1 || expiresIn > MAX_EXPIRES_IN) {
            throw Problems.invalid("expiresIn", "must be between 1 and " + MAX_EXPIRES_IN + " seconds");
        }
        String subject = body.subject() == null
                ? String.join(":", role.scope(), tenant != null ? tenant : node != null ? node : "",
                        UUID.randomUUID().toString().substring(0, 8)).replace("::", ":")
                : checked("subject", body.subject(), true);
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        Instant expiresAt = now.plusSeconds(expiresIn);
        String token = local.mint(subject, role, tenant, node, now, expiresAt);
        return ResponseEntity.status(HttpStatus.CREATED).body(new TokenView(token, expiresAt));
    }

    /** The public keys of the embedded issuer, for other services that check its tokens. */
    @Hidden
    @GetMapping(value = "/.well-known/jwks.json", produces = MediaType.APPLICATION_JSON_VALUE)
    Map<String, Object> jwks() {
        LocalIssuer local = issuer.getIfAvailable();
        if (local == null) {
            throw new ProblemException(ProblemType.NOT_FOUND, "keys are served by the external issuer " + properties.issuer());
        }
        return local.publicJwks();
    }

    /** {@code value} when it is a valid name and {@code wanted}; refused when missing but wanted, or given but not. */
    private static String checked(String field, String value, boolean wanted) {
        if (!wanted) {
            if (value != null) {
                throw Problems.invalid(field, "is only for " + (field.equals("tenant") ? "sva:tenant" : "sva:agent"));
            }
            return null;
        }
        if (value == null) {
            throw Problems.invalid(field, "is required for this role");
        }
        if (!NAME.matcher(value).matches()) {
            throw Problems.invalid(field, "must be 1 to 128 letters, digits or -_.:@/, starting with a letter or digit");
        }
        return value;
    }
}
