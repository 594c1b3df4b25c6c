package dev.sva.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;

/**
 * How a valid token's claims become a {@link Caller} in {@code mode=jwt}: role claims as a string or a
 * list, configurable claim names, the strongest role of several, and subjects mapped by properties
 * (Kubernetes service accounts, whose tokens carry none of our claims).
 */
class CallerMappingTest {

    private static SecurityProperties properties(String roleClaim, List<SecurityProperties.SubjectMapping> subjects) {
        return new SecurityProperties(SecurityProperties.Mode.JWT, null, null, "https://kubernetes.default.svc", null,
                "sva", roleClaim, "tenant", "node", null, subjects);
    }

    private static Jwt jwt(String subject, Map<String, Object> claims) {
        Jwt.Builder b = Jwt.withTokenValue("t").header("alg", "RS256").subject(subject)
                .issuedAt(Instant.now()).expiresAt(Instant.now().plusSeconds(60));
        claims.forEach(b::claim);
        return b.build();
    }

    @Test
    void rolesComeFromAConfigurableClaimAsStringOrList() {
        SecurityProperties p = properties("roles", List.of());
        assertThat(SecurityConfig.callerOf(jwt("u", Map.of("roles", "openid sva:viewer")), p).role()).isEqualTo(Role.VIEWER);
        Caller tenant = SecurityConfig.callerOf(jwt("u", Map.of("roles", List.of("sva:tenant"), "tenant", "acme")), p);
        assertThat(tenant).isEqualTo(new Caller("u", Role.TENANT, "acme", null));
    }

    @Test
    void theStrongestOfSeveralRolesActs() {
        Caller c = SecurityConfig.callerOf(jwt("u", Map.of("scope", "sva:viewer sva:agent", "node", "n1")),
                properties("scope", List.of()));
        assertThat(c).isEqualTo(new Caller("u", Role.AGENT, null, "n1"));
    }

    @Test
    void aTokenWithoutAnSvaRoleIsRefused() {
        assertThatThrownBy(() -> SecurityConfig.callerOf(jwt("u", Map.of("scope", "openid")), properties("scope", List.of())))
                .isInstanceOf(InvalidBearerTokenException.class);
    }

    @Test
    void aKubernetesServiceAccountGetsTheRoleAndNodeItsSubjectIsMappedTo() {
        String sa = "system:serviceaccount:sva:agent-gpu-7";
        SecurityProperties p = properties("scope", List.of(
                new SecurityProperties.SubjectMapping(sa, "sva:agent", null, "gpu-7")));
        Caller agent = SecurityConfig.callerOf(jwt(sa, Map.of("kubernetes.io", Map.of("namespace", "sva"))), p);
        assertThat(agent).isEqualTo(new Caller(sa, Role.AGENT, null, "gpu-7"));
        assertThat(agent.mayChangeNode("gpu-7")).isTrue();
        assertThat(agent.mayChangeNode("gpu-8")).isFalse();
        assertThatThrownBy(() -> SecurityConfig.callerOf(jwt("system:serviceaccount:sva:other", Map.of()), p))
                .isInstanceOf(InvalidBearerTokenException.class);
    }
}
