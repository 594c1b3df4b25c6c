package dev.sva.bond;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api.Response;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Bonds going without their owner asking, under the default policy {@code STRICT}: a hot-plug into a
 * bound group (rule 5), process exit (rule 12), a group detached or its container deleted (rule 13),
 * a device unplugged. Each revocation is a {@code BOND_REVOKED} event with its reason and the bond's
 * {@code driverData}; the revoked bond is gone, and only it.
 */
abstract class RevocationTests extends BondApiTest {

    // ---- rule 5 ----

    @Test
    void hotplugIntoABoundGroupRevokesItsBondsUnderStrict() {
        String gpu = dev(20, true);
        String p = proc();
        Response bond = bind(gpu, p, true, "ctx-gpu");
        assertThat(bond.status()).isEqualTo(201);
        String elsewhere = bound(dev(20, false), p).path("id").asString();

        String peer = devIn(groupOf(gpu), 20, true);

        assertProblem(api.get("/api/v1/bonds/" + bond.str("id")), 404, "NOT_FOUND");
        assertThat(bonds("&deviceId=" + peer)).as("the new device gets no bond").isEmpty();
        assertThat(api.get("/api/v1/bonds/" + elsewhere).status()).as("other groups keep theirs").isEqualTo(200);
        assertThat(pasidOf(p)).as("the process keeps its PASID").isEqualTo(1);
        assertRevoked(Map.of(bond.str("id"), "ctx-gpu"), "GROUP_NO_LONGER_SINGLETON");
        assertThat(group(groupOf(gpu)).path("bondCount").asInt()).isZero();
    }

    @Test
    void hotplugIntoAGroupOfABoundContainerRevokesOnlyThatGroupsBondsUnderStrict() {
        String c = container();
        String a = dev(20, false);
        String b = dev(20, false);
        attach(c, groupOf(a));
        attach(c, groupOf(b));
        String p = proc();
        JsonNode made = bindContainer(c, p, false, "vm").body().path("bonds");
        String bondOnA = made.get(0).path("deviceId").asString().equals(a)
                ? made.get(0).path("id").asString() : made.get(1).path("id").asString();

        Response plugged = hotplug(groupOf(a), 20, false);
        assertThat(plugged.status()).as("hot-plug succeeds: %s", plugged).isEqualTo(201);

        assertThat(bonds("&containerId=" + c)).extracting(n -> n.path("deviceId").asString()).containsExactly(b);
        assertThat(bonds("&deviceId=" + plugged.str("id"))).isEmpty();
        assertRevoked(Map.of(bondOnA, "vm"), "GROUP_NO_LONGER_SINGLETON");
    }

    /**
     * A repeated container bind never answers a container that is only partly bound: after a hot-plug
     * under STRICT it is refused as the first bind would be, and once the group is a singleton again
     * it binds the device anew, with the bind's driverData and the process's PASID (rule 2).
     */
    @Test
    void repeatingAContainerBindAfterAHotplugChecksTheContainerAgainUnderStrict() {
        String c = container();
        String a = dev(20, false);
        attach(c, groupOf(a));
        String p = proc();
        assertThat(bindContainer(c, p, false, "vm").status()).isEqualTo(201);
        Response plugged = hotplug(groupOf(a), 20, false);
        assertThat(plugged.status()).isEqualTo(201);

        assertProblem(bindContainer(c, p, false, "vm"), 409, "UNSAFE_GROUP_BIND", "EINVAL");
        assertThat(bonds("&containerId=" + c)).isEmpty();

        assertThat(api.delete("/api/v1/devices/" + plugged.str("id")).status()).isEqualTo(204);
        Response again = bindContainer(c, p, false, "other");
        assertThat(again.status()).as("the bind was there: %s", again).isEqualTo(200);
        assertThat(again.body().path("bonds")).hasSize(1);
        JsonNode rebound = again.body().path("bonds").get(0);
        assertThat(rebound.path("deviceId").asString()).isEqualTo(a);
        assertThat(rebound.path("pasid").asInt()).isEqualTo(pasidOf(p));
        assertThat(rebound.path("driverData").asString()).as("the bind's own, not this request's").isEqualTo("vm");
        assertThat(rebound.path("iopf").asBoolean()).isFalse();
        assertProblem(bindContainer(c, p, true, "vm"), 409, "DUPLICATE", "EEXIST");
        assertThat(bonds("&containerId=" + c)).extracting(n -> n.path("id").asString()).containsExactly(rebound.path("id").asString());
    }

