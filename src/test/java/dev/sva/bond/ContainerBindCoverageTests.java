package dev.sva.bond;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api.Response;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * A container bind never stops covering a device silently (issue 8, item 7), under the default
 * policy {@code STRICT}: one bond of a container bind cannot be unbound alone (rule 2: all or
 * nothing; the container unbind removes the bind), and {@code GET /containers/{id}/bonds} shows each
 * bind with the devices it covers and, with why, those it does not — such as a device hot-plugged
 * into an attached group, which rule 5 gives no bond. A bond revoked by a process exit answers a
 * later unbind with {@code ESRCH}, as the container unbind does.
 */
abstract class ContainerBindCoverageTests extends BondApiTest {

    private JsonNode binds(String container) {
        Response r = api.get("/api/v1/containers/" + container + "/bonds");
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.body().path("items");
    }

    private static List<String> covered(JsonNode bind) {
        return ids(bind.path("covers"), "deviceId");
    }

    // ---- the partial unbind ----

    @Test
    void unbindingOneBondOfAContainerBindIsRefusedNamingTheContainerUnbind() {
        String c = container();
        String a = dev(20, false);
        String b = dev(20, false);
        attach(c, groupOf(a));
        attach(c, groupOf(b));
        String p = proc();
        JsonNode made = bindContainer(c, p, false, "vm").body().path("bonds");
        String first = made.get(0).path("id").asString();

        Response refused = assertProblem(api.delete("/api/v1/bonds/" + first), 409, "BOND_OF_CONTAINER", "EBUSY");
        assertThat(refused.str("containerId")).isEqualTo(c);
        assertThat(refused.str("addressSpaceId")).isEqualTo(p);
        assertThat(refused.str("unbind")).isEqualTo("/api/v1/containers/" + c + "/bonds/" + p);
        assertThat(bonds("&containerId=" + c)).hasSize(2);
        assertThat(events("BOND_REMOVED")).isEmpty();
        assertThat(covered(binds(c).get(0))).containsExactlyInAnyOrder(a, b);

        assertThat(api.delete(refused.str("unbind")).status()).isEqualTo(204);
        assertThat(bonds("&containerId=" + c)).isEmpty();
        assertThat(binds(c)).isEmpty();
        // a device's own bond is still the device's to unbind
        String own = bound(dev(20, false), p).path("id").asString();
        assertThat(api.delete("/api/v1/bonds/" + own).status()).isEqualTo(204);
    }

    @Test
    void aDevicesOwnBondTakenOverByAContainerBindIsTheContainersToUnbind() {
        String c = container();
        String a = dev(20, false);
        attach(c, groupOf(a));
        String p = proc();
        String own = bound(a, p).path("id").asString();
        assertThat(bindContainer(c, p, false, null).status()).isEqualTo(201);

        assertProblem(api.delete("/api/v1/bonds/" + own), 409, "BOND_OF_CONTAINER", "EBUSY");
        assertThat(api.delete("/api/v1/containers/" + c + "/bonds/" + p).status()).isEqualTo(204);
        assertProblem(api.delete("/api/v1/bonds/" + own), 404, "NOT_FOUND", "ENOENT");
    }

    // ---- what each bind covers ----

    @Test
    void aBindListsItsPasidIopfDriverDataAndTheDevicesItCovers() {
        String c = container();
        String a = dev(20, true);
        String b = dev(20, true);
        attach(c, groupOf(a));
        attach(c, groupOf(b));
        String p = proc();
        String q = proc();
        JsonNode made = bindContainer(c, p, true, "ctx-p").body().path("bonds");
        assertThat(bindContainer(c, q, false, null).status()).isEqualTo(201);

        JsonNode all = binds(c);
        assertThat(all).hasSize(2);
        JsonNode first = all.get(0);
        assertThat(first.path("addressSpaceId").asString()).isEqualTo(p);
        assertThat(first.path("pasid").asInt()).isEqualTo(pasidOf(p));
        assertThat(first.path("iopf").asBoolean()).isTrue();
        assertThat(first.path("driverData").asString()).isEqualTo("ctx-p");
        assertThat(first.path("createdAt").asString()).isNotBlank();
        assertThat(covered(first)).containsExactlyInAnyOrder(a, b);
        assertThat(ids(first.path("covers"), "bondId")).containsExactlyInAnyOrderElementsOf(ids(made, "id"));
        assertThat(ids(first.path("covers"), "groupId")).containsExactlyInAnyOrder(groupOf(a), groupOf(b));
        assertThat(first.path("doesNotCover")).isEmpty();
        JsonNode second = all.get(1);
        assertThat(second.path("addressSpaceId").asString()).isEqualTo(q);
        assertThat(second.path("iopf").asBoolean()).isFalse();
        assertThat(second.path("driverData").isNull()).isTrue();
        assertThat(pasidOf(q)).isNotEqualTo(pasidOf(p));

        Response page = api.get("/api/v1/containers/" + c + "/bonds?limit=1");
        assertThat(page.body().path("items")).hasSize(1);
        Response rest = api.get("/api/v1/containers/" + c + "/bonds?limit=1&cursor=" + page.str("nextCursor"));
        assertThat(rest.body().path("items").get(0).path("addressSpaceId").asString()).isEqualTo(q);
        assertThat(rest.body().path("nextCursor").isNull()).isTrue();
    }

