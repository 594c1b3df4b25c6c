package dev.sva.node;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import dev.sva.core.LimitsProperties;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Per-node gauges of the state the database holds — live bonds, PASIDs in use, DMA mappings,
 * devices — refreshed every 15 s from one aggregate query each, so a scrape never touches the
 * database and any replica reports the same numbers.
 *
 * <p>The number of series stays bounded however many nodes are created: the first
 * {@code sva.limits.node-series} nodes by name have their own series, the others are summed under
 * {@code node="_other"} (a name no node can have), and each refresh replaces the rows, so a series
 * never outlives its node. Totals over all series stay exact.
 */
@Component
class NodeMetrics {

    private static final Logger log = LoggerFactory.getLogger(NodeMetrics.class);

    private final JdbcTemplate jdbc;
    private final MultiGauge bonds;
    private final MultiGauge pasids;
    private final MultiGauge mappings;
    private final MultiGauge devices;

    /** The tag value of the nodes past the limit. */
    static final String OTHER = "_other";

    private final int maxNodes;

    NodeMetrics(JdbcTemplate jdbc, MeterRegistry meters, LimitsProperties limits) {
        this.jdbc = jdbc;
        this.maxNodes = limits.nodeSeries();
        this.bonds = MultiGauge.builder("sva.bonds.live").description("Live bonds, by node").register(meters);
        this.pasids = MultiGauge.builder("sva.pasids.live").description("PASIDs held by live processes, by node").register(meters);
        this.mappings = MultiGauge.builder("sva.mappings").description("DMA mappings, by node").register(meters);
        this.devices = MultiGauge.builder("sva.devices").description("Devices, by node").register(meters);
    }

    @EventListener(ApplicationReadyEvent.class)
    @Scheduled(fixedDelayString = "PT15S", initialDelayString = "PT15S")
    void refresh() {
        try {
            bonds.register(rows("select n.name, count(b.id) from node n left join bond b on b.node_id = n.id group by n.name"), true);
            pasids.register(rows("select n.name, count(a.pasid) from node n left join address_space a on a.node_id = n.id group by n.name"), true);
            mappings.register(rows("select n.name, count(m.id) from node n left join container c on c.node_id = n.id "
                    + "left join dma_mapping m on m.container_id = c.id group by n.name"), true);
            devices.register(rows("select n.name, count(d.id) from node n left join device d on d.node_id = n.id group by n.name"), true);
        } catch (RuntimeException e) {
            log.warn("could not refresh node gauges: {}", e.toString());
        }
    }

    private List<MultiGauge.Row<?>> rows(String sql) {
        Map<String, Long> byNode = new TreeMap<>();
        jdbc.query(sql, rs -> {
            byNode.put(rs.getString(1), rs.getLong(2));
        });
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        long other = 0;
        boolean overflow = false;
        for (Map.Entry<String, Long> e : byNode.entrySet()) {
            if (rows.size() < maxNodes) {
                rows.add(MultiGauge.Row.of(Tags.of("node", e.getKey()), e.getValue()));
            } else {
                other += e.getValue();
                overflow = true;
            }
        }
        if (overflow) {
            rows.add(MultiGauge.Row.of(Tags.of("node", OTHER), other));
        }
        return rows;
    }
}
