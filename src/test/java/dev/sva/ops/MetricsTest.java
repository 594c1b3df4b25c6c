package dev.sva.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.ApiTest;
import org.junit.jupiter.api.Test;

/** {@code /actuator/prometheus} carries the domain meters an operator alerts on. */
class MetricsTest extends ApiTest {

    @Test
    void prometheusExposesRejectionsByCodeAndEventCounts() {
        String dev = device("0000:05:00.0", 0, false);
        String proc = process(42);
        assertProblem(bind(dev, proc), 422, "SVA_UNSUPPORTED");
        assertThat(bind(device("0000:05:00.1", 20, false), proc).status()).isEqualTo(201);
        var scrape = api.get("/actuator/prometheus");
        assertThat(scrape.status()).isEqualTo(200);
        String text = scrape.raw().body();
        assertThat(text).containsPattern("sva_requests_rejected_total\\{code=\"SVA_UNSUPPORTED\"[^}]*\\} [1-9]");
        assertThat(text).containsPattern("sva_events_written_total\\{[^}]*type=\"DEVICE_ADDED\"[^}]*\\} [1-9]");
        assertThat(text).contains("sva_events_stream_clients");
        assertThat(text).containsPattern("sva_binds_total\\{kind=\"device\",result=\"created\"[^}]*\\} [1-9]");
    }
}
