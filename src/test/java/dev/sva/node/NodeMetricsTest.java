package dev.sva.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.ApiTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** The per-node state gauges of {@code /actuator/prometheus} follow the database (refreshed every 15 s; here at once). */
class NodeMetricsTest extends ApiTest {

    @Autowired
    NodeMetrics metrics;

    @Test
    void gaugesCountEachNodesDevicesBondsPasidsAndMappings() {
        String a = device("0000:07:00.0", 20, false);
        String b = device("0000:07:00.1", 20, false);
        String proc = process(7);
        assertThat(bind(a, proc).status()).isEqualTo(201);
        assertThat(bind(b, proc).status()).isEqualTo(201);
        assertThat(bind(device("0000:07:00.2", 20, false), process(8)).status()).isEqualTo(201);
        String ctr = container();
        for (String iova : new String[] {"0x100000", "0x200000"}) {
            assertThat(api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of("iova", iova, "size", 4096,
                    "physicalAddress", "0x40000000", "read", true))).status()).isEqualTo(201);
        }

        metrics.refresh();

        String text = api.get("/actuator/prometheus").raw().body();
        assertThat(text).contains("sva_devices{node=\"" + node + "\"} 3.0");
        assertThat(text).contains("sva_bonds_live{node=\"" + node + "\"} 3.0");
        assertThat(text).contains("sva_pasids_live{node=\"" + node + "\"} 2.0");
        assertThat(text).contains("sva_mappings{node=\"" + node + "\"} 2.0");
    }
}
