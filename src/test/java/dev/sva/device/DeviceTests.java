package dev.sva.device;

import static dev.sva.support.ProblemAssert.assertInvalid;
import static dev.sva.support.ProblemAssert.assertNotFound;
import static dev.sva.support.ProblemAssert.assertRefused;
import static dev.sva.support.ProblemAssert.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Devices over HTTP: plug-in with and without a group (hot-plug, rule 5), BDF and BAR validation,
 * driver binding and group ownership (rule 6), hot-unplug, lookups and the paged list.
 */
abstract class DeviceTests extends ApiTest {

    /** POST /devices on this test's node with the given fields. */
    private Response plug(Object... fields) {
        Map<String, Object> body = obj("node", node);
        body.putAll(obj(fields));
        return api.post("/api/v1/devices", Api.json(body));
    }

    private Response patchDriver(String deviceId, String driver) {
        return api.patch("/api/v1/devices/" + deviceId, Api.json(obj("driver", driver)));
    }

    private JsonNode group(String groupId) {
        Response r = api.get("/api/v1/groups/" + groupId);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.body();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    private static Map<String, Object> bar(Object index, Object base, Object size) {
        return obj("index", index, "base", base, "size", size);
    }

    // ---- plug-in ----

    @Test
    void deviceWithoutGroupGetsANewSingletonGroup() {
        Response r = plug("bdf", "0000:3b:00.0", "driver", "vfio-pci", "pasidBits", 20, "pri", true, "ats", true);
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        String id = r.str("id");
        assertThat(r.header("Location")).endsWith("/api/v1/devices/" + id);
        assertThat(r.str("node")).isEqualTo(node);
        assertThat(r.str("bdf")).isEqualTo("0000:3b:00.0");
        assertThat(r.str("driver")).isEqualTo("vfio-pci");
        assertThat(r.body().path("pasidBits").asInt()).isEqualTo(20);
        assertThat(r.body().path("pri").asBoolean()).isTrue();
        assertThat(r.body().path("ats").asBoolean()).isTrue();
        assertThat(r.body().path("bars").isArray()).isTrue();
        assertThat(r.body().path("bars").size()).isZero();
        assertThat(r.str("createdAt")).isNotBlank();

        JsonNode group = group(r.str("groupId"));
        assertThat(strings(group.path("devices"))).containsExactly(id);
        assertThat(group.path("singleton").asBoolean()).isTrue();
        assertThat(group.path("viable").asBoolean()).isTrue();
        assertThat(group.path("containerId").isNull()).isTrue();
        assertThat(group.path("node").asString()).isEqualTo(node);

        Response got = api.get("/api/v1/devices/" + id);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(r.body());
    }

    @Test
    void optionalFieldsDefaultToNoDriverNoPasidNoPriNoAtsNoBars() {
        Response r = plug("bdf", "0000:3b:00.0");
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.body().has("driver")).isTrue();
        assertThat(r.body().path("driver").isNull()).isTrue();
        assertThat(r.body().path("pasidBits").asInt()).isZero();
        assertThat(r.body().path("pri").asBoolean()).isFalse();
        assertThat(r.body().path("ats").asBoolean()).isFalse();
        assertThat(r.body().path("bars").size()).isZero();
    }

    @Test
    void twoDevicesWithoutGroupGetTwoGroups() {
        String a = created(plug("bdf", "0000:01:00.0"));
        String b = created(plug("bdf", "0000:01:00.1"));
        assertThat(groupOf(a)).isNotNull().isNotEqualTo(groupOf(b));
    }

    // ---- BDF ----

    @Test
    void bdfIsNormalisedToLowerCaseWithItsDomain() {
        assertThat(plug("bdf", "3B:00.1").str("bdf")).isEqualTo("0000:3b:00.1");
        assertThat(plug("bdf", "0001:AF:1F.7").str("bdf")).isEqualTo("0001:af:1f.7");
        assertThat(plug("bdf", " ffff:ff:00.0 ").str("bdf")).isEqualTo("ffff:ff:00.0");
    }

