package dev.sva.bond;

import dev.sva.event.EventProperties;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Forgets revoked bonds as the event log forgets their {@code BOND_REVOKED} events (after
 * {@code sva.events.retention}), so the tombstones stay bounded by what the service still reports.
 */
@Component
class RevokedBondPruner {

    private static final Logger log = LoggerFactory.getLogger(RevokedBondPruner.class);

    private final RevokedBondRepository revoked;
    private final EventProperties properties;

    RevokedBondPruner(RevokedBondRepository revoked, EventProperties properties) {
        this.revoked = revoked;
        this.properties = properties;
    }

    @Scheduled(fixedDelayString = "${sva.events.prune-every:PT1M}", initialDelayString = "${sva.events.prune-every:PT1M}")
    void prune() {
        try {
            int deleted = revoked.deleteOlderThan(Instant.now().minus(properties.retention()));
            if (deleted > 0) {
                log.info("forgot {} revoked bonds older than the event retention", deleted);
            }
        } catch (RuntimeException e) {
            log.warn("pruning revoked bonds failed; will retry", e);
        }
    }
}
