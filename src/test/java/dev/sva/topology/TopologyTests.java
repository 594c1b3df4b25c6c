package dev.sva.topology;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Import of a real-looking host over HTTP (TOPOLOGY.md "Reconciling a node with a new topology"): the enforced groups,
 * idempotent re-import, dry run, hot-plug, hot-unplug and re-formed groups with their revocations and events, and the
 * refusals a topology-managed node answers.
 */
public abstract class TopologyTests extends TopologyTestSupport {

    @Test
    void importOfAListingWithTheHostsGroupsAnswersTheEnforcedGroups() {
        Response r = importLspci(SWITCH_HOST);
        Response again = putTopology(Map.of("lspci", SWITCH_HOST, "iommuGroups", SWITCH_HOST_GROUPS));
        assertThat(again.status()).as("%s", again).isEqualTo(200);
        assertThat(r.str("node")).isEqualTo(node);
        assertThat(r.body().path("applied").asBoolean()).isTrue();
        assertThat(r.body().path("groups")).hasSize(10);
        JsonNode gpu = groupWith(r, "0000:02:00.0");
        assertThat(bdfsOf(gpu)).containsExactly("0000:00:02.0", "0000:02:00.0", "0000:02:00.1");
        assertThat(gpu.path("reasons").get(0).path("kind").asString()).isEqualTo("ACS_PATH");
        assertThat(gpu.path("reasons").get(0).path("bdf").asString()).isEqualTo("0000:00:02.0");
        assertThat(bdfsOf(groupWith(r, "0000:05:00.0"))).containsExactly("0000:05:00.0");
        // every function is a device, bridges included, each in the group the answer names
        Map<String, String> devices = devicesByBdf();
        assertThat(devices).hasSize(14);
        for (JsonNode g : r.body().path("groups")) {
            for (JsonNode d : g.path("devices")) {
                assertThat(d.path("id").asString()).isEqualTo(devices.get(d.path("bdf").asString()));
                assertThat(groupOf(d.path("id").asString())).isEqualTo(g.path("id").asString());
            }
        }
        assertThat(r.body().path("changes").path("plugged")).hasSize(14);
        assertThat(eventTypes()).contains("TOPOLOGY_IMPORTED");
        // the host's own report agrees: same groups, same ids, no divergence
        assertThat(again.body().path("divergences")).isEmpty();
        assertThat(again.body().path("groups").toString()).isEqualTo(r.body().path("groups").toString());
        Response viaIommu = api.get("/api/v1/nodes/" + node + "/topology");
        assertThat(viaIommu.body().path("hostReport").asBoolean()).isTrue();
    }

