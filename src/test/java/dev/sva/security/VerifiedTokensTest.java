package dev.sva.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidationException;

/** What {@link VerifiedTokens} remembers, and what it checks again on every use. */
class VerifiedTokensTest {

    private static final Instant T0 = Instant.parse("2026-11-30T12:00:00Z");

    /** A clock the test moves. */
    private static final class Moving extends Clock {
        Instant now = T0;

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final Moving clock = new Moving();
    private final AtomicInteger verifications = new AtomicInteger();

    /** Accepts "good-…" tokens (expiring at T0 + 60 s), refuses every other. */
    private final JwtDecoder nimbus = token -> {
        verifications.incrementAndGet();
        if (!token.startsWith("good-")) {
            throw new BadJwtException("bad signature");
        }
        return Jwt.withTokenValue(token).header("alg", "RS256").subject("s")
                .issuedAt(T0).notBefore(T0).expiresAt(T0.plusSeconds(60)).build();
    };

    private VerifiedTokens tokens(int maxEntries) {
        JwtTimestampValidator time = new JwtTimestampValidator(Duration.ZERO);
        time.setClock(clock);
        return new VerifiedTokens(nimbus, time, Duration.ofMinutes(5), maxEntries, clock);
    }

    @Test
    void aTokenSentAgainIsNotVerifiedAgain() {
        VerifiedTokens tokens = tokens(10);
        assertThat(tokens.decode("good-1").getSubject()).isEqualTo("s");
        assertThat(tokens.decode("good-1").getSubject()).isEqualTo("s");
        assertThat(verifications).hasValue(1);
    }

    @Test
    void aRememberedTokenIsRefusedOnceItExpires() {
        VerifiedTokens tokens = tokens(10);
        tokens.decode("good-1");
        clock.now = T0.plusSeconds(61);
        assertThatThrownBy(() -> tokens.decode("good-1")).isInstanceOf(JwtValidationException.class)
                .hasMessageContaining("expired");
        assertThat(tokens.size()).as("forgotten once expired").isZero();
    }

    @Test
    void aRefusedTokenIsNeverRemembered() {
        VerifiedTokens tokens = tokens(10);
        assertThatThrownBy(() -> tokens.decode("forged")).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> tokens.decode("forged")).isInstanceOf(BadJwtException.class);
        assertThat(verifications).as("each try verified").hasValue(2);
        assertThat(tokens.size()).isZero();
    }

    @Test
    void aTokenIsVerifiedAfreshAfterTheMaximumAge() {
        JwtTimestampValidator time = new JwtTimestampValidator(Duration.ZERO);
        time.setClock(clock);
        // a token valid for longer than the remembering time
        JwtDecoder longLived = token -> {
            verifications.incrementAndGet();
            return Jwt.withTokenValue(token).header("alg", "RS256").subject("s").expiresAt(T0.plusSeconds(3600)).build();
        };
        VerifiedTokens tokens = new VerifiedTokens(longLived, time, Duration.ofMinutes(5), 10, clock);
        tokens.decode("good-1");
        clock.now = T0.plusSeconds(299);
        tokens.decode("good-1");
        assertThat(verifications).hasValue(1);
        clock.now = T0.plusSeconds(300);
        tokens.decode("good-1");
        assertThat(verifications).as("verified again after 5 minutes").hasValue(2);
    }

    @Test
    void theNumberOfRememberedTokensStaysBounded() {
        VerifiedTokens tokens = tokens(3);
        for (int i = 0; i < 100; i++) {
            tokens.decode("good-" + i);
            assertThat(tokens.size()).isLessThanOrEqualTo(3);
        }
        tokens.decode("good-" + "x".repeat(VerifiedTokens.MAX_TOKEN_LENGTH));
        assertThat(tokens.size()).as("a token too long to keep is verified, not kept").isLessThanOrEqualTo(3);
    }
}
