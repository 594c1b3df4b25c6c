package dev.sva.security;

import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiPredicate;
import java.util.stream.Collectors;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.http.server.PathContainer;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authorization.AuthorizationDecision;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtAudienceValidator;
import org.springframework.security.oauth2.jwt.JwtClaimNames;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtDecoderInitializationException;
import org.springframework.security.oauth2.jwt.JwtDecoders;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.jwt.SupplierJwtDecoder;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.web.AuthenticationEntryPoint;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.util.pattern.PathPattern;
import org.springframework.web.util.pattern.PathPatternParser;

/**
 * Who may call what, in one place. Every {@code /api/**} request needs a bearer token (a {@code 401
 * UNAUTHENTICATED} otherwise); {@link #RULES} then decides by method and path which roles may make
 * it, first match wins ({@code 403 FORBIDDEN} naming the scopes that would have been allowed).
 * Everything outside {@code /api/**} (the page, Swagger UI, the API document, actuator, the JWKS) is
 * not under this chain. What a rule cannot see from the request — the node of a device an agent
 * changes — is checked by the services through {@link CurrentCaller#requireNode}.
 */
@Configuration
class SecurityConfig {

    private static final PathPatternParser PATHS = new PathPatternParser();
    private static final Set<Role> EVERY_ROLE = EnumSet.allOf(Role.class);
    private static final Set<Role> NOT_TENANT = EnumSet.of(Role.ADMIN, Role.AGENT, Role.VIEWER);

    /** One rule: requests of {@code methods} (all when empty) on {@code path} may be made by {@code roles}. */
    private record Rule(Set<HttpMethod> methods, PathPattern path, Set<Role> roles,
                        BiPredicate<Caller, Map<String, String>> condition) {

        boolean matches(HttpServletRequest request) {
            return (methods.isEmpty() || methods.contains(HttpMethod.valueOf(request.getMethod())))
                    && path.matches(PathContainer.parsePath(request.getRequestURI()));
        }

        Map<String, String> variables(HttpServletRequest request) {
            var info = path.matchAndExtract(PathContainer.parsePath(request.getRequestURI()));
            return info == null ? Map.of() : info.getUriVariables();
        }
    }

    private static Rule rule(String methods, String path, Set<Role> roles) {
        return rule(methods, path, roles, (c, v) -> true);
    }

    private static Rule rule(String methods, String path, Set<Role> roles, BiPredicate<Caller, Map<String, String>> condition) {
        Set<HttpMethod> m = methods.equals("*") ? Set.of()
                : Arrays.stream(methods.split(",")).map(HttpMethod::valueOf).collect(Collectors.toSet());
        return new Rule(m, PATHS.parse(path), roles, condition);
    }

    /**
     * The roles of SECURITY.md. An admin may do everything; a viewer read everything (a simulated DMA is
     * not a read: it leaves fault records in the device's log); an agent read, and change its own node's
     * topology and devices; a tenant read, and use containers, address spaces, mappings, bonds and DMA.
     */
    private static final List<Rule> RULES = List.of(
            rule("POST", "/api/v1/tokens", EnumSet.of(Role.ADMIN)),
            rule("PUT", "/api/v1/nodes/{name}/topology", EnumSet.of(Role.ADMIN, Role.AGENT),
                    (caller, vars) -> caller.mayChangeNode(vars.get("name"))),
            // what-if changes nothing: a read
            // a node's fabric names every device and group of it: not for a tenant, which sees only its own (rule 23)
            rule("POST", "/api/v1/nodes/{name}/topology/what-if", NOT_TENANT),
            rule("GET,HEAD", "/api/v1/nodes/{name}/topology", NOT_TENANT),
            rule("GET,HEAD", "/api/v1/devices/{id}/isolation", NOT_TENANT),
            // counts of every tenant's translations and faults
            rule("GET,HEAD", "/api/v1/dma/stats", NOT_TENANT),
            rule("POST", "/api/v1/devices/{id}/bonds", EnumSet.of(Role.ADMIN, Role.TENANT)),
            // the node of a device is checked by DeviceService
            rule("POST", "/api/v1/devices", EnumSet.of(Role.ADMIN, Role.AGENT)),
            rule("PATCH,DELETE", "/api/v1/devices/{id}", EnumSet.of(Role.ADMIN, Role.AGENT)),
            rule("GET,HEAD", "/api/**", EVERY_ROLE),
            rule("*", "/api/v1/containers/**", EnumSet.of(Role.ADMIN, Role.TENANT)),
            rule("*", "/api/v1/address-spaces/**", EnumSet.of(Role.ADMIN, Role.TENANT)),
            rule("*", "/api/v1/bonds/**", EnumSet.of(Role.ADMIN, Role.TENANT)),
            rule("POST", "/api/v1/dma", EnumSet.of(Role.ADMIN, Role.TENANT)),
            rule("POST", "/api/v1/dma/batch", EnumSet.of(Role.ADMIN, Role.TENANT)),
            rule("*", "/api/**", EnumSet.of(Role.ADMIN)));