    @Test
    void structuredFunctionsImportAsTheListingDoes() {
        Response r = putTopology(Map.of("functions", List.of(
                Map.of("bdf", "0000:00:1c.0", "type", "ROOT_PORT", "secondaryBus", 1, "subordinateBus", 1, "driver", "pcieport"),
                Map.of("bdf", "0000:01:00.0", "type", "ENDPOINT", "vendorId", "10de", "deviceId", "1eb8", "multifunction", true,
                        "bars", List.of(Map.of("index", 0, "base", "0xf6000000", "size", 16777216)), "pasidBits", 20,
                        "driver", "vfio-pci"),
                Map.of("bdf", "0000:01:00.1", "type", "ENDPOINT", "vendorId", "10de", "deviceId", "10f9", "multifunction", true)),
                "hostGroups", List.of(List.of("0000:00:1c.0", "0000:01:00.0", "0000:01:00.1"))));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body().path("groups")).hasSize(1);
        assertThat(bdfsOf(r.body().path("groups").get(0))).containsExactly("0000:00:1c.0", "0000:01:00.0", "0000:01:00.1");
        Response tree = api.get("/api/v1/nodes/" + node + "/topology");
        assertThat(tree.status()).as("%s", tree).isEqualTo(200);
        assertThat(tree.body().path("roots").toString()).isEqualTo("[\"0000:00\"]");
        JsonNode root = tree.body().path("buses").get(0);
        assertThat(root.path("bus").asString()).isEqualTo("0000:00");
        assertThat(root.path("functions").get(0).path("bdf").asString()).isEqualTo("0000:00:1c.0");
        assertThat(root.path("buses").toString()).isEqualTo("[\"0000:01\"]");
        JsonNode below = tree.body().path("buses").get(1);
        assertThat(below.path("bus").asString()).isEqualTo("0000:01");
        assertThat(below.path("parent").asString()).isEqualTo("0000:00");
        assertThat(below.path("bridge").asString()).isEqualTo("0000:00:1c.0");
        assertThat(below.path("functions").get(0).path("vendorId").asString()).isEqualTo("10de");
        assertThat(below.path("functions").get(0).path("groupId").asString())
                .isEqualTo(r.body().path("groups").get(0).path("id").asString());
    }

    @Test
    void reimportOfAnUnchangedHostChangesNothingAndWritesNoEvent() {
        Response first = importLspci(SWITCH_HOST);
        String before = digest();
        Response again = importLspci(SWITCH_HOST);
        assertThat(digest()).isEqualTo(before);
        assertThat(again.body().path("groups").toString()).isEqualTo(first.body().path("groups").toString());
        assertThat(again.body().path("changes").path("plugged")).isEmpty();
        assertThat(again.body().path("changes").path("unplugged")).isEmpty();
        assertThat(again.body().path("changes").path("regrouped")).isEmpty();
    }

    @Test
    void dryRunAnswersThePlanAndChangesNothing() {
        String empty = digest();
        Response dry = putTopology(Map.of("lspci", SWITCH_HOST), true);
        assertThat(dry.status()).as("%s", dry).isEqualTo(200);
        assertThat(dry.body().path("applied").asBoolean()).isFalse();
        assertThat(dry.body().path("groups")).hasSize(10);
        assertThat(dry.body().path("changes").path("plugged")).hasSize(14);
        assertThat(dry.body().path("groups").get(0).path("id").isNull()).isTrue();
        assertThat(digest()).isEqualTo(empty);
        assertThat(api.get("/api/v1/nodes/" + node + "/topology").status()).isEqualTo(404);

        importLspci(SWITCH_HOST);
        String imported = digest();
        Response merge = putTopology(Map.of("lspci", SWITCH_HOST_MERGED), true);
        assertThat(merge.body().path("changes").path("regrouped")).hasSize(2);
        assertThat(digest()).isEqualTo(imported);
    }

    @Test
    void aGroupThatMergesIsReformedItsBondsRevokedAndItsContainerLeft() {
        importLspci(SWITCH_HOST);
        Map<String, String> d = devicesByBdf();
        String accel = d.get("0000:05:00.1");
        String oldGroup = groupOf(accel);
        String container = container();
        attach(container, oldGroup);
        String proc = process(4242);
        Response bond = bind(accel, proc);
        assertThat(bond.status()).as("%s", bond).isEqualTo(201);
        String keptGpuGroup = groupOf(d.get("0000:02:00.0"));

        Response r = importLspci(SWITCH_HOST_MERGED);
        JsonNode merged = groupWith(r, "0000:05:00.1");
        assertThat(bdfsOf(merged)).containsExactly("0000:05:00.0", "0000:05:00.1");
        assertThat(merged.path("id").asString()).isNotEqualTo(oldGroup);
        assertThat(groupOf(d.get("0000:02:00.0"))).isEqualTo(keptGpuGroup);
        JsonNode revoked = r.body().path("changes").path("revokedBonds");
        assertThat(revoked).hasSize(1);
        assertThat(revoked.get(0).path("bondId").asString()).isEqualTo(bond.str("id"));
        assertThat(revoked.get(0).path("reason").asString()).isEqualTo("TOPOLOGY_CHANGED");
        assertThat(r.body().path("changes").path("regrouped")).hasSize(2);

        assertThat(api.get("/api/v1/bonds/" + bond.str("id")).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/groups/" + oldGroup).status()).isEqualTo(404);
        assertThat(api.get("/api/v1/groups/" + merged.path("id").asString()).body().path("containerId").isNull()).isTrue();
        List<JsonNode> events = events();
        assertThat(events.stream().filter(e -> e.path("type").asString().equals("BOND_REVOKED"))
                .map(e -> e.path("data").path("reason").asString())).containsExactly("TOPOLOGY_CHANGED");
        assertThat(events.stream().filter(e -> e.path("type").asString().equals("GROUP_REFORMED"))
                .map(e -> e.path("subject").path("id").asString())).contains(oldGroup).hasSize(2);
        assertThat(events.stream().map(e -> e.path("type").asString())).contains("GROUP_DETACHED", "GROUP_CREATED");
        // the merged group is multi-device: a device bind is refused (rule 1)
        assertProblem(bind(accel, proc), 409, "GROUP_NOT_SINGLETON");
    }

    @Test
    void aFunctionThatAppearsIsHotPluggedIntoItsGroupAndOneThatGoesIsUnplugged() {
        importLspci(SWITCH_HOST);
        Map<String, String> d = devicesByBdf();
        String gpuGroup = groupOf(d.get("0000:02:00.0"));
        String nvme = d.get("0000:01:00.0");
        String usb = "0000:02:00.2 USB controller [0c03]: NVIDIA Corporation TU104 USB 3.1 Host Controller [10de:1ad8] (rev a1) (prog-if 30 [XHCI])\n"
                + "\tRegion 0: Memory at f7000000 (64-bit, prefetchable) [size=256K]\n"
                + "\tCapabilities: [68] Express (v2) Endpoint, MSI 00\n"
                + "\tKernel driver in use: xhci_hcd\n\n";
        String changed = without(SWITCH_HOST, "0000:01:00.0").replace("0000:03:00.0 PCI bridge", usb + "0000:03:00.0 PCI bridge");

        Response r = importLspci(changed);
        JsonNode plugged = r.body().path("changes").path("plugged");
        assertThat(plugged).hasSize(1);
        assertThat(plugged.get(0).path("bdf").asString()).isEqualTo("0000:02:00.2");
        JsonNode unplugged = r.body().path("changes").path("unplugged");
        assertThat(unplugged).hasSize(1);
        assertThat(unplugged.get(0).path("id").asString()).isEqualTo(nvme);
        assertThat(r.body().path("changes").path("regrouped")).isEmpty();
        // hot-plug into the kept group: same id (rule 5)
        assertThat(groupWith(r, "0000:02:00.2").path("id").asString()).isEqualTo(gpuGroup);
        assertThat(groupOf(plugged.get(0).path("id").asString())).isEqualTo(gpuGroup);
        assertThat(api.get("/api/v1/devices/" + nvme).status()).isEqualTo(404);
        assertThat(eventTypes()).contains("DEVICE_REMOVED", "GROUP_REMOVED").doesNotContain("GROUP_REFORMED");
    }

    @Test
    void aTopologyManagedNodeRefusesHandMadeGroupsAndDevices() {
        String declared = created(api.post("/api/v1/groups", Api.json(Map.of("node", node))));
        importLspci(SWITCH_HOST);
        // the hand-made empty group did not survive the import: the node's groups are the host's now
        assertThat(api.get("/api/v1/groups/" + declared).status()).isEqualTo(404);
        String group = groupOf(devicesByBdf().get("0000:02:00.0"));
        Response r = assertProblem(api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", "0000:07:00.0",
                "groupId", group))), 409, "TOPOLOGY_MANAGED");
        assertThat(r.str("errno")).isEqualTo("EBUSY");
        assertProblem(api.post("/api/v1/groups", Api.json(Map.of("node", node))), 409, "TOPOLOGY_MANAGED");
        assertProblem(api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", "0000:07:00.0"))), 409, "TOPOLOGY_MANAGED");
        assertProblem(api.delete("/api/v1/devices/" + devicesByBdf().get("0000:01:00.0")), 409, "TOPOLOGY_MANAGED");
    }

    @Test
    void aBridgeWithItsPortDriverNeverMakesAGroupNonViable() {
        importLspci(SWITCH_HOST);
        String group = groupOf(devicesByBdf().get("0000:06:00.0"));
        // the group holds downstream port 04:10.0, bound to pcieport (driver_managed_dma)
        String container = container();
        Response r = api.put("/api/v1/containers/" + container + "/groups/" + group);
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(api.get("/api/v1/groups/" + group).body().path("viable").asBoolean()).isTrue();
        // the RTX's group holds a host driver nowhere either: vfio-pci and pcieport only
        String gpu = groupOf(devicesByBdf().get("0000:02:00.0"));
        assertThat(api.put("/api/v1/containers/" + container + "/groups/" + gpu).status()).isEqualTo(201);
        // an NVMe bound to nvme is a host driver: not viable (rule 6)
        String nvme = groupOf(devicesByBdf().get("0000:01:00.0"));
        assertProblem(api.put("/api/v1/containers/" + container + "/groups/" + nvme), 409, "GROUP_NOT_VIABLE");
    }

    @Test
    void isolationNamesTheBridgeTheSlotAndThePeers() {
        importLspci(SWITCH_HOST);
        Map<String, String> d = devicesByBdf();
        Response gpu = api.get("/api/v1/devices/" + d.get("0000:02:00.1") + "/isolation");
        assertThat(gpu.status()).as("%s", gpu).isEqualTo(200);
        assertThat(gpu.str("groupId")).isEqualTo(groupOf(d.get("0000:02:00.1")));
        assertThat(gpu.body().path("members")).hasSize(3);
        JsonNode reason = gpu.body().path("reasons").get(0);
        assertThat(reason.path("kind").asString()).isEqualTo("ACS_PATH");
        assertThat(reason.path("bdf").asString()).isEqualTo("0000:00:02.0");
        assertThat(reason.path("missing").toString()).contains("RR", "UF");
        // the audio function reaches the GPU's BARs inside the multifunction device
        List<String> peers = new ArrayList<>();
        gpu.body().path("reachablePeers").forEach(p -> peers.add(p.path("deviceId").asString() + "/" + p.path("bar").asInt()));
        assertThat(peers).contains(d.get("0000:02:00.0") + "/0", d.get("0000:02:00.0") + "/1");

        Response accel = api.get("/api/v1/devices/" + d.get("0000:05:00.0") + "/isolation");
        assertThat(accel.body().path("members")).hasSize(1);
        assertThat(accel.body().path("pasidPath").path("isolated").asBoolean()).isFalse();
        assertThat(accel.body().path("pasidPath").path("bridge").asString()).isEqualTo("0000:05:00.0");
        assertThat(accel.body().path("pasidPath").path("missing").toString()).contains("RR", "UF");
        Response isolated = api.get("/api/v1/devices/" + d.get("0000:05:00.1") + "/isolation");
        assertThat(isolated.body().path("pasidPath").path("isolated").asBoolean()).isTrue();
        assertThat(isolated.body().path("reasons")).isEmpty();
    }

    @Test
    void aDeviceOfADeclaredNodeIsIsolatedByDeclaration() {
        String g = created(api.post("/api/v1/groups", Api.json(Map.of("node", node))));
        String a = deviceInGroup("0000:01:00.0", g, 20, false);
        deviceInGroup("0000:01:00.1", g, 20, false);
        Response r = api.get("/api/v1/devices/" + a + "/isolation");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.str("groupId")).isEqualTo(g);
        assertThat(r.body().path("members")).hasSize(2);
        assertThat(r.body().path("reasons").get(0).path("kind").asString()).isEqualTo("DECLARED");
        assertThat(api.get("/api/v1/devices/dev-999999/isolation").status()).isEqualTo(404);
    }

    @Test
    void aBindOnADeviceWhosePathCannotCarryPasidIsSvaUnsupportedWithTheBridge() {
        importLspci(SWITCH_HOST);
        Map<String, String> d = devicesByBdf();
        String proc = process(7);
        Response r = assertProblem(bind(d.get("0000:05:00.0"), proc), 422, "SVA_UNSUPPORTED");
        assertThat(r.body().path("pasidPath").path("bridge").asString()).isEqualTo("0000:05:00.0");
        assertThat(r.body().path("pasidPath").path("missing").toString()).contains("RR", "UF");
        assertThat(r.body().path("devices").get(0).path("id").asString()).isEqualTo(d.get("0000:05:00.0"));
        // its sibling has ACS: the path is isolated and the bind goes through
        assertThat(bind(d.get("0000:05:00.1"), proc).status()).isEqualTo(201);
        // a container bind covering it is refused alike
        String container = container();
        attach(container, groupOf(d.get("0000:05:00.0")));
        assertProblem(bindContainer(container, proc), 422, "SVA_UNSUPPORTED");
    }

    @Test
    void whatIfAnswersTheSplitAndChangesNothing() {
        importLspci(SWITCH_HOST);
        Map<String, String> d = devicesByBdf();
        String before = digest();
        Response r = api.post("/api/v1/nodes/" + node + "/topology/what-if", Api.json(Map.of(
                "acs", List.of(Map.of("bdf", "0000:04:10.0", "ctl", List.of("SV", "RR", "CR", "UF"))))));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.body().path("split").toString()).contains("0000:04:10.0", "0000:06:00.0");
        assertThat(r.body().path("groupsAfter").size()).isEqualTo(r.body().path("groupsBefore").size() + 1);
        List<String> closed = new ArrayList<>();
        r.body().path("peerPathsClosed").forEach(l -> closed.add(l.path("from").asString() + ">" + l.path("to").asString()));
        assertThat(closed).contains("0000:06:00.0>0000:05:00.0");
        assertThat(digest()).isEqualTo(before);

        // without its sibling, 05:00.0 is a single-function endpoint: ACS-enabled, so its path carries PASID
        Response unplug = api.post("/api/v1/nodes/" + node + "/topology/what-if", Api.json(Map.of(
                "unplug", List.of("0000:05:00.1"))));
        assertThat(unplug.status()).as("%s", unplug).isEqualTo(200);
        List<String> legal = new ArrayList<>();
        unplug.body().path("bindsBecomingLegal").forEach(x -> legal.add(x.path("id").asString()));
        assertThat(legal).containsExactly(d.get("0000:05:00.0"));
        assertThat(digest()).isEqualTo(before);

        assertProblem(api.post("/api/v1/nodes/" + node + "/topology/what-if", Api.json(Map.of(
                "unplug", List.of("0000:09:00.0")))), 400, "VALIDATION_FAILED");
        assertThat(digest()).isEqualTo(before);
    }

    @Test
    void withoutATopologyTheTopologyAndWhatIfAreNotFound() {
        assertProblem(api.get("/api/v1/nodes/" + node + "/topology"), 404, "NOT_FOUND");
        assertProblem(api.post("/api/v1/nodes/" + node + "/topology/what-if", "{}"), 404, "NOT_FOUND");
        assertProblem(api.send("PUT", "/api/v1/nodes/no-such-node/topology", Api.json(Map.of("lspci", SWITCH_HOST))),
                404, "NOT_FOUND");
    }
}
