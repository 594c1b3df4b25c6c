package dev.sva.event;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/** Deletes events retention no longer keeps, every {@code sva.events.prune-every}. */
@Component
class EventPruner {

    private static final Logger log = LoggerFactory.getLogger(EventPruner.class);

    private final EventService events;

    EventPruner(EventService events) {
        this.events = events;
    }

    @Scheduled(fixedDelayString = "${sva.events.prune-every:PT1M}", initialDelayString = "${sva.events.prune-every:PT1M}")
    void prune() {
        try {
            int deleted = events.prune();
            if (deleted > 0) {
                log.info("pruned {} expired events", deleted);
            }
        } catch (RuntimeException e) {
            log.warn("event pruning failed; will retry", e);
        }
    }
}
