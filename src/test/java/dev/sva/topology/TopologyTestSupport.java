package dev.sva.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/** Fixtures for the topology tests: listings, imports, and a digest of everything a node holds. */
abstract class TopologyTestSupport extends ApiTest {

    /** A host modelled on published listings: AMD root ports, an RTX 2080 + audio, a PLX 8747 switch, Xilinx cards. */
    static final String SWITCH_HOST = resource("/topology/switch-host.lspci");

    /** The kernel's groups of {@link #SWITCH_HOST}, as {@code find /sys/kernel/iommu_groups/ -type l} prints them. */
    static final String SWITCH_HOST_GROUPS = String.join("\n",
            "/sys/kernel/iommu_groups/0/devices/0000:00:00.0",
            "/sys/kernel/iommu_groups/1/devices/0000:00:01.0",
            "/sys/kernel/iommu_groups/2/devices/0000:00:02.0",
            "/sys/kernel/iommu_groups/2/devices/0000:02:00.0",
            "/sys/kernel/iommu_groups/2/devices/0000:02:00.1",
            "/sys/kernel/iommu_groups/3/devices/0000:00:03.0",
            "/sys/kernel/iommu_groups/4/devices/0000:01:00.0",
            "/sys/kernel/iommu_groups/5/devices/0000:03:00.0",
            "/sys/kernel/iommu_groups/6/devices/0000:04:08.0",
            "/sys/kernel/iommu_groups/7/devices/0000:04:10.0",
            "/sys/kernel/iommu_groups/7/devices/0000:06:00.0",
            "/sys/kernel/iommu_groups/7/devices/0000:06:00.1",
            "/sys/kernel/iommu_groups/8/devices/0000:05:00.0",
            "/sys/kernel/iommu_groups/9/devices/0000:05:00.1") + "\n";

    /** {@link #SWITCH_HOST} with ACS turned on at the downstream port 04:10.0 (setpci, or a kernel that enables it). */
    static final String SWITCH_HOST_RR = SWITCH_HOST.replace(
            "0000:04:10.0 PCI bridge", "0000:04:10.0 PCI bridge").replace(
            "\t\tACSCtl:\tSrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-",
            "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-");

    /** {@link #SWITCH_HOST} with ACS turned off on 05:00.1: both functions of slot 05:00 fail ACS and share a group. */
    static final String SWITCH_HOST_MERGED = withoutAcsOn0501(SWITCH_HOST);

    @Autowired
    JdbcTemplate jdbc;

    static String resource(String path) {
        try (InputStream in = TopologyTestSupport.class.getResourceAsStream(path)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("test resource " + path, e);
        }
    }

    private static String withoutAcsOn0501(String listing) {
        int at = listing.indexOf("0000:05:00.1 ");
        int end = listing.indexOf("\n\n", at);
        String block = listing.substring(at, end).replace(
                "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-",
                "\t\tACSCtl:\tSrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-");
        return listing.substring(0, at) + block + listing.substring(end);
    }

    /** The listing without one function's block. */
    static String without(String listing, String bdf) {
        int at = listing.indexOf(bdf + " ");
        int end = listing.indexOf("\n\n", at);
        return listing.substring(0, at) + listing.substring(end + 2);
    }

    Response putTopology(Map<String, ?> body) {
        return putTopology(body, false);
    }

    Response putTopology(Map<String, ?> body, boolean dryRun) {
        return api.send("PUT", "/api/v1/nodes/" + node + "/topology" + (dryRun ? "?dryRun=true" : ""), Api.json(body));
    }

    Response importLspci(String listing) {
        Response r = putTopology(Map.of("lspci", listing));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r;
    }

    /** Device id by BDF, from the node's device list. */
    Map<String, String> devicesByBdf() {
        Map<String, String> out = new HashMap<>();
        for (JsonNode d : api.get("/api/v1/devices?node=" + node + "&limit=1000").body().path("items")) {
            out.put(d.path("bdf").asString(), d.path("id").asString());
        }
        return out;
    }

    /** The events of this test's node, in seq order: type and data. */
    List<JsonNode> events() {
        Response r = api.get("/api/v1/events?node=" + node + "&limit=1000");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        List<JsonNode> out = new ArrayList<>();
        r.body().path("items").forEach(out::add);
        return out;
    }

    List<String> eventTypes() {
        return events().stream().map(e -> e.path("type").asString()).toList();
    }

    /** Every row the node owns, in a fixed order: equal digests mean nothing changed. */
    String digest() {
        long id = jdbc.queryForObject("select id from node where name = ?", Long.class, node);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("node", jdbc.queryForList("select last_event_seq, topology_managed from node where id = ?", id));
        d.put("devices", jdbc.queryForList("select id, bdf, group_id, driver, pasid_bits, pri, ats, driver_managed_dma,"
                + " pasid_blocked_by, pasid_blocked_missing from device where node_id = ? order by id", id));
        d.put("bars", jdbc.queryForList("select b.device_id, b.bar_index, b.base, b.size from device_bar b join device d"
                + " on d.id = b.device_id where d.node_id = ? order by b.device_id, b.bar_index", id));
        d.put("groups", jdbc.queryForList("select id, container_id from iommu_group where node_id = ? order by id", id));
        d.put("bonds", jdbc.queryForList("select id, device_id, pasid from bond where node_id = ? order by id", id));
        d.put("topology", jdbc.queryForList("select source, host_report, function_count from topology where node_id = ?", id));
        d.put("functions", jdbc.queryForList("select * from topology_function where node_id = ? order by bdf", id));
        d.put("events", jdbc.queryForList("select seq, type from event where node_id = ? order by seq", id));
        return d.toString();
    }

    /** The group answer of an import that holds {@code bdf}. */
    static JsonNode groupWith(Response r, String bdf) {
        for (JsonNode g : r.body().path("groups")) {
            for (JsonNode d : g.path("devices")) {
                if (d.path("bdf").asString().equals(bdf)) {
                    return g;
                }
            }
        }
        throw new AssertionError("no group holds " + bdf + ": " + r);
    }

    static List<String> bdfsOf(JsonNode group) {
        List<String> out = new ArrayList<>();
        group.path("devices").forEach(d -> out.add(d.path("bdf").asString()));
        return out;
    }
}