    @Test
    void aDeviceHotpluggedIntoAnEmptyAttachedGroupIsNotCoveredUntilTheBindIsRepeated() {
        String c = container();
        String a = dev(20, false);
        attach(c, groupOf(a));
        String g = emptyGroup();
        attach(c, g);
        String p = proc();
        assertThat(bindContainer(c, p, false, "vm").status()).isEqualTo(201);

        String late = devIn(g, 20, false);
        JsonNode bind = binds(c).get(0);
        assertThat(covered(bind)).containsExactly(a);
        assertThat(bind.path("doesNotCover")).hasSize(1);
        JsonNode gap = bind.path("doesNotCover").get(0);
        assertThat(gap.path("deviceId").asString()).isEqualTo(late);
        assertThat(gap.path("groupId").asString()).isEqualTo(g);
        assertThat(gap.path("reason").asString()).isEqualTo("JOINED_AFTER_BIND");
        assertThat(gap.path("detail").asString()).isNotBlank();

        assertThat(bindContainer(c, p, false, "vm").status()).isEqualTo(200);
        bind = binds(c).get(0);
        assertThat(covered(bind)).containsExactlyInAnyOrder(a, late);
        assertThat(bind.path("doesNotCover")).isEmpty();
    }

    @Test
    void eachUncoveredDeviceSaysWhyInTheOrderARepeatedBindWouldMeetIt() {
        String c = container();
        attach(c, groupOf(dev(20, true)));
        String g1 = emptyGroup();
        String g2 = emptyGroup();
        String g3 = emptyGroup();
        attach(c, g1);
        attach(c, g2);
        attach(c, g3);
        String p = proc();
        assertThat(bindContainer(c, p, true, null).status()).isEqualTo(201);

        String noPasid = devIn(g1, 0, false);
        String noPri = devIn(g2, 20, false);
        String ownOther = devIn(g3, 20, true);
        String ownBond = bound(ownOther, p).path("id").asString(); // its own bond, without iopf

        JsonNode gaps = binds(c).get(0).path("doesNotCover");
        assertThat(ids(gaps, "deviceId")).containsExactlyInAnyOrder(noPasid, noPri, ownOther);
        for (JsonNode gap : gaps) {
            String device = gap.path("deviceId").asString();
            String expected = device.equals(noPasid) ? "SVA_UNSUPPORTED" : device.equals(noPri) ? "IOPF_UNSUPPORTED" : "BOUND_WITH_OTHER_IOPF";
            assertThat(gap.path("reason").asString()).as("%s", gap).isEqualTo(expected);
            assertThat(gap.path("bondId").isNull()).isEqualTo(!device.equals(ownOther));
        }
        assertThat(ids(gaps, "bondId")).contains(ownBond);
        // the repeated bind meets the same reasons and binds nothing
        assertProblem(bindContainer(c, p, true, null), 422, "SVA_UNSUPPORTED", "EOPNOTSUPP");
    }

    @Test
    void underStrictAHotplugIntoABoundSingletonGroupLeavesBothDevicesUncoveredAsNotSingleton() {
        String c = container();
        String a = dev(20, false);
        String b = dev(20, false);
        attach(c, groupOf(a));
        attach(c, groupOf(b));
        String p = proc();
        assertThat(bindContainer(c, p, false, null).status()).isEqualTo(201);

        String peer = devIn(groupOf(a), 20, false);
        JsonNode bind = binds(c).get(0);
        assertThat(covered(bind)).containsExactly(b);
        assertThat(ids(bind.path("doesNotCover"), "deviceId")).containsExactlyInAnyOrder(a, peer);
        assertThat(ids(bind.path("doesNotCover"), "reason")).containsOnly("GROUP_NOT_SINGLETON");
        assertProblem(bindContainer(c, p, false, null), 409, "UNSAFE_GROUP_BIND", "EINVAL");
    }

    @Test
    void listingTheBindsOfAnUnknownContainerIsNotFoundAndOfAnUnboundOneEmpty() {
        assertProblem(api.get("/api/v1/containers/ctr-999999999/bonds"), 404, "NOT_FOUND", "ENOENT");
        assertProblem(api.get("/api/v1/containers/nonsense/bonds"), 404, "NOT_FOUND", "ENOENT");
        assertThat(binds(container())).isEmpty();
    }

    // ---- unbinding what is already gone ----

    @Test
    void unbindingABondAProcessExitRevokedIsEsrchAndOneNeverIssuedEnoent() {
        String a = dev(20, false);
        String p = proc();
        String bond = bound(a, p).path("id").asString();
        assertThat(api.delete("/api/v1/address-spaces/" + p).status()).isEqualTo(204);

        Response gone = assertProblem(api.delete("/api/v1/bonds/" + bond), 404, "NOT_FOUND", "ESRCH");
        assertThat(gone.str("revokedBy")).isEqualTo("PROCESS_EXIT");
        assertThat(gone.str("revokedAt")).isNotBlank();
        assertProblem(api.delete("/api/v1/bonds/bond-999999999"), 404, "NOT_FOUND", "ENOENT");
        assertProblem(api.delete("/api/v1/bonds/nonsense"), 404, "NOT_FOUND", "ENOENT");

        // an explicit unbind leaves no trace to report; a detach's revocation says so, with ENOENT
        String q = proc();
        String unbound = bound(dev(20, false), q).path("id").asString();
        assertThat(api.delete("/api/v1/bonds/" + unbound).status()).isEqualTo(204);
        Response again = assertProblem(api.delete("/api/v1/bonds/" + unbound), 404, "NOT_FOUND", "ENOENT");
        assertThat(again.body().has("revokedBy")).isFalse();
        String c = container();
        String d = dev(20, false);
        attach(c, groupOf(d));
        String detached = bindContainer(c, q, false, null).body().path("bonds").get(0).path("id").asString();
        assertThat(api.delete("/api/v1/containers/" + c + "/groups/" + groupOf(d)).status()).isEqualTo(204);
        Response revoked = assertProblem(api.delete("/api/v1/bonds/" + detached), 404, "NOT_FOUND", "ENOENT");
        assertThat(revoked.str("revokedBy")).isEqualTo("GROUP_DETACHED");
    }
}