    /**
     * The roles the first rule matching {@code method} and {@code path} lets in, for the API document; the path may be
     * a template ({@code /api/v1/containers/{id}}). A rule's further condition (an agent's own node) is not shown.
     */
    static Set<Role> rolesFor(String method, String path) {
        PathContainer p = PathContainer.parsePath(path);
        for (Rule r : RULES) {
            if ((r.methods().isEmpty() || r.methods().contains(HttpMethod.valueOf(method))) && r.path().matches(p)) {
                return EnumSet.copyOf(r.roles());
            }
        }
        return EnumSet.noneOf(Role.class);
    }

    private static final String MISSING_SCOPE = SecurityConfig.class.getName() + ".missingScope";

    @Bean
    SecurityFilterChain api(HttpSecurity http, AuthenticationManager tokens,
                            @Qualifier("handlerExceptionResolver") ObjectProvider<HandlerExceptionResolver> resolver)
            throws Exception {
        AuthenticationEntryPoint unauthenticated = (request, response, e) -> {
            response.setHeader("WWW-Authenticate", wwwAuthenticate(e));
            render(resolver, request, response, unauthenticated(request, e));
        };
        return http
                .securityMatcher("/api/**")
                .csrf(c -> c.disable())
                .formLogin(f -> f.disable())
                .httpBasic(b -> b.disable())
                .logout(l -> l.disable())
                .requestCache(r -> r.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .authorizeHttpRequests(a -> a
                        // the second dispatch of an event stream, and error pages, were decided on the first
                        .dispatcherTypeMatchers(DispatcherType.ASYNC, DispatcherType.ERROR).permitAll()
                        .anyRequest().access((auth, ctx) -> decide(auth.get(), ctx.getRequest())))
                .oauth2ResourceServer(o -> o
                        .authenticationManagerResolver(request -> tokens)
                        .authenticationEntryPoint(unauthenticated)
                        .accessDeniedHandler((request, response, e) -> {
                            String scope = (String) request.getAttribute(MISSING_SCOPE);
                            render(resolver, request, response, CurrentCaller.forbidden(
                                    "this operation needs one of the scopes " + scope, scope));
                        }))
                .exceptionHandling(e -> e.authenticationEntryPoint(unauthenticated))
                .build();
    }

    private static AuthorizationDecision decide(Authentication auth, HttpServletRequest request) {
        Caller caller = auth != null && auth.isAuthenticated() && auth.getPrincipal() instanceof Caller c ? c : null;
        if (caller == null) {
            return new AuthorizationDecision(false); // anonymous: the entry point answers 401
        }
        for (Rule r : RULES) {
            if (r.matches(request)) {
                boolean granted = caller.role() != null && r.roles().contains(caller.role())
                        && r.condition().test(caller, r.variables(request));
                if (!granted) {
                    request.setAttribute(MISSING_SCOPE, r.roles().contains(caller.role())
                            ? Role.ADMIN.scope() // the right role for another node: only an admin may
                            : r.roles().stream().map(Role::scope).collect(Collectors.joining(" ")));
                }
                return new AuthorizationDecision(granted);
            }
        }
        return new AuthorizationDecision(false);
    }

    /**
     * RFC 6750 (3.): {@code Bearer} alone when no token came, with {@code error} and {@code error_description}
     * when one was refused. (Spring's entry point would add an RFC 9728 {@code resource_metadata} address,
     * which this service does not serve.)
     */
    static String wwwAuthenticate(AuthenticationException e) {
        if (!(e instanceof OAuth2AuthenticationException o)) {
            return "Bearer";
        }
        OAuth2Error error = o.getError();
        StringBuilder header = new StringBuilder("Bearer error=\"").append(quotable(error.getErrorCode())).append('"');
        if (error.getDescription() != null) {
            header.append(", error_description=\"").append(quotable(error.getDescription())).append('"');
        }
        return header.toString();
    }

    /** RFC 6750 allows %x20-21 / %x23-5B / %x5D-7E in these values: no quote, no backslash, no control or non-ASCII. */
    private static String quotable(String s) {
        return s.replaceAll("[^\\x20-\\x7E]|[\"\\\\]", "'");
    }

    private static ProblemException unauthenticated(HttpServletRequest request, AuthenticationException e) {
        boolean sent = request.getHeader("Authorization") != null;
        // an OAuth2 refusal's message is its cause's; its description is the reason given
        String why = e instanceof OAuth2AuthenticationException o && o.getError().getDescription() != null
                ? o.getError().getDescription() : e.getMessage();
        return new ProblemException(ProblemType.UNAUTHENTICATED, sent
                ? "the bearer token is not valid: " + why
                : "send a token: Authorization: Bearer <token>");
    }

    private static void render(ObjectProvider<HandlerExceptionResolver> resolver, HttpServletRequest request,
                               HttpServletResponse response, ProblemException problem) {
        resolver.getObject().resolveException(request, response, null, problem);
    }

    /**
     * Turns a bearer token into a {@link CallerAuthentication}: the admin secret of local mode, or a JWT
     * that {@code decoder} accepts. Every refusal is an {@link InvalidBearerTokenException} (401).
     */
    @Bean
    AuthenticationManager bearerTokens(JwtDecoder decoder, SecurityProperties properties,
                                       ObjectProvider<LocalIssuer> issuer) {
        LocalIssuer local = issuer.getIfAvailable();
        return authentication -> {
            if (!(authentication instanceof BearerTokenAuthenticationToken bearer)) {
                return null;
            }
            String token = bearer.getToken();
            if (local != null && local.isAdminToken(token)) {
                return new CallerAuthentication(new Caller("admin", Role.ADMIN, null, null));
            }
            Jwt jwt;
            try {
                jwt = decoder.decode(token);
            } catch (JwtException e) {
                // the description must be RFC 6750 text, or Spring replaces it by "Invalid token"
                throw new InvalidBearerTokenException(quotable(String.valueOf(e.getMessage())), e);
            } catch (JwtDecoderInitializationException e) {
                // jwt mode, issuer not reachable yet (discovery failed): no token can be checked, so none is
                // accepted; the next token tries again
                throw new InvalidBearerTokenException(quotable("the issuer's keys cannot be fetched now: "
                        + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())), e);
            }
            return new CallerAuthentication(callerOf(jwt, properties));
        };
    }

