package dev.sva.security;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;
import org.springframework.security.oauth2.jwt.JwtValidationException;

/**
 * A {@link JwtDecoder} that remembers the tokens its delegate (Nimbus: signature, issuer, audience,
 * claims) accepted, so a client that sends the same token on every call pays for one verification,
 * not one per request. What can change while a token is remembered is checked again on every use:
 * its time ({@code exp}, {@code nbf}, with the validator's clock skew). A token is verified afresh
 * once it has been remembered for {@code maxAge}, so a key the issuer withdrew stops being honoured
 * within that time, as Nimbus' own JWK-set cache already allows (5 minutes). Refused tokens are never
 * remembered. No cryptography here: only the delegate's answers are kept.
 *
 * <p>Bounded: at most {@code maxEntries} tokens (each at most {@link #MAX_TOKEN_LENGTH} characters)
 * are held; when full, the remembered tokens are dropped and verified again as they come back.
 */
final class VerifiedTokens implements JwtDecoder {

    static final int MAX_TOKEN_LENGTH = 8192;

    private record Verified(Jwt jwt, Instant at) {
    }

    private final JwtDecoder delegate;
    private final OAuth2TokenValidator<Jwt> time;
    private final Duration maxAge;
    private final int maxEntries;
    private final Clock clock;
    private final ConcurrentHashMap<String, Verified> verified = new ConcurrentHashMap<>();

    VerifiedTokens(JwtDecoder delegate, OAuth2TokenValidator<Jwt> time, Duration maxAge, int maxEntries, Clock clock) {
        this.delegate = delegate;
        this.time = time;
        this.maxAge = maxAge;
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    @Override
    public Jwt decode(String token) throws JwtException {
        Verified known = verified.get(token);
        if (known != null && known.at().plus(maxAge).isAfter(clock.instant())) {
            OAuth2TokenValidatorResult result = time.validate(known.jwt());
            if (result.hasErrors()) {
                verified.remove(token);
                throw new JwtValidationException(result.getErrors().iterator().next().getDescription(), result.getErrors());
            }
            return known.jwt();
        }
        Jwt jwt = delegate.decode(token); // throws for a token it refuses: nothing is remembered
        if (token.length() <= MAX_TOKEN_LENGTH) {
            if (verified.size() >= maxEntries) {
                verified.clear();
            }
            verified.put(token, new Verified(jwt, clock.instant()));
        }
        return jwt;
    }

    /** How many tokens are remembered now. */
    int size() {
        return verified.size();
    }
}