    @Test
    void repeatingAContainerBindBindsADeviceHotpluggedIntoAnEmptyAttachedGroup() {
        String c = container();
        String a = dev(20, false);
        attach(c, groupOf(a));
        String g = emptyGroup();
        attach(c, g);
        String p = proc();
        assertThat(bindContainer(c, p, false, "vm").status()).isEqualTo(201);
        String b = devIn(g, 20, false);
        assertThat(bonds("&deviceId=" + b)).as("a hot-plug binds nothing (rule 5)").isEmpty();

        Response again = bindContainer(c, p, false, "vm");
        assertThat(again.status()).isEqualTo(200);
        assertThat(ids(again.body().path("bonds"), "deviceId")).containsExactlyInAnyOrder(a, b);
        assertThat(bonds("&containerId=" + c)).hasSize(2);
        assertThat(bonds("&deviceId=" + b).get(0).path("driverData").asString()).isEqualTo("vm");
        assertThat(events("BOND_CREATED")).hasSize(2);

        Response third = bindContainer(c, p, false, "vm");
        assertThat(third.status()).isEqualTo(200);
        assertThat(ids(third.body().path("bonds"), "id")).containsExactlyInAnyOrderElementsOf(ids(again.body().path("bonds"), "id"));
        assertThat(events("BOND_CREATED")).as("nothing made twice").hasSize(2);
    }

    @Test
    void hotplugIntoAnUnboundGroupRevokesNothing() {
        String lonely = dev(20, false);
        String p = proc();
        String kept = bound(dev(20, false), p).path("id").asString();

        devIn(groupOf(lonely), 20, false);

        assertThat(api.get("/api/v1/bonds/" + kept).status()).isEqualTo(200);
        assertThat(events("BOND_REVOKED")).isEmpty();
    }

    // ---- rule 12 ----

    @Test
    void processExitRevokesEveryBondWithItsDriverData() {
        String p = proc();
        String other = proc();
        String d1 = dev(20, true);
        String d2 = dev(20, false);
        String c = container();
        String d3 = dev(20, false);
        attach(c, groupOf(d3));
        String b1 = bind(d1, p, true, "drv-1").str("id");
        String b2 = bind(d2, p, false, "drv-2").str("id");
        Response containerBind = bindContainer(c, p, false, "drv-3");
        assertThat(containerBind.status()).isEqualTo(201);
        String b3 = containerBind.body().path("bonds").get(0).path("id").asString();
        String survivor = bound(d1, other).path("id").asString();

        assertThat(api.delete("/api/v1/address-spaces/" + p).status()).isEqualTo(204);

        for (String bond : List.of(b1, b2, b3)) {
            assertProblem(api.get("/api/v1/bonds/" + bond), 404, "NOT_FOUND");
            // the seed's unbind of an exited mm: -ESRCH, as the container unbind below
            Response gone = assertProblem(api.delete("/api/v1/bonds/" + bond), 404, "NOT_FOUND", "ESRCH");
            assertThat(gone.str("revokedBy")).isEqualTo("PROCESS_EXIT");
        }
        assertThat(ids(bonds(""), "id")).containsExactly(survivor);
        assertRevoked(Map.of(b1, "drv-1", b2, "drv-2", b3, "drv-3"), "PROCESS_EXIT");
        assertProblem(api.get("/api/v1/address-spaces/" + p), 404, "NOT_FOUND");
        assertProblem(api.delete("/api/v1/containers/" + c + "/bonds/" + p), 404, "NOT_FOUND", "ESRCH");
        assertProblem(bind(d2, p), 404, "NOT_FOUND");

        // the container forgot the bind: a group attached later gets nothing
        String late = dev(20, false);
        attach(c, groupOf(late));
        assertThat(bonds("&deviceId=" + late)).isEmpty();
    }

    @Test
    void exitOfAProcessWithoutBondsRevokesNothing() {
        String p = proc();
        assertThat(api.delete("/api/v1/address-spaces/" + p).status()).isEqualTo(204);
        assertThat(events("BOND_REVOKED")).isEmpty();
        assertProblem(api.delete("/api/v1/address-spaces/" + p), 404, "NOT_FOUND");
    }

    // ---- rule 13: detach ----

