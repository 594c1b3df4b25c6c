package dev.sva.core;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Map;
import org.springframework.stereotype.Component;

/** Counts refused requests by problem {@code code}: {@code sva.requests.rejected{code=…}}. */
@Component
public class ProblemMetrics {

    private final Map<ProblemType, Counter> rejected = new EnumMap<>(ProblemType.class);

    ProblemMetrics(MeterRegistry meters) {
        for (ProblemType type : ProblemType.values()) {
            rejected.put(type, Counter.builder("sva.requests.rejected").tag("code", type.name())
                    .description("Requests refused, by problem code").register(meters));
        }
    }

    void rejected(ProblemType type) {
        rejected.get(type).increment();
    }
}
