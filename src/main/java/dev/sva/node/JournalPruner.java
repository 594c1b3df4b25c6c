package dev.sva.node;

import dev.sva.core.Timestamps;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Deletes the journal records no replica needs any more, every {@code sva.journal.prune-every} (default 1 min): a
 * record goes once it is older than {@code sva.journal.retention} (default 1 h) and not among the newest
 * {@code sva.journal.keep} (default 100,000) of its node. A replica that was away longer, or fell further behind,
 * finds the first record it needs gone and reloads the node from a snapshot of its rows instead (docs/replicas.md).
 */
@Component
class JournalPruner {

    private static final Logger log = LoggerFactory.getLogger(JournalPruner.class);

    private final Journal journal;
    private final TransactionTemplate tx;
    private final long keep;
    private final Duration retention;

    JournalPruner(Journal journal, PlatformTransactionManager transactions, @Value("${sva.journal.keep:100000}") long keep,
                  @Value("${sva.journal.retention:PT1H}") Duration retention) {
        this.journal = journal;
        this.tx = new TransactionTemplate(transactions);
        this.keep = keep;
        this.retention = retention;
    }

    @Scheduled(fixedDelayString = "${sva.journal.prune-every:PT1M}", initialDelayString = "${sva.journal.prune-every:PT1M}")
    void prune() {
        try {
            Integer deleted = tx.execute(status -> journal.prune(keep, Timestamps.now().minus(retention)));
            if (deleted != null && deleted > 0) {
                log.info("pruned {} journal records", deleted);
            }
        } catch (RuntimeException e) {
            log.warn("journal pruning failed; will retry", e);
        }
    }
}