    @Test
    void malformedBdfIsRefused() {
        for (String bad : List.of("", "3b:00", "0000:3b:00.8", "0000:3b:20.0", "g0:00.0", "00000:3b:00.0",
                "0000:3b:00:0", "0000-3b-00.0", "0000:3b:00.0.0", "0x3b:00.0")) {
            assertInvalid(plug("bdf", bad), "bdf");
        }
        assertInvalid(plug(), "bdf");
        assertInvalid(plug("bdf", null), "bdf");
        assertInvalid(plug("bdf", List.of("0000:3b:00.0")), "bdf");
        assertThat(api.get("/api/v1/devices?node=" + node).body().path("items").size()).isZero();
    }

    @Test
    void duplicateBdfOnANodeIsRefusedEvenWrittenDifferently() {
        String first = created(plug("bdf", "0000:3b:00.0"));
        Response dup = assertRefused(plug("bdf", "0000:3b:00.0"), 409, "DUPLICATE", "EEXIST");
        assertThat(dup.str("bdf")).isEqualTo("0000:3b:00.0");
        assertRefused(plug("bdf", "3B:00.0"), 409, "DUPLICATE", "EEXIST");
        String group = api.get("/api/v1/devices/" + first).str("groupId");
        assertRefused(plug("bdf", "0000:3b:00.0", "groupId", group), 409, "DUPLICATE", "EEXIST");
        assertThat(strings(group(group).path("devices"))).containsExactly(first);
        assertThat(api.get("/api/v1/devices?node=" + node).body().path("items").size()).isOne();
    }

