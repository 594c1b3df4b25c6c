package dev.sva.node;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.ApiTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** The per-node state gauges of {@code /actuator/prometheus} follow the database (refreshed every 15 s; here at once). */
// a context (and so an in-memory database) of its own: nodes other test classes left in a shared one would
// take the node-series places and push this test's node under node="_other"
@org.springframework.test.context.TestPropertySource(properties = "sva.limits.node-series=100")
class NodeMetricsTest extends ApiTest {

    @Autowired
    NodeMetrics metrics;

    @Autowired
    JdbcTemplate jdbc;

    @Test
    void gaugesCountEachNodesDevicesBondsPasidsAndMappings() {
        // a node whose name sorts before every other of this context's (t-…, local): among the first
        // sva.limits.node-series by name, it has series of its own whichever test of the class ran first
        node = "a" + Api.uniqueNode();
        assertThat(api.post("/api/v1/nodes", Api.json(Map.of("name", node))).status()).isEqualTo(201);
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

    /** Issue 8 item 6: every node ever created added four series forever. */
    @Test
    void perNodeSeriesStayBoundedAndTheRestIsSummedExactly() {
        for (int i = 0; i < 110; i++) {
            String name = Api.uniqueNode();
            assertThat(api.post("/api/v1/nodes", Api.json(Map.of("name", name))).status()).isEqualTo(201);
            if (i % 10 == 0) {
                assertThat(api.post("/api/v1/devices", Api.json(Map.of("node", name, "bdf", "0000:01:00.0",
                        "driver", "vfio-pci"))).status()).isEqualTo(201);
            }
        }
        device("0000:07:01.0", 20, false);

        metrics.refresh();

        String text = api.get("/actuator/prometheus").raw().body();
        List<String> series = text.lines().filter(l -> l.startsWith("sva_devices{")).toList();
        assertThat(series).as("one series per node up to sva.limits.node-series, plus _other").hasSizeLessThanOrEqualTo(101);
        assertThat(series).anyMatch(l -> l.startsWith("sva_devices{node=\"_other\"}"));
        for (String gauge : List.of("sva_bonds_live{", "sva_pasids_live{", "sva_mappings{")) {
            assertThat(text.lines().filter(l -> l.startsWith(gauge)).count()).as(gauge).isLessThanOrEqualTo(101);
        }
        double sum = series.stream().mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        Long devices = jdbc.queryForObject("select count(*) from device", Long.class);
        assertThat(sum).as("the series add up to every device").isEqualTo(devices.doubleValue());
    }
}
