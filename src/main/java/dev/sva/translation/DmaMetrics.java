package dev.sva.translation;

import dev.sva.translation.engine.FaultReason;
import dev.sva.translation.engine.TranslationEngine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.stereotype.Component;

/**
 * The engine's counters as Prometheus meters, read from the engine at scrape time:
 * {@code sva.dma.translations}, {@code sva.dma.outcomes{outcome}}, {@code sva.dma.faults{reason}},
 * {@code sva.iotlb.lookups{result=hit|miss}}, {@code sva.dma.page.requests{response}}.
 */
@Component
class DmaMetrics {

    DmaMetrics(TranslationEngine engine, MeterRegistry meters) {
        FunctionCounter.builder("sva.dma.translations", engine, e -> e.stats().translations())
                .description("DMA requests answered").register(meters);
        FunctionCounter.builder("sva.dma.outcomes", engine, e -> e.stats().peerToPeer()).tag("outcome", "PEER_TO_PEER")
                .description("DMA requests by outcome").register(meters);
        FunctionCounter.builder("sva.dma.outcomes", engine, e -> e.stats().faultsTotal()).tag("outcome", "FAULT")
                .description("DMA requests by outcome").register(meters);
        FunctionCounter.builder("sva.dma.outcomes", engine,
                        e -> e.stats().translations() - e.stats().faultsTotal() - e.stats().peerToPeer())
                .tag("outcome", "TRANSLATED").description("DMA requests by outcome").register(meters);
        for (FaultReason reason : FaultReason.values()) {
            FunctionCounter.builder("sva.dma.faults", engine, e -> e.stats().faults().getOrDefault(reason, 0L))
                    .tag("reason", reason.name()).description("DMA faults by reason").register(meters);
        }
        FunctionCounter.builder("sva.iotlb.lookups", engine, e -> e.stats().iotlbHits()).tag("result", "hit")
                .description("IOTLB lookups").register(meters);
        FunctionCounter.builder("sva.iotlb.lookups", engine, e -> e.stats().iotlbMisses()).tag("result", "miss")
                .description("IOTLB lookups").register(meters);
        FunctionCounter.builder("sva.dma.page.requests", engine, e -> e.stats().pageRequestsSuccess()).tag("response", "SUCCESS")
                .description("Page requests by response").register(meters);
        FunctionCounter.builder("sva.dma.page.requests", engine, e -> e.stats().pageRequestsInvalid()).tag("response", "INVALID")
                .description("Page requests by response").register(meters);
    }
}