    @Test
    void sameBdfOnAnotherNodeIsFine() {
        created(plug("bdf", "0000:3b:00.0"));
        String other = Api.uniqueNode();
        assertThat(api.post("/api/v1/nodes", Api.json(obj("name", other))).status()).isEqualTo(201);
        Response r = api.post("/api/v1/devices", Api.json(obj("node", other, "bdf", "0000:3b:00.0")));
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.str("node")).isEqualTo(other);
    }

    // ---- pasidBits ----

    @Test
    void pasidBitsMustLieBetween0And20() {
        assertThat(plug("bdf", "0000:01:00.0", "pasidBits", 0).status()).isEqualTo(201);
        assertThat(plug("bdf", "0000:01:00.1", "pasidBits", 20).body().path("pasidBits").asInt()).isEqualTo(20);
        assertInvalid(plug("bdf", "0000:01:00.2", "pasidBits", -1), "pasidBits");
        assertInvalid(plug("bdf", "0000:01:00.3", "pasidBits", 21), "pasidBits");
        assertInvalid(plug("bdf", "0000:01:00.4", "pasidBits", 1L << 40), "pasidBits");
        assertInvalid(plug("bdf", "0000:01:00.5", "pasidBits", "twenty"), "pasidBits");
        assertInvalid(plug("bdf", "0000:01:00.6", "pasidBits", 2.5), "pasidBits");
        assertInvalid(plug("bdf", "0000:01:00.7", "pri", "maybe"), "pri");
        assertThat(api.get("/api/v1/devices?node=" + node).body().path("items").size()).isEqualTo(2);
    }

    // ---- BARs ----

    @Test
    void barsAreValidatedAndRenderedSortedByIndexWithLowerCaseBases() {
        Response r = plug("bdf", "0000:3b:00.0", "bars", List.of(
                bar(2, "0xF0000000", "0x10000"),
                bar(0, "0X1000", 4096),
                bar(5, "0xe000000000", 1L << 36)));
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        JsonNode bars = r.body().path("bars");
        assertThat(bars.size()).isEqualTo(3);
        assertThat(bars.get(0).path("index").asInt()).isZero();
        assertThat(bars.get(0).path("base").asString()).isEqualTo("0x1000");
        assertThat(bars.get(0).path("size").asLong()).isEqualTo(4096);
        assertThat(bars.get(1).path("index").asInt()).isEqualTo(2);
        assertThat(bars.get(1).path("base").asString()).isEqualTo("0xf0000000");
        assertThat(bars.get(1).path("size").isIntegralNumber()).isTrue();
        assertThat(bars.get(1).path("size").asLong()).isEqualTo(0x10000);
        assertThat(bars.get(2).path("index").asInt()).isEqualTo(5);
        assertThat(bars.get(2).path("base").asString()).isEqualTo("0xe000000000");
        assertThat(bars.get(2).path("size").asLong()).isEqualTo(1L << 36);
        assertThat(api.get("/api/v1/devices/" + r.str("id")).body().path("bars")).isEqualTo(bars);
    }

    @Test
    void barSizeMustBeAPowerOfTwoOfAtLeast4096() {
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "0x0", 0x3000))), "bars[0].size");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "0x0", 2048))), "bars[0].size");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "0x0", 0))), "bars[0].size");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "0x0", -4096))), "bars[0].size");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "0x0", "4096"))), "bars[0].size");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "0x0", null))), "bars[0].size");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "0x0", 4096), bar(1, "0x0", 6000))),
                "bars[1].size");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "0x0", "0x8000000000000000"))),
                "bars[0].size", "EOVERFLOW");
        assertThat(api.get("/api/v1/devices?node=" + node).body().path("items").size()).isZero();
    }

    @Test
    void barBaseMustBeAlignedToItsSize() {
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "0x1000", 0x2000))), "bars[0].base");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "0x10800", 0x1000))), "bars[0].base");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "0xfffffffffffff000", 0x2000))), "bars[0].base");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "4096", 0x1000))), "bars[0].base");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, null, 0x1000))), "bars[0].base");
        assertThat(plug("bdf", "0000:01:00.0", "bars", List.of(bar(0, "0xfffffffffffff000", 0x1000))).status())
                .as("the last page of the 64-bit space is a valid BAR").isEqualTo(201);
    }

    @Test
    void barIndexMustLieBetween0And5AndNotRepeat() {
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(6, "0x0", 4096))), "bars[0].index");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(-1, "0x0", 4096))), "bars[0].index");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(null, "0x0", 4096))), "bars[0].index");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", List.of(bar(1, "0x0", 4096), bar(1, "0x1000", 4096))),
                "bars[1].index");
        List<Map<String, Object>> seven = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            seven.add(bar(i % 6, "0x" + Long.toHexString((i + 1L) << 20), 4096));
        }
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", seven), "bars");
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", "0x1000"), "bars");
        List<Object> withNull = new ArrayList<>();
        withNull.add(null);
        assertInvalid(plug("bdf", "0000:01:00.0", "bars", withNull), "bars[0]");
        List<Map<String, Object>> six = new ArrayList<>();
        for (int i = 5; i >= 0; i--) {
            six.add(bar(i, "0x" + Long.toHexString((i + 1L) << 20), 4096));
        }
        Response r = plug("bdf", "0000:01:00.0", "bars", six);
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.body().path("bars").findValues("index")).extracting(JsonNode::asInt).containsExactly(0, 1, 2, 3, 4, 5);
    }

    // ---- drivers ----

    @Test
    void driverNamesAreValidated() {
        assertInvalid(plug("bdf", "0000:01:00.0", "driver", ""), "driver");
        assertInvalid(plug("bdf", "0000:01:00.0", "driver", "bad driver"), "driver");
        assertInvalid(plug("bdf", "0000:01:00.0", "driver", "x".repeat(65)), "driver");
        assertThat(plug("bdf", "0000:01:00.0", "driver", "mlx5_core").str("driver")).isEqualTo("mlx5_core");
    }

    @Test
    void patchBindsAndUnbindsDriversOfADetachedGroup() {
        String id = created(plug("bdf", "0000:01:00.0"));
        String group = api.get("/api/v1/devices/" + id).str("groupId");

        Response host = patchDriver(id, "nvidia");
        assertThat(host.status()).as("%s", host).isEqualTo(200);
        assertThat(host.str("driver")).isEqualTo("nvidia");
        assertThat(host.str("id")).isEqualTo(id);
        assertThat(group(group).path("viable").asBoolean()).isFalse();

        assertThat(patchDriver(id, "vfio-pci").str("driver")).isEqualTo("vfio-pci");
        assertThat(group(group).path("viable").asBoolean()).isTrue();

        Response none = patchDriver(id, null);
        assertThat(none.status()).as("%s", none).isEqualTo(200);
        assertThat(none.body().path("driver").isNull()).isTrue();
        assertThat(api.get("/api/v1/devices/" + id).body().path("driver").isNull()).isTrue();
    }

    @Test
    void hostDriverOnADeviceOfAnAttachedGroupIsGroupOwned() {
        String id = device("0000:01:00.0", 0, false);
        String group = groupOf(id);
        String ctr = container();
        attach(ctr, group);

        Response r = assertRefused(patchDriver(id, "nvidia"), 409, "GROUP_OWNED", "EBUSY");
        assertThat(r.str("groupId")).isEqualTo(group);
        assertThat(r.str("containerId")).isEqualTo(ctr);
        assertThat(api.get("/api/v1/devices/" + id).str("driver")).isEqualTo("vfio-pci");
        assertThat(group(group).path("viable").asBoolean()).isTrue();

        assertThat(patchDriver(id, null).status()).isEqualTo(200);
        assertThat(patchDriver(id, "vfio-pci").status()).isEqualTo(200);

        assertThat(api.delete("/api/v1/containers/" + ctr + "/groups/" + group).status()).isEqualTo(204);
        assertThat(patchDriver(id, "nvidia").status()).as("once detached the host may take it back").isEqualTo(200);
    }

    @Test
    void patchNeedsTheDriverKeyAndNothingElse() {
        String id = created(plug("bdf", "0000:01:00.0", "driver", "vfio-pci"));
        assertInvalid(api.patch("/api/v1/devices/" + id, "{}"), "driver");
        assertInvalid(api.patch("/api/v1/devices/" + id, "{\"driver\": 5}"), "driver");
        assertInvalid(api.patch("/api/v1/devices/" + id, "{\"driver\": \"no spaces\"}"), "driver");
        assertInvalid(api.patch("/api/v1/devices/" + id, "{\"driver\": null, \"pasidBits\": 20}"), "pasidBits");
        assertInvalid(api.patch("/api/v1/devices/" + id, "[]"), "body");
        assertInvalid(api.patch("/api/v1/devices/" + id, "{\"driver\":"), "body");
        assertThat(api.get("/api/v1/devices/" + id).str("driver")).isEqualTo("vfio-pci");
        assertNotFound(patchDriver("dev-999999999", "vfio-pci"));
    }

    // ---- hot-plug into a group (rule 5) ----

    @Test
    void hotplugIntoAGroupJoinsItAndTheGroupIsNoLongerSingleton() {
        String first = device("0000:3b:00.0", 20, true);
        String group = groupOf(first);
        Response r = plug("bdf", "0000:3b:00.1", "groupId", group, "driver", "vfio-pci");
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.str("groupId")).isEqualTo(group);

        JsonNode view = group(group);
        assertThat(strings(view.path("devices"))).containsExactly(first, r.str("id"));
        assertThat(view.path("singleton").asBoolean()).isFalse();
        assertThat(view.path("viable").asBoolean()).isTrue();

        JsonNode members = api.get("/api/v1/devices?node=" + node + "&groupId=" + group).body().path("items");
        assertThat(members.findValuesAsString("id")).containsExactly(first, r.str("id"));
    }

    @Test
    void hotplugIntoAnEmptyGroupMakesItASingleton() {
        Response g = api.post("/api/v1/groups", Api.json(obj("node", node)));
        assertThat(g.status()).as("%s", g).isEqualTo(201);
        String group = g.str("id");
        String id = created(plug("bdf", "0000:02:00.0", "groupId", group));
        JsonNode view = group(group);
        assertThat(strings(view.path("devices"))).containsExactly(id);
        assertThat(view.path("singleton").asBoolean()).isTrue();
    }

    @Test
    void hotplugIntoAnAttachedGroupJoinsItsContainer() {
        String first = device("0000:3b:00.0", 0, false);
        String group = groupOf(first);
        String ctr = container();
        attach(ctr, group);
        String second = created(plug("bdf", "0000:3b:00.1", "groupId", group, "driver", "vfio-pci"));
        String third = created(plug("bdf", "0000:3b:00.2", "groupId", group));
        JsonNode view = group(group);
        assertThat(strings(view.path("devices"))).containsExactly(first, second, third);
        assertThat(view.path("containerId").asString()).isEqualTo(ctr);
        assertThat(view.path("viable").asBoolean()).isTrue();
    }

    @Test
    void hostDriverHotpluggedIntoAnAttachedGroupIsGroupOwned() {
        String first = device("0000:3b:00.0", 0, false);
        String group = groupOf(first);
        String ctr = container();
        attach(ctr, group);

        Response r = assertRefused(plug("bdf", "0000:3b:00.1", "groupId", group, "driver", "nvidia"),
                409, "GROUP_OWNED", "EBUSY");
        assertThat(r.str("groupId")).isEqualTo(group);
        assertThat(r.str("containerId")).isEqualTo(ctr);
        assertThat(r.str("driver")).isEqualTo("nvidia");
        assertThat(strings(group(group).path("devices"))).containsExactly(first);
        assertThat(group(group).path("singleton").asBoolean()).isTrue();
        // nothing was added: the BDF is still free
        assertThat(plug("bdf", "0000:3b:00.1", "groupId", group, "driver", "vfio-pci").status()).isEqualTo(201);
    }

    @Test
    void hostDriverHotpluggedIntoADetachedGroupMakesItNotViable() {
        String first = device("0000:3b:00.0", 0, false);
        String group = groupOf(first);
        Response r = plug("bdf", "0000:3b:00.1", "groupId", group, "driver", "nvidia");
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(group(group).path("viable").asBoolean()).isFalse();
    }

    @Test
    void hotplugIntoAGroupOfAnotherNodeIsCrossNode() {
        String other = Api.uniqueNode();
        assertThat(api.post("/api/v1/nodes", Api.json(obj("name", other))).status()).isEqualTo(201);
        Response foreign = api.post("/api/v1/devices", Api.json(obj("node", other, "bdf", "0000:3b:00.0")));
        String foreignGroup = foreign.str("groupId");

        Response r = assertRefused(plug("bdf", "0000:3b:00.1", "groupId", foreignGroup), 422, "CROSS_NODE", "EXDEV");
        assertThat(r.body().path("nodes").toString()).contains(node, other);
        assertThat(strings(group(foreignGroup).path("devices"))).containsExactly(foreign.str("id"));
        assertThat(api.get("/api/v1/devices?node=" + node).body().path("items").size()).isZero();
    }

    @Test
    void hotplugIntoAnUnknownGroupIsNotFound() {
        assertNotFound(plug("bdf", "0000:3b:00.0", "groupId", "grp-999999999"));
        assertNotFound(plug("bdf", "0000:3b:00.0", "groupId", "no-such-group"));
        String dev = device("0000:3b:00.1", 0, false);
        assertNotFound(plug("bdf", "0000:3b:00.0", "groupId", dev));
        assertThat(api.get("/api/v1/groups?node=" + node).body().path("items").size()).isOne();
    }

    // ---- hot-unplug ----

    @Test
    void hotUnplugLeavesTheGroupAndThenTheDeviceIsGone() {
        String first = device("0000:3b:00.0", 0, false);
        String group = groupOf(first);
        String second = deviceInGroup("0000:3b:00.1", group, 0, false);
        assertThat(group(group).path("singleton").asBoolean()).isFalse();

        Response r = api.delete("/api/v1/devices/" + second);
        assertThat(r.status()).as("%s", r).isEqualTo(204);
        assertThat(r.raw().body()).isEmpty();
        assertNotFound(api.get("/api/v1/devices/" + second));
        assertNotFound(api.delete("/api/v1/devices/" + second));
        assertNotFound(patchDriver(second, null));

        JsonNode view = group(group);
        assertThat(strings(view.path("devices"))).containsExactly(first);
        assertThat(view.path("singleton").asBoolean()).isTrue();
        // the BDF is free again
        assertThat(plug("bdf", "0000:3b:00.1").status()).isEqualTo(201);
    }

    @Test
    void unpluggingTheLastDeviceLeavesAnEmptyGroup() {
        String only = device("0000:3b:00.0", 0, false);
        String group = groupOf(only);
        assertThat(api.delete("/api/v1/devices/" + only).status()).isEqualTo(204);
        JsonNode view = group(group);
        assertThat(view.path("devices").size()).isZero();
        assertThat(view.path("singleton").asBoolean()).isFalse();
        assertThat(view.path("viable").asBoolean()).isTrue();
    }

    // ---- lookups and lists ----

    @Test
    void unknownDeviceIdsAreNotFound() {
        String real = device("0000:01:00.0", 0, false);
        StringBuilder lookalike = new StringBuilder("dev-");
        real.substring(4).chars().forEach(c -> lookalike.append((char) ('\u0660' + c - '0'))); // Arabic-Indic digits
        assertNotFound(api.get("/api/v1/devices/" + lookalike));
        assertNotFound(api.get("/api/v1/devices/dev-+" + real.substring(4)));
        assertNotFound(api.get("/api/v1/devices/dev-0" + real.substring(4)));
        assertThat(api.get("/api/v1/devices/" + real).status()).isEqualTo(200);
        for (String id : List.of("dev-999999999", "dev-", "dev-x", "grp-1", "nonsense", "dev-99999999999999999999")) {
            Response r = assertNotFound(api.get("/api/v1/devices/" + id));
            assertThat(r.str("detail")).isNotBlank();
            assertNotFound(api.delete("/api/v1/devices/" + id));
        }
    }

    @Test
    void listPagesInCreationOrderWithACursor() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(device("0000:0" + i + ":00.0", 0, false));
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Response page = api.get("/api/v1/devices?node=" + node + "&limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as("%s", page).isEqualTo(200);
            page.body().path("items").forEach(d -> {
                assertThat(d.path("node").asString()).isEqualTo(node);
                seen.add(d.path("id").asString());
            });
            cursor = page.str("nextCursor");
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).isEqualTo(ids);

        Response all = api.get("/api/v1/devices?node=" + node);
        assertThat(all.body().path("items").findValuesAsString("id")).isEqualTo(ids);
        assertThat(all.body().has("nextCursor")).isTrue();
        assertThat(all.body().path("nextCursor").isNull()).isTrue();
        Response exact = api.get("/api/v1/devices?node=" + node + "&limit=5");
        assertThat(exact.body().path("nextCursor").isNull()).as("no next page after the last item").isTrue();

        assertInvalid(api.get("/api/v1/devices?node=" + node + "&limit=0"), "limit");
        assertInvalid(api.get("/api/v1/devices?node=" + node + "&limit=1001"), "limit");
        assertInvalid(api.get("/api/v1/devices?node=" + node + "&limit=-1"), "limit");
        assertInvalid(api.get("/api/v1/devices?node=" + node + "&limit=abc"), "limit");
        assertInvalid(api.get("/api/v1/devices?node=" + node + "&cursor=abc"), "cursor");
        assertThat(api.get("/api/v1/devices?node=" + node + "&limit=1000").status()).isEqualTo(200);
    }

    @Test
    void listShowsOnlyTheNodesDevicesAndFiltersByGroup() {
        String a = device("0000:01:00.0", 0, false);
        String b = device("0000:02:00.0", 0, false);
        String other = Api.uniqueNode();
        api.post("/api/v1/nodes", Api.json(obj("name", other)));
        api.post("/api/v1/devices", Api.json(obj("node", other, "bdf", "0000:01:00.0")));
        assertThat(api.get("/api/v1/devices?node=" + node).body().path("items").findValuesAsString("id"))
                .containsExactly(a, b);
        assertThat(api.get("/api/v1/devices?node=" + node + "&groupId=" + groupOf(b)).body().path("items")
                .findValuesAsString("id")).containsExactly(b);
    }
}