    @Test
    void detachRevokesTheBondsTheContainerMadeOnThatGroupOnly() {
        String c = container();
        String a = dev(20, false);
        String b = dev(20, false);
        attach(c, groupOf(a));
        attach(c, groupOf(b));
        String p = proc();
        String q = proc();
        JsonNode made = bindContainer(c, p, false, "vm-p").body().path("bonds");
        Map<String, String> bondByDevice = made.valueStream()
                .collect(Collectors.toMap(n -> n.path("deviceId").asString(), n -> n.path("id").asString()));
        String ownBondOnA = bound(a, q).path("id").asString();
        String outside = bound(dev(20, false), p).path("id").asString();

        assertThat(api.delete("/api/v1/containers/" + c + "/groups/" + groupOf(a)).status()).isEqualTo(204);

        assertProblem(api.get("/api/v1/bonds/" + bondByDevice.get(a)), 404, "NOT_FOUND");
        assertThat(ids(bonds(""), "id")).containsExactlyInAnyOrder(bondByDevice.get(b), ownBondOnA, outside);
        assertRevoked(Map.of(bondByDevice.get(a), "vm-p"), "GROUP_DETACHED");
        assertThat(group(groupOf(a)).path("containerId").isNull()).isTrue();

        // re-attaching replays the bind again
        attach(c, groupOf(a));
        List<JsonNode> replayed = bonds("&deviceId=" + a + "&addressSpaceId=" + p);
        assertThat(replayed).hasSize(1);
        assertThat(replayed.get(0).path("containerId").asString()).isEqualTo(c);
        assertThat(replayed.get(0).path("pasid").asInt()).isEqualTo(pasidOf(p));
    }

    @Test
    void detachingAGroupThatIsNotAttachedIsNotFound() {
        String c = container();
        String a = dev(20, false);
        assertProblem(api.delete("/api/v1/containers/" + c + "/groups/" + groupOf(a)), 404, "NOT_FOUND");
    }

    @Test
    void deletingAContainerRevokesItsBondsWithContainerDeleted() {
        String c = container();
        String a = dev(20, false);
        String b = dev(20, false);
        attach(c, groupOf(a));
        attach(c, groupOf(b));
        String p = proc();
        String q = proc();
        JsonNode made = bindContainer(c, p, false, "vm").body().path("bonds");
        String own = bound(a, q).path("id").asString();

        assertThat(api.delete("/api/v1/containers/" + c).status()).isEqualTo(204);

        assertThat(ids(bonds(""), "id")).containsExactly(own);
        assertRevoked(Map.of(made.get(0).path("id").asString(), "vm", made.get(1).path("id").asString(), "vm"),
                "CONTAINER_DELETED");
        assertThat(group(groupOf(a)).path("containerId").isNull()).isTrue();
        assertThat(group(groupOf(b)).path("containerId").isNull()).isTrue();
        assertThat(pasidOf(p)).isEqualTo(1);
        assertProblem(api.delete("/api/v1/containers/" + c + "/bonds/" + p), 404, "NOT_FOUND");
    }

    // ---- hot-unplug ----

    @Test
    void hotUnplugRevokesTheDevicesBondsWithDeviceRemoved() {
        String c = container();
        String a = dev(20, false);
        String b = dev(20, false);
        attach(c, groupOf(a));
        attach(c, groupOf(b));
        String p = proc();
        String q = proc();
        JsonNode made = bindContainer(c, p, false, "vm").body().path("bonds");
        String containerBondOnA = made.get(0).path("deviceId").asString().equals(a)
                ? made.get(0).path("id").asString() : made.get(1).path("id").asString();
        String deviceBondOnA = bind(a, q, false, "own").str("id");

        assertThat(api.delete("/api/v1/devices/" + a).status()).isEqualTo(204);

        assertThat(bonds("")).extracting(n -> n.path("deviceId").asString()).containsExactly(b);
        assertRevoked(Map.of(containerBondOnA, "vm", deviceBondOnA, "own"), "DEVICE_REMOVED");
        assertProblem(api.get("/api/v1/devices/" + a), 404, "NOT_FOUND");
    }

    /** The {@code BOND_REVOKED} events of this node are exactly these bonds, with this reason and their driverData. */
    private void assertRevoked(Map<String, String> driverDataByBond, String reason) {
        List<JsonNode> revoked = events("BOND_REVOKED");
        assertThat(revoked).extracting(e -> e.path("subject").path("id").asString())
                .containsExactlyInAnyOrderElementsOf(driverDataByBond.keySet());
        for (JsonNode e : revoked) {
            assertThat(e.path("subject").path("kind").asString()).isEqualTo("bond");
            assertThat(e.path("data").path("reason").asString()).isEqualTo(reason);
            assertThat(e.path("data").path("driverData").asString())
                    .isEqualTo(driverDataByBond.get(e.path("subject").path("id").asString()));
        }
    }
}