    /** The caller a valid token names; the claims' types were checked by {@link #validator}. */
    static Caller callerOf(Jwt jwt, SecurityProperties p) {
        String subject = jwt.getSubject();
        SecurityProperties.SubjectMapping mapped = p.subjects().stream()
                .filter(m -> Objects.equals(m.subject(), subject)).findFirst().orElse(null);
        Role role = mapped != null && mapped.role() != null ? Role.ofScope(mapped.role()).orElse(null)
                : scopes(jwt.getClaims().get(p.roleClaim())).stream()
                        .map(Role::ofScope).flatMap(java.util.Optional::stream).sorted().findFirst().orElse(null);
        String tenant = mapped != null && mapped.tenant() != null ? mapped.tenant() : jwt.getClaimAsString(p.tenantClaim());
        String node = mapped != null && mapped.node() != null ? mapped.node() : jwt.getClaimAsString(p.nodeClaim());
        if (role == null) {
            throw new InvalidBearerTokenException("the token names none of the roles " + Arrays.stream(Role.values())
                    .map(Role::scope).toList() + " in its claim " + p.roleClaim());
        }
        return new Caller(subject, role, role == Role.TENANT ? tenant : null, role == Role.AGENT ? node : null);
    }

    /** A role claim: one space-separated string (OAuth2 {@code scope}) or a list of strings. */
    private static List<String> scopes(Object claim) {
        if (claim instanceof String s) {
            return Arrays.asList(s.trim().split("\\s+"));
        }
        List<String> out = new ArrayList<>();
        if (claim instanceof Collection<?> c) {
            c.forEach(v -> out.add(String.valueOf(v)));
        }
        return out;
    }

