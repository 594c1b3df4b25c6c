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
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * IOMMU groups over HTTP: empty groups to hot-plug into, the group view (members, owner, singleton,
 * viable, bond count), removal only when empty, lookups and the paged list.
 */
abstract class GroupTests extends ApiTest {

    private Response createGroup() {
        return api.post("/api/v1/groups", Api.json(obj("node", node)));
    }

    private JsonNode view(String groupId) {
        Response r = api.get("/api/v1/groups/" + groupId);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.body();
    }

    @Test
    void createsAnEmptyGroup() {
        Response r = createGroup();
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        String id = r.str("id");
        assertThat(r.header("Location")).endsWith("/api/v1/groups/" + id);
        assertThat(r.str("node")).isEqualTo(node);
        assertThat(r.body().path("devices").isArray()).isTrue();
        assertThat(r.body().path("devices").size()).isZero();
        assertThat(r.body().has("containerId")).isTrue();
        assertThat(r.body().path("containerId").isNull()).isTrue();
        assertThat(r.body().path("singleton").asBoolean()).isFalse();
        assertThat(r.body().path("viable").asBoolean()).isTrue();
        assertThat(r.body().path("bondCount").asLong()).isZero();
        assertThat(view(id)).isEqualTo(r.body());
    }

    @Test
    void groupViewReportsMembersOwnerViabilityAndBonds() {
        String gpu = device("0000:3b:00.0", 20, true);
        String group = groupOf(gpu);
        JsonNode fresh = view(group);
        assertThat(fresh.path("devices").get(0).asString()).isEqualTo(gpu);
        assertThat(fresh.path("singleton").asBoolean()).isTrue();
        assertThat(fresh.path("bondCount").asLong()).isZero();

        String proc = process(4242);
        assertThat(bind(gpu, proc).status()).isEqualTo(201);
        assertThat(view(group).path("bondCount").asLong()).isOne();

        String ctr = container();
        attach(ctr, group);
        JsonNode attached = view(group);
        assertThat(attached.path("containerId").asString()).isEqualTo(ctr);
        assertThat(attached.path("viable").asBoolean()).isTrue();

        assertThat(api.delete("/api/v1/containers/" + ctr + "/groups/" + group).status()).isEqualTo(204);
        String nic = created(api.post("/api/v1/devices", Api.json(obj("node", node, "bdf", "0000:3b:00.1",
                "groupId", group, "driver", "ixgbe"))));
        JsonNode shared = view(group);
        assertThat(shared.path("devices").size()).isEqualTo(2);
        assertThat(shared.path("devices").get(1).asString()).isEqualTo(nic);
        assertThat(shared.path("singleton").asBoolean()).isFalse();
        assertThat(shared.path("viable").asBoolean()).as("ixgbe is a host driver").isFalse();
        assertThat(shared.path("containerId").isNull()).isTrue();
        assertThat(shared.path("bondCount").asLong()).as("STRICT revoked the bond of the no longer singleton group").isZero();
    }

    @Test
    void deletingAGroupWithDevicesIsGroupBusy() {
        String a = device("0000:3b:00.0", 0, false);
        String group = groupOf(a);
        String b = deviceInGroup("0000:3b:00.1", group, 0, false);
        Response r = assertRefused(api.delete("/api/v1/groups/" + group), 409, "GROUP_BUSY", "EBUSY");
        assertThat(r.str("groupId")).isEqualTo(group);
        assertThat(r.body().path("devices").findValuesAsString("id")).containsExactly(a, b);
        assertThat(view(group).path("devices").size()).isEqualTo(2);
        assertThat(api.get("/api/v1/devices/" + a).status()).isEqualTo(200);
    }

    @Test
    void deletingAnEmptyGroupAnswers204AndThenItIsGone() {
        String group = created(createGroup());
        Response r = api.delete("/api/v1/groups/" + group);
        assertThat(r.status()).as("%s", r).isEqualTo(204);
        assertNotFound(api.get("/api/v1/groups/" + group));
        assertNotFound(api.delete("/api/v1/groups/" + group));
        assertNotFound(api.post("/api/v1/devices", Api.json(obj("node", node, "bdf", "0000:01:00.0", "groupId", group))));
    }

    @Test
    void aGroupEmptiedByHotUnplugCanBeDeleted() {
        String only = device("0000:3b:00.0", 0, false);
        String group = groupOf(only);
        assertRefused(api.delete("/api/v1/groups/" + group), 409, "GROUP_BUSY", "EBUSY");
        assertThat(api.delete("/api/v1/devices/" + only).status()).isEqualTo(204);
        assertThat(api.delete("/api/v1/groups/" + group).status()).isEqualTo(204);
        assertNotFound(api.get("/api/v1/groups/" + group));
    }

    @Test
    void deletingAnEmptyAttachedGroupDetachesIt() {
        String group = created(createGroup());
        String ctr = container();
        attach(ctr, group);
        assertThat(api.get("/api/v1/containers/" + ctr).body().path("groups").get(0).asString()).isEqualTo(group);
        assertThat(api.delete("/api/v1/groups/" + group).status()).isEqualTo(204);
        assertThat(api.get("/api/v1/containers/" + ctr).body().path("groups").size()).isZero();
    }

    @Test
    void unknownGroupIdsAreNotFound() {
        for (String id : List.of("grp-999999999", "grp-", "dev-1", "nonsense")) {
            assertNotFound(api.get("/api/v1/groups/" + id));
            assertNotFound(api.delete("/api/v1/groups/" + id));
        }
    }

    @Test
    void createOnTheDefaultNodeWhenNoneIsNamed() {
        Response r = api.post("/api/v1/groups", "{}");
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.str("node")).isEqualTo("local");
        assertThat(api.delete("/api/v1/groups/" + r.str("id")).status()).isEqualTo(204);
    }

    @Test
    void listPagesInCreationOrderWithACursor() {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ids.add(created(createGroup()));
        }
        ids.add(groupOf(device("0000:01:00.0", 0, false)));
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Response page = api.get("/api/v1/groups?node=" + node + "&limit=3" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as("%s", page).isEqualTo(200);
            page.body().path("items").forEach(g -> seen.add(g.path("id").asString()));
            cursor = page.str("nextCursor");
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(2);
        assertThat(seen).isEqualTo(ids);
        JsonNode last = api.get("/api/v1/groups?node=" + node).body().path("items").get(3);
        assertThat(last.path("devices").size()).isOne();
        assertThat(last.path("singleton").asBoolean()).isTrue();

        assertInvalid(api.get("/api/v1/groups?node=" + node + "&limit=0"), "limit");
        assertInvalid(api.get("/api/v1/groups?node=" + node + "&limit=1001"), "limit");
        assertInvalid(api.get("/api/v1/groups?node=" + node + "&cursor=grp-1"), "cursor");
    }
}
