package dev.sva.event;

import dev.sva.core.EventLogRepair;
import dev.sva.node.NodeService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Heals nodes whose {@code last_event_seq} is behind {@code max(seq)} of their events — the wedge of
 * issue 8, where every later change of the node collided with an existing event and was refused. The
 * counter is no longer kept in the entity (see {@code EventLog#record}), so this state is not reached
 * by this version; a database written by an older one may still hold it, so it is healed before the
 * service takes requests, and again if a collision ever shows one at run time.
 */
@Component
class EventSeqRepair implements EventLogRepair, SmartInitializingSingleton {

    private static final Logger log = LoggerFactory.getLogger(EventSeqRepair.class);

    private final NodeService nodes;
    private final TransactionTemplate tx;

    EventSeqRepair(NodeService nodes, PlatformTransactionManager transactions) {
        this.nodes = nodes;
        this.tx = new TransactionTemplate(transactions);
        // its own transaction: the caller's may be the one that failed
        this.tx.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    }

    @Override
    public int repair() {
        Integer healed = tx.execute(status -> nodes.healEventSeqs());
        int n = healed == null ? 0 : healed;
        if (n > 0) {
            log.warn("{} node(s) had an event counter behind their newest event; set to max(seq)", n);
        }
        return n;
    }

    @Override
    public void afterSingletonsInstantiated() {
        repair();
    }
}