    /** What every token must satisfy, in both modes: signed (by the decoder), in time, ours, claims of the right type. */
    static OAuth2TokenValidator<Jwt> validator(SecurityProperties p) {
        List<OAuth2TokenValidator<Jwt>> checks = new ArrayList<>();
        checks.add(new JwtTimestampValidator(p.clockSkew()));
        checks.add(new JwtClaimValidator<Instant>(JwtClaimNames.EXP, Objects::nonNull));
        checks.add(new JwtClaimValidator<String>(JwtClaimNames.SUB, s -> s != null && !s.isBlank()));
        if (p.issuer() != null) {
            checks.add(new JwtIssuerValidator(p.issuer()));
        }
        checks.add(new JwtAudienceValidator(p.audience()));
        checks.add(new JwtClaimValidator<Object>(p.tenantClaim(), v -> v == null || v instanceof String));
        checks.add(new JwtClaimValidator<Object>(p.nodeClaim(), v -> v == null || v instanceof String));
        // absent is fine: a Kubernetes service-account token carries no role claim, its subject is mapped
        // (sva.security.subjects); a token with neither is refused by callerOf
        checks.add(new JwtClaimValidator<Object>(p.roleClaim(), v -> v == null || v instanceof String
                || v instanceof Collection<?> c && c.stream().allMatch(String.class::isInstance)));
        return new DelegatingOAuth2TokenValidator<>(checks);
    }

    @Bean
    @ConditionalOnProperty(name = "sva.security.mode", havingValue = "local", matchIfMissing = true)
    LocalIssuer localIssuer(SecurityProperties properties) {
        return new LocalIssuer(properties);
    }

    /**
     * Local mode: the embedded issuer's public key. JWT mode: the issuer's JWK set, found by OIDC discovery
     * from {@code issuer} (as Kubernetes serves it for service-account tokens) unless {@code jwk-set-uri}
     * names it; looked up at the first token, so the service starts while the issuer is away.
     */
    @Bean
    JwtDecoder jwtDecoder(SecurityProperties properties, ObjectProvider<LocalIssuer> issuer) {
        // a verified token is remembered for at most 5 minutes (Nimbus' JWK-set cache time), its exp and nbf
        // checked again on every use (VerifiedTokens)
        return new VerifiedTokens(nimbusDecoder(properties, issuer), new JwtTimestampValidator(properties.clockSkew()),
                Duration.ofMinutes(5), 10_000, Clock.systemUTC());
    }

    private static JwtDecoder nimbusDecoder(SecurityProperties properties, ObjectProvider<LocalIssuer> issuer) {
        OAuth2TokenValidator<Jwt> validator = validator(properties);
        LocalIssuer local = issuer.getIfAvailable();
        if (local != null) {
            NimbusJwtDecoder decoder = local.decoder();
            decoder.setJwtValidator(validator);
            return decoder;
        }
        return new SupplierJwtDecoder(() -> {
            NimbusJwtDecoder decoder = properties.jwkSetUri() != null && !properties.jwkSetUri().isBlank()
                    ? NimbusJwtDecoder.withJwkSetUri(properties.jwkSetUri()).build()
                    : (NimbusJwtDecoder) JwtDecoders.fromIssuerLocation(properties.issuer());
            decoder.setJwtValidator(validator);
            return decoder;
        });
    }
}
