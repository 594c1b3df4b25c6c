package dev.sva.container;

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
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Containers over HTTP: creation, attaching groups (viability, rule 6; one container per group,
 * rule 7), detaching, and deletion, which detaches the groups and drops the mappings.
 */
abstract class ContainerTests extends ApiTest {

    private Response plug(Object... fields) {
        var body = obj("node", node);
        body.putAll(obj(fields));
        return api.post("/api/v1/devices", Api.json(body));
    }

    private Response put(String containerId, String groupId) {
        return api.put("/api/v1/containers/" + containerId + "/groups/" + groupId);
    }

    private JsonNode group(String groupId) {
        return api.get("/api/v1/groups/" + groupId).body();
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asString()));
        return out;
    }

    private void map(String containerId, String iova, long size) {
        Response r = api.post("/api/v1/containers/" + containerId + "/mappings", Api.json(obj(
                "iova", iova, "size", size, "physicalAddress", "0x80000000", "read", true, "write", true)));
        assertThat(r.status()).as("%s", r).isEqualTo(201);
    }

    @Test
    void createsAContainer() {
        Response r = api.post("/api/v1/containers", Api.json(obj("node", node, "name", "vm-1")));
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        String id = r.str("id");
        assertThat(r.header("Location")).endsWith("/api/v1/containers/" + id);
        assertThat(r.str("node")).isEqualTo(node);
        assertThat(r.str("name")).isEqualTo("vm-1");
        assertThat(r.body().path("groups").isArray()).isTrue();
        assertThat(r.body().path("groups").size()).isZero();
        assertThat(r.body().path("mappingCount").asLong()).isZero();
        assertThat(r.str("createdAt")).isNotBlank();
        assertThat(api.get("/api/v1/containers/" + id).body()).isEqualTo(r.body());

        Response unnamed = api.post("/api/v1/containers", Api.json(obj("node", node)));
        assertThat(unnamed.status()).isEqualTo(201);
        assertThat(unnamed.body().path("name").isNull()).isTrue();

        assertInvalid(api.post("/api/v1/containers", Api.json(obj("node", node, "name", " "))), "name");
        assertInvalid(api.post("/api/v1/containers", Api.json(obj("node", node, "name", "x".repeat(256)))), "name");
    }

    @Test
    void attachAnswers201ThenAlreadyAttached200() {
        String dev = device("0000:3b:00.0", 0, false);
        String group = groupOf(dev);
        String ctr = container();

        Response first = put(ctr, group);
        assertThat(first.status()).as("%s", first).isEqualTo(201);
        assertThat(first.header("Location")).endsWith("/api/v1/groups/" + group);
        assertThat(api.get(first.header("Location")).str("containerId")).as("the Location shows the attachment").isEqualTo(ctr);
        assertThat(strings(first.body().path("groups"))).containsExactly(group);
        assertThat(first.str("id")).isEqualTo(ctr);

        Response again = put(ctr, group);
        assertThat(again.status()).as("%s", again).isEqualTo(200);
        assertThat(strings(again.body().path("groups"))).containsExactly(group);
        assertThat(group(group).path("containerId").asString()).isEqualTo(ctr);
    }

    @Test
    void attachListsEveryHostDriverDeviceOfAGroupThatIsNotViable() {
        String vfio = device("0000:3b:00.0", 0, false);
        String group = groupOf(vfio);
        String gpu = created(plug("bdf", "0000:3b:00.1", "groupId", group, "driver", "nvidia"));
        String nic = created(plug("bdf", "0000:3b:00.2", "groupId", group, "driver", "ixgbe"));
        created(plug("bdf", "0000:3b:00.3", "groupId", group));
        String ctr = container();

        Response r = assertRefused(put(ctr, group), 409, "GROUP_NOT_VIABLE", "EPERM");
        assertThat(r.str("groupId")).isEqualTo(group);
        JsonNode offending = r.body().path("devices");
        assertThat(offending.size()).as("every host-driver device, not just the first: %s", r).isEqualTo(2);
        assertThat(offending.get(0).path("id").asString()).isEqualTo(gpu);
        assertThat(offending.get(0).path("bdf").asString()).isEqualTo("0000:3b:00.1");
        assertThat(offending.get(0).path("driver").asString()).isEqualTo("nvidia");
        assertThat(offending.get(1).path("id").asString()).isEqualTo(nic);
        assertThat(offending.get(1).path("bdf").asString()).isEqualTo("0000:3b:00.2");
        assertThat(offending.get(1).path("driver").asString()).isEqualTo("ixgbe");

        assertThat(group(group).path("containerId").isNull()).isTrue();
        assertThat(api.get("/api/v1/containers/" + ctr).body().path("groups").size()).isZero();

        assertThat(api.patch("/api/v1/devices/" + gpu, Api.json(obj("driver", "vfio-pci"))).status()).isEqualTo(200);
        Response still = assertRefused(put(ctr, group), 409, "GROUP_NOT_VIABLE", "EPERM");
        assertThat(still.body().path("devices").findValuesAsString("id")).containsExactly(nic);
        assertThat(api.patch("/api/v1/devices/" + nic, Api.json(obj("driver", null))).status()).isEqualTo(200);
        assertThat(put(ctr, group).status()).as("no host driver left: viable").isEqualTo(201);
    }

    @Test
    void aGroupAttachedToAnotherContainerIsInUse() {
        String group = groupOf(device("0000:3b:00.0", 0, false));
        String first = container();
        String second = container();
        attach(first, group);

        Response r = assertRefused(put(second, group), 409, "GROUP_IN_USE", "EINVAL");
        assertThat(r.str("groupId")).isEqualTo(group);
        assertThat(r.str("containerId")).isEqualTo(first);
        assertThat(group(group).path("containerId").asString()).isEqualTo(first);
        assertThat(api.get("/api/v1/containers/" + second).body().path("groups").size()).isZero();
        assertNotFound(api.delete("/api/v1/containers/" + second + "/groups/" + group));
        assertThat(group(group).path("containerId").asString()).isEqualTo(first);
    }

    @Test
    void detachAnswers204AndThenTheGroupIsNotAttached() {
        String group = groupOf(device("0000:3b:00.0", 0, false));
        String ctr = container();
        attach(ctr, group);

        Response r = api.delete("/api/v1/containers/" + ctr + "/groups/" + group);
        assertThat(r.status()).as("%s", r).isEqualTo(204);
        assertThat(group(group).path("containerId").isNull()).isTrue();
        assertThat(api.get("/api/v1/containers/" + ctr).body().path("groups").size()).isZero();

        assertNotFound(api.delete("/api/v1/containers/" + ctr + "/groups/" + group));
        String other = container();
        assertThat(put(other, group).status()).as("a detached group may join another container").isEqualTo(201);
    }

    @Test
    void detachingAGroupThatWasNeverAttachedIsNotFound() {
        String group = groupOf(device("0000:3b:00.0", 0, false));
        String ctr = container();
        Response r = assertNotFound(api.delete("/api/v1/containers/" + ctr + "/groups/" + group));
        assertThat(r.str("groupId")).isEqualTo(group);
        assertNotFound(api.delete("/api/v1/containers/" + ctr + "/groups/grp-999999999"));
        assertNotFound(api.delete("/api/v1/containers/ctr-999999999/groups/" + group));
    }

    @Test
    void attachingUnknownOrForeignObjectsIsRefused() {
        String group = groupOf(device("0000:3b:00.0", 0, false));
        String ctr = container();
        assertNotFound(put(ctr, "grp-999999999"));
        assertNotFound(put(ctr, "nonsense"));
        assertNotFound(put("ctr-999999999", group));
        assertNotFound(put(group, ctr));

        String other = Api.uniqueNode();
        assertThat(api.post("/api/v1/nodes", Api.json(obj("name", other))).status()).isEqualTo(201);
        Response foreign = api.post("/api/v1/containers", Api.json(obj("node", other)));
        assertRefused(put(foreign.str("id"), group), 422, "CROSS_NODE", "EXDEV");
        assertThat(group(group).path("containerId").isNull()).isTrue();
    }

    @Test
    void deletingAContainerDetachesItsGroupsAndDropsItsMappings() {
        String g1 = groupOf(device("0000:3b:00.0", 0, false));
        String g2 = groupOf(device("0000:3c:00.0", 0, false));
        String ctr = container();
        attach(ctr, g1);
        attach(ctr, g2);
        map(ctr, "0x100000", 0x10000);
        map(ctr, "0x200000", 0x1000);
        JsonNode before = api.get("/api/v1/containers/" + ctr).body();
        assertThat(strings(before.path("groups"))).containsExactly(g1, g2);
        assertThat(before.path("mappingCount").asLong()).isEqualTo(2);

        Response r = api.delete("/api/v1/containers/" + ctr);
        assertThat(r.status()).as("%s", r).isEqualTo(204);
        assertNotFound(api.get("/api/v1/containers/" + ctr));
        assertNotFound(api.get("/api/v1/containers/" + ctr + "/mappings"));
        assertNotFound(api.delete("/api/v1/containers/" + ctr));
        assertThat(group(g1).path("containerId").isNull()).isTrue();
        assertThat(group(g2).path("containerId").isNull()).isTrue();

        String next = container();
        assertThat(put(next, g1).status()).isEqualTo(201);
        assertThat(api.get("/api/v1/containers/" + next).body().path("mappingCount").asLong()).isZero();
        assertThat(api.get("/api/v1/containers/" + next + "/mappings").body().path("items").size()).isZero();
    }

    @Test
    void unknownContainerIdsAreNotFound() {
        for (String id : List.of("ctr-999999999", "ctr-", "grp-1", "nonsense")) {
            assertNotFound(api.get("/api/v1/containers/" + id));
            assertNotFound(api.delete("/api/v1/containers/" + id));
            assertNotFound(api.get("/api/v1/containers/" + id + "/mappings"));
            assertNotFound(api.delete("/api/v1/containers/" + id + "/mappings"));
            assertNotFound(api.post("/api/v1/containers/" + id + "/mappings", Api.json(obj(
                    "iova", "0x1000", "size", 4096, "physicalAddress", "0x1000", "read", true))));
        }
    }

    @Test
    void listPagesInCreationOrderWithACursor() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(container());
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Response page = api.get("/api/v1/containers?node=" + node + "&limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as("%s", page).isEqualTo(200);
            page.body().path("items").forEach(c -> seen.add(c.path("id").asString()));
            cursor = page.str("nextCursor");
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).isEqualTo(ids);
        assertThat(api.get("/api/v1/containers?node=" + node).body().path("nextCursor").isNull()).isTrue();
        assertInvalid(api.get("/api/v1/containers?node=" + node + "&limit=0"), "limit");
        assertInvalid(api.get("/api/v1/containers?node=" + node + "&limit=1001"), "limit");
        assertInvalid(api.get("/api/v1/containers?node=" + node + "&cursor=ctr-1"), "cursor");
    }
}
