package dev.sva.translation;

import dev.sva.translation.engine.TranslationEngine;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration
class EngineConfig {

    /**
     * One engine for all nodes.
     *
     * @param iotlbEntries IOTLB entries per node ({@code sva.translation.iotlb-entries}, default 16,384: 256 KiB)
     * @param faultRing    fault records kept per node ({@code sva.translation.fault-ring}, default 1,024)
     */
    @Bean
    TranslationEngine translationEngine(@Value("${sva.translation.iotlb-entries:16384}") int iotlbEntries,
                                        @Value("${sva.translation.fault-ring:1024}") int faultRing) {
        return new TranslationEngine(iotlbEntries, faultRing);
    }
}
