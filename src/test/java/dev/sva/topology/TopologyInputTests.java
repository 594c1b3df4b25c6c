package dev.sva.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Malformed, truncated and hostile topologies: each a {@code 400 VALIDATION_FAILED} naming what is wrong (the line of
 * a text, the function and field of a fabric), never a 5xx, and the node exactly as it was.
 */
public abstract class TopologyInputTests extends TopologyTestSupport {

    String before;

    @BeforeEach
    void importTheHost() {
        importLspci(SWITCH_HOST);
        before = digest();
    }

    Response refused(Map<String, ?> body) {
        Response r = assertProblem(putTopology(body), 400, "VALIDATION_FAILED");
        assertThat(digest()).as("nothing changed after %s", r).isEqualTo(before);
        return r;
    }

    @Test
    void aListingCutOffInsideABlockNamesTheLine() {
        String cut = SWITCH_HOST.substring(0, SWITCH_HOST.indexOf("\t\tACSCtl:", SWITCH_HOST.indexOf("0000:04:10.0 ")));
        Response r = refused(Map.of("lspci", cut));
        assertThat(r.body().path("line").asInt()).isPositive();
        assertThat(r.str("reason")).isNotBlank();
        assertThat(r.str("field")).isEqualTo("lspci");
    }

    @Test
    void tenMegabytesOfNoiseAreRefusedWithALine() {
        StringBuilder noise = new StringBuilder(10 * 1024 * 1024 + 100);
        String line = "0000:zz:00.0 garbage [ffff:ffff] ".repeat(3) + "\n";
        while (noise.length() < 10 * 1024 * 1024) {
            noise.append(line);
        }
        Response r = refused(Map.of("lspci", noise.toString()));
        assertThat(r.body().has("line")).as("%s", r).isTrue();
    }

    @Test
    void aTextBeyondSixteenMebibytesIsRefusedAtLineZero() {
        String huge = SWITCH_HOST + " ".repeat(16 * 1024 * 1024);
        Response r = refused(Map.of("lspci", huge));
        assertThat(r.body().path("line").asInt()).isZero();
    }

    @Test
    void aDuplicateFunctionIsRefusedByLineAndByBdf() {
        String block = SWITCH_HOST.substring(SWITCH_HOST.indexOf("0000:01:00.0 "), SWITCH_HOST.indexOf("0000:02:00.0 "));
        Response text = refused(Map.of("lspci", SWITCH_HOST + "\n" + block));
        assertThat(text.body().path("line").asInt()).isGreaterThan(100);
        Map<String, Object> f = Map.of("bdf", "0000:00:1f.0", "type", "ENDPOINT");
        Response structured = refused(Map.of("functions", List.of(f, f)));
        assertThat(structured.str("bdf")).isEqualTo("0000:00:1f.0");
    }

    @Test
    void aLoopInTheBusNumbersNamesTheBridge() {
        Response r = refused(Map.of("functions", List.of(
                Map.of("bdf", "0000:00:01.0", "type", "ROOT_PORT", "secondaryBus", 1, "subordinateBus", 2),
                Map.of("bdf", "0000:01:00.0", "type", "UPSTREAM_PORT", "secondaryBus", 2, "subordinateBus", 2),
                Map.of("bdf", "0000:02:00.0", "type", "DOWNSTREAM_PORT", "secondaryBus", 1, "subordinateBus", 1))));
        assertThat(r.str("bdf")).isNotBlank();
        assertThat(r.str("field")).isNotBlank();
        Response self = refused(Map.of("functions", List.of(
                Map.of("bdf", "0000:03:00.0", "type", "PCI_BRIDGE", "secondaryBus", 3, "subordinateBus", 3))));
        assertThat(self.str("bdf")).isEqualTo("0000:03:00.0");
    }

    @Test
    void aDeepChainOfBridgesImportsAndReadsBackAsATree() {
        List<Map<String, Object>> chain = new ArrayList<>();
        for (int bus = 0; bus < 127; bus++) {
            Map<String, Object> f = new HashMap<>();
            f.put("bdf", String.format("0000:%02x:00.0", bus));
            f.put("type", bus == 0 ? "ROOT_PORT" : bus % 2 == 1 ? "UPSTREAM_PORT" : "DOWNSTREAM_PORT");
            f.put("secondaryBus", bus + 1);
            f.put("subordinateBus", 127);
            chain.add(f);
        }
        chain.add(Map.of("bdf", "0000:7f:00.0", "type", "ENDPOINT"));
        Response r = putTopology(Map.of("functions", chain));
        assertThat(r.status()).as("%s", r).isIn(200, 400);
        if (r.status() == 200) {
            Response tree = api.get("/api/v1/nodes/" + node + "/topology");
            assertThat(tree.status()).as("%s", tree).isEqualTo(200);
            assertThat(tree.body().path("functionCount").asInt()).as("%s", tree).isEqualTo(128);
            assertThat(tree.body().path("buses")).hasSize(128);
            assertThat(tree.body().path("buses").get(127).path("bridge").asString()).isEqualTo("0000:7e:00.0");
        } else {
            assertThat(r.code()).isEqualTo("VALIDATION_FAILED");
            assertThat(digest()).isEqualTo(before);
        }
    }

    @Test
    void deeplyNestedJsonIsRefused() {
        String nested = "[".repeat(5000) + "]".repeat(5000);
        Response r = api.send("PUT", "/api/v1/nodes/" + node + "/topology", "{\"hostGroups\": " + nested + ", \"lspci\": \"\"}");
        assertProblem(r, 400, "VALIDATION_FAILED");
        assertThat(digest()).isEqualTo(before);
    }

    @Test
    void aNulCharacterInTheTextIsRefused() {
        Response r = refused(Map.of("lspci", SWITCH_HOST.replace("Kernel driver in use: nvme", "Kernel driver in use: nv\u0000me")));
        assertThat(r.str("field")).isEqualTo("lspci");
    }

    @Test
    void exactlyOneSourceIsAccepted() {
        refused(Map.of());
        refused(Map.of("lspci", SWITCH_HOST, "functions", List.of()));
        refused(Map.of("lspci", SWITCH_HOST, "hostGroups", List.of(List.of("0000:00:00.0")), "iommuGroups", ""));
    }

    @Test
    void malformedFunctionsAndGroupsNameTheField() {
        Response type = refused(Map.of("functions", List.of(Map.of("bdf", "0000:00:01.0", "type", "SWITCH"))));
        assertThat(type.str("field")).contains("type");
        Response vendor = refused(Map.of("functions", List.of(Map.of("bdf", "0000:00:01.0", "type", "ENDPOINT", "vendorId", "xyz"))));
        assertThat(vendor.str("field")).isEqualTo("functions[0].vendorId");
        assertThat(vendor.str("bdf")).isEqualTo("0000:00:01.0");
        Response bdf = refused(Map.of("functions", List.of(Map.of("bdf", "00:zz.0", "type", "ENDPOINT"))));
        assertThat(bdf.str("field")).isEqualTo("functions[0].bdf");
        Response twice = refused(Map.of("lspci", SWITCH_HOST, "hostGroups",
                List.of(List.of("0000:00:00.0"), List.of("0000:00:00.0"))));
        assertThat(twice.str("field")).isEqualTo("hostGroups[1][0]");
        Response groups = refused(Map.of("lspci", SWITCH_HOST, "iommuGroups", "/sys/kernel/iommu_groups/x/devices/nonsense\n"));
        assertThat(groups.str("field")).isEqualTo("iommuGroups");
        assertThat(groups.body().path("line").asInt()).isEqualTo(1);
    }
}
