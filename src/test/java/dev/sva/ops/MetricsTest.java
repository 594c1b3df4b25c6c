package dev.sva.ops;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.ApiTest;
import java.util.Map;
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

    @Test
    void prometheusCountsTranslationsByOutcomeFaultReasonAndIotlbResult() {
        String dev = device("0000:06:00.0", 20, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        assertThat(api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of(
                "iova", "0x100000", "size", 4096, "physicalAddress", "0x40000000", "read", true))).status()).isEqualTo(201);
        String before = api.get("/actuator/prometheus").raw().body();

        dma(dev, "0x100000", "READ");   // miss, translated
        dma(dev, "0x100008", "READ");   // hit, translated
        dma(dev, "0x100000", "WRITE");  // permission fault
        dma(dev, "0x900000", "READ");   // translation fault

        String after = api.get("/actuator/prometheus").raw().body();
        assertThat(value(after, "sva_dma_outcomes_total{outcome=\"TRANSLATED\"") - value(before, "sva_dma_outcomes_total{outcome=\"TRANSLATED\""))
                .isGreaterThanOrEqualTo(2);
        assertThat(value(after, "sva_dma_faults_total{reason=\"PERMISSION\"") - value(before, "sva_dma_faults_total{reason=\"PERMISSION\""))
                .isGreaterThanOrEqualTo(1);
        assertThat(value(after, "sva_dma_faults_total{reason=\"TRANSLATION\"") - value(before, "sva_dma_faults_total{reason=\"TRANSLATION\""))
                .isGreaterThanOrEqualTo(1);
        assertThat(value(after, "sva_iotlb_lookups_total{result=\"hit\"") - value(before, "sva_iotlb_lookups_total{result=\"hit\""))
                .isGreaterThanOrEqualTo(1);
        assertThat(value(after, "sva_iotlb_lookups_total{result=\"miss\"") - value(before, "sva_iotlb_lookups_total{result=\"miss\""))
                .isGreaterThanOrEqualTo(1);
        assertThat(value(after, "sva_dma_translations_total") - value(before, "sva_dma_translations_total")).isGreaterThanOrEqualTo(4);
    }

    private void dma(String dev, String address, String access) {
        assertThat(api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "address", address,
                "access", access))).status()).isEqualTo(200);
    }

    /** The value of the first sample whose line starts with {@code prefix} (0 when absent). */
    private static double value(String scrape, String prefix) {
        return scrape.lines().filter(l -> l.startsWith(prefix)).findFirst()
                .map(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).orElse(0.0);
    }
}
