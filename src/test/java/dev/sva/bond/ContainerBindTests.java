package dev.sva.bond;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api.Response;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Container binds under the default policy, {@code STRICT}: every device of every attached group,
 * all or nothing (rules 2 and 3), container unbind, and the replay of binds onto groups attached
 * later (rule 13).
 */
abstract class ContainerBindTests extends BondApiTest {

    // ---- rule 2 ----

    @Test
    void containerBindBindsEveryDeviceOfEveryAttachedGroupOnce() {
        String c = container();
        List<String> devices = List.of(dev(20, true), dev(20, false), dev(10, false));
        for (String d : devices) {
            attach(c, groupOf(d));
        }
        String p = proc();

        Response first = bindContainer(c, p, false, "vm-1");
        assertThat(first.status()).as("%s", first).isEqualTo(201);
        assertThat(first.header("Location")).isNotBlank();
        assertThat(first.body().path("pasid").asInt()).isEqualTo(1);
        JsonNode made = first.body().path("bonds");
        assertThat(ids(made, "deviceId")).containsExactlyInAnyOrderElementsOf(devices);
        made.forEach(b -> {
            assertThat(b.path("containerId").asString()).isEqualTo(c);
            assertThat(b.path("addressSpaceId").asString()).isEqualTo(p);
            assertThat(b.path("pasid").asInt()).isEqualTo(1);
            assertThat(b.path("driverData").asString()).isEqualTo("vm-1");
        });
        assertThat(pasidOf(p)).isEqualTo(1);

        Response second = bindContainer(c, p, false, "vm-1");
        assertThat(second.status()).as("%s", second).isEqualTo(200);
        assertThat(second.body().path("pasid").asInt()).isEqualTo(1);
        assertThat(ids(second.body().path("bonds"), "id")).containsExactlyInAnyOrderElementsOf(ids(made, "id"));

        assertThat(ids(bonds("&containerId=" + c), "id")).containsExactlyInAnyOrderElementsOf(ids(made, "id"));
        assertThat(bonds("")).hasSize(3);
    }

    @Test
    void containerBindLocationListsTheBondsItMade() {
        String c = container();
        attach(c, groupOf(dev(20, false)));
        attach(c, groupOf(dev(20, false)));
        Response r = bindContainer(c, proc());
        assertThat(r.status()).isEqualTo(201);

        Response listed = api.get(r.header("Location"));
        assertThat(listed.status()).as("%s", listed).isEqualTo(200);
        assertThat(ids(listed.body().path("items"), "id")).as("the bonds behind Location, on this test's node")
                .containsExactlyInAnyOrderElementsOf(ids(r.body().path("bonds"), "id"));
    }

    @Test
    void strictRefusesAContainerBindCoveringAMultiDeviceGroup() {
        String c = container();
        String single = dev(20, false);
        List<String> pair = multiDeviceGroup(2, 20, false);
        attach(c, groupOf(single));
        attach(c, groupOf(pair.get(0)));
        String p = proc();

        Response r = assertProblem(bindContainer(c, p), 409, "UNSAFE_GROUP_BIND", "EINVAL");
        JsonNode groups = r.body().path("groups");
        assertThat(groups).hasSize(1);
        assertThat(groups.get(0).path("id").asString()).isEqualTo(groupOf(pair.get(0)));
        assertThat(ids(groups.get(0).path("devices"), "id")).containsExactlyInAnyOrderElementsOf(pair);
        assertThat(bonds("")).as("all or nothing: not even the singleton").isEmpty();
        assertThat(pasidOf(p)).isNull();
    }

    @Test
    void containerBindOfAProcessWhosePasidDoesNotFitADeviceIsOutOfRange() {
        String wide = dev(20, false);
        String p1 = proc();
        String p2 = proc();
        bound(wide, p1);
        bound(wide, p2);
        String c = container();
        String roomy = dev(20, false);
        String narrow = dev(1, false);
        attach(c, groupOf(roomy));
        attach(c, groupOf(narrow));

        Response r = assertProblem(bindContainer(c, p2), 409, "PASID_OUT_OF_RANGE", "EOVERFLOW");
        assertThat(ids(r.body().path("devices"), "id")).containsExactly(narrow);
        assertThat(bonds("&containerId=" + c)).isEmpty();
        assertThat(bindContainer(c, p1).status()).as("PASID 1 fits both").isEqualTo(201);
    }

    @Test
    void containerBindAllocatesWithinItsNarrowestDevice() {
        bound(dev(20, false), proc()); // takes PASID 1
        String c = container();
        attach(c, groupOf(dev(20, false)));
        attach(c, groupOf(dev(1, false)));
        String p = proc();

        assertProblem(bindContainer(c, p), 409, "PASID_EXHAUSTED", "ENOSPC");
        assertThat(pasidOf(p)).isNull();
        assertThat(bonds("&containerId=" + c)).isEmpty();
    }

    @Test
    void containerWithoutDevicesIsEmpty() {
        String c = container();
        String p = proc();
        assertProblem(bindContainer(c, p), 409, "CONTAINER_EMPTY", "EINVAL");

        attach(c, emptyGroup());
        assertProblem(bindContainer(c, p), 409, "CONTAINER_EMPTY", "EINVAL");
        assertThat(pasidOf(p)).isNull();
    }

    // ---- rule 3 ----

    @Test
    void containerBindNamesEveryDeviceWithoutPasidSupportAndBindsNothing() {
        String c = container();
        String capable = dev(20, true);
        List<String> incapable = List.of(dev(0, true), dev(0, false), dev(0, true));
        attach(c, groupOf(incapable.get(0)));
        attach(c, groupOf(capable));
        attach(c, groupOf(incapable.get(1)));
        attach(c, groupOf(incapable.get(2)));
        String p = proc();

        Response r = assertProblem(bindContainer(c, p), 422, "SVA_UNSUPPORTED", "EOPNOTSUPP");
        assertThat(ids(r.body().path("devices"), "id")).containsExactlyInAnyOrderElementsOf(incapable);
        assertThat(bonds("")).isEmpty();
        assertThat(pasidOf(p)).isNull();
        assertThat(events("BOND_CREATED")).isEmpty();
    }

    @Test
    void containerBindWithIopfNamesEveryDeviceWithoutPriAndBindsNothing() {
        String c = container();
        String withPri = dev(20, true);
        List<String> withoutPri = List.of(dev(20, false), dev(16, false));
        for (String d : List.of(withoutPri.get(0), withPri, withoutPri.get(1))) {
            attach(c, groupOf(d));
        }
        String p = proc();

        Response r = assertProblem(bindContainer(c, p, true, null), 422, "IOPF_UNSUPPORTED", "EINVAL");
        assertThat(ids(r.body().path("devices"), "id")).containsExactlyInAnyOrderElementsOf(withoutPri);
        assertThat(bonds("")).isEmpty();
        assertThat(pasidOf(p)).isNull();

        assertThat(bindContainer(c, p, false, null).status()).as("without iopf every device takes it").isEqualTo(201);
        assertThat(bonds("&containerId=" + c)).hasSize(3);
    }

    /** Rule 3 names every incapable device in one answer, whichever capability each one lacks. */
    @Test
    void containerBindWithIopfNamesTheDevicesWithoutPasidAndThoseWithoutPriTogether() {
        String c = container();
        String noPasid = dev(0, true);
        String noPri = dev(20, false);
        String capable = dev(20, true);
        for (String d : List.of(noPasid, noPri, capable)) {
            attach(c, groupOf(d));
        }
        String p = proc();

        Response r = assertProblem(bindContainer(c, p, true, null), 422, "SVA_UNSUPPORTED", "EOPNOTSUPP");
        assertThat(ids(r.body().path("devices"), "id")).containsExactly(noPasid);
        assertThat(ids(r.body().path("iopfUnsupported"), "id")).containsExactly(noPri);
        assertThat(bonds("")).isEmpty();
        assertThat(pasidOf(p)).isNull();
        assertThat(events("BOND_CREATED")).isEmpty();
    }

    // ---- container unbind ----

    @Test
    void containerUnbindRemovesItsBondsThenAnswersNotFound() {
        String c = container();
        String a = dev(20, false);
        String b = dev(20, false);
        attach(c, groupOf(a));
        attach(c, groupOf(b));
        String p = proc();
        assertThat(bindContainer(c, p).status()).isEqualTo(201);

        assertThat(api.delete("/api/v1/containers/" + c + "/bonds/" + p).status()).isEqualTo(204);
        assertThat(bonds("")).isEmpty();
        assertThat(events("BOND_REMOVED")).hasSize(2);
        assertThat(pasidOf(p)).as("the PASID stays with the live process").isEqualTo(1);

        assertProblem(api.delete("/api/v1/containers/" + c + "/bonds/" + p), 404, "NOT_FOUND", "ESRCH");
        assertProblem(api.delete("/api/v1/containers/" + c + "/bonds/" + proc()), 404, "NOT_FOUND", "ESRCH");

        Response again = bindContainer(c, p);
        assertThat(again.status()).as("bound anew: %s", again).isEqualTo(201);
        assertThat(again.body().path("pasid").asInt()).isEqualTo(1);
    }

    /**
     * Rule 10 keeps one bond per (device, address space): a container bind covering a device that
     * was already bound on its own takes that bond over (same id and PASID, no second bond, no
     * second event), and from then on the container's unbind removes it.
     */
    @Test
    void containerBindTakesOverTheDevicesOwnBondAndItsUnbindRemovesIt() {
        String c = container();
        String solo = dev(20, false);
        String other = dev(20, false);
        attach(c, groupOf(solo));
        attach(c, groupOf(other));
        String p = proc();
        Response own = bind(solo, p, false, "driver-a");
        assertThat(own.status()).as("%s", own).isEqualTo(201);
        assertThat(own.str("containerId")).isNull();

        Response r = bindContainer(c, p, false, "vm-1");
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        JsonNode taken = r.body().path("bonds").valueStream().filter(b -> b.path("deviceId").asString().equals(solo))
                .findFirst().orElseThrow();
        assertThat(taken.path("id").asString()).isEqualTo(own.str("id"));
        assertThat(taken.path("containerId").asString()).isEqualTo(c);
        assertThat(taken.path("pasid").asInt()).isEqualTo(own.body().path("pasid").asInt());
        assertThat(bonds("")).hasSize(2);
        assertThat(events("BOND_CREATED")).as("one per bond, none for the taken-over one").hasSize(2);
        List<JsonNode> updated = events("BOND_UPDATED");
        assertThat(updated).as("the take-over is a change a watcher must hear of").hasSize(1);
        assertThat(updated.get(0).path("subject").path("id").asString()).isEqualTo(own.str("id"));
        assertThat(updated.get(0).path("data").path("containerId").asString()).isEqualTo(c);
        assertThat(bindContainer(c, p, false, "vm-1").status()).isEqualTo(200);
        assertThat(events("BOND_UPDATED")).as("a repeat changes nothing").hasSize(1);

        assertThat(api.delete("/api/v1/containers/" + c + "/bonds/" + p).status()).isEqualTo(204);
        assertThat(bonds("")).isEmpty();
        assertThat(api.get("/api/v1/bonds/" + own.str("id")).status()).isEqualTo(404);
    }

    /** A device's own bond made without iopf is not passed off as the iopf bond a container bind asks for. */
    @Test
    void aContainerBindWithIopfDoesNotTakeOverABondMadeWithoutAndBindsNothing() {
        String c = container();
        String solo = dev(20, true);
        String other = dev(20, true);
        attach(c, groupOf(solo));
        attach(c, groupOf(other));
        String p = proc();
        String own = bind(solo, p, false, "pinned").str("id");

        Response r = assertProblem(bindContainer(c, p, true, "vm"), 409, "DUPLICATE", "EEXIST");
        assertThat(r.str("bondId")).isEqualTo(own);
        assertThat(bonds("")).extracting(b -> b.path("id").asString()).containsExactly(own);
        assertThat(api.get("/api/v1/bonds/" + own).str("containerId")).isNull();
        assertThat(bindContainer(c, p, false, "vm").status()).as("with the same iopf it takes the bond over").isEqualTo(201);
    }

    @Test
    void bindingAContainerToAnAddressSpaceOfAnotherNodeIsCrossNode() {
        String other = nodeWithPasidBits(20);
        String c = container();
        attach(c, groupOf(dev(20, false)));
        assertProblem(bindContainer(c, procOn(other)), 422, "CROSS_NODE", "EXDEV");
        assertThat(bonds("")).isEmpty();
    }

    @Test
    void containerDriverDataIsAtMost4096Characters() {
        String c = container();
        attach(c, groupOf(dev(20, false)));
        Response r = assertProblem(bindContainer(c, proc(), false, "z".repeat(4097)), 400, "VALIDATION_FAILED", "EINVAL");
        assertThat(r.str("field")).isEqualTo("driverData");
        assertThat(bonds("")).isEmpty();
    }

    // ---- rule 13: attach replays ----

    @Test
    void attachReplaysTheContainersBindsOntoTheNewGroup() {
        String c = container();
        String first = dev(20, true);
        attach(c, groupOf(first));
        String p1 = proc();
        String p2 = proc();
        assertThat(bindContainer(c, p1, false, "p1").body().path("pasid").asInt()).isEqualTo(1);
        assertThat(bindContainer(c, p2, false, "p2").body().path("pasid").asInt()).isEqualTo(2);

        String late = dev(20, true);
        attach(c, groupOf(late));

        List<JsonNode> replayed = bonds("&deviceId=" + late);
        assertThat(replayed).hasSize(2);
        assertThat(replayed).extracting(b -> b.path("containerId").asString()).containsOnly(c);
        assertThat(replayed).extracting(b -> b.path("addressSpaceId").asString() + "@" + b.path("pasid").asInt()
                        + ":" + b.path("driverData").asString())
                .containsExactlyInAnyOrder(p1 + "@1:p1", p2 + "@2:p2");

        Response again = bindContainer(c, p1, false, "p1");
        assertThat(again.status()).isEqualTo(200);
        assertThat(ids(again.body().path("bonds"), "deviceId")).containsExactlyInAnyOrder(first, late);
    }

    @Test
    void attachFailsWhenTheNewDeviceCannotTakeAPasidAndLeavesTheGroupUnattached() {
        String c = container();
        attach(c, groupOf(dev(20, false)));
        assertThat(bindContainer(c, proc()).status()).isEqualTo(201);
        String incapable = dev(0, false);

        Response r = assertProblem(attachAnswer(c, groupOf(incapable)), 422, "SVA_UNSUPPORTED", "EOPNOTSUPP");
        assertThat(ids(r.body().path("devices"), "id")).containsExactly(incapable);
        assertNotAttached(c, groupOf(incapable), incapable);
    }

    @Test
    void attachFailsWhenTheNewDeviceCannotTakeIopfAndLeavesTheGroupUnattached() {
        String c = container();
        attach(c, groupOf(dev(20, true)));
        assertThat(bindContainer(c, proc(), true, null).status()).isEqualTo(201);
        String noPri = dev(20, false);

        Response r = assertProblem(attachAnswer(c, groupOf(noPri)), 422, "IOPF_UNSUPPORTED", "EINVAL");
        assertThat(ids(r.body().path("devices"), "id")).containsExactly(noPri);
        assertNotAttached(c, groupOf(noPri), noPri);
    }

    @Test
    void attachFailsWhenTheNewDeviceIsTooNarrowForThePasidAndLeavesTheGroupUnattached() {
        String wide = dev(20, false);
        bound(wide, proc()); // takes PASID 1
        String c = container();
        attach(c, groupOf(dev(20, false)));
        assertThat(bindContainer(c, proc()).body().path("pasid").asInt()).isEqualTo(2);
        String narrow = dev(1, false);

        Response r = assertProblem(attachAnswer(c, groupOf(narrow)), 409, "PASID_OUT_OF_RANGE", "EOVERFLOW");
        assertThat(ids(r.body().path("devices"), "id")).containsExactly(narrow);
        assertNotAttached(c, groupOf(narrow), narrow);
    }

    @Test
    void strictRefusesAMultiDeviceGroupJoiningAContainerWithBinds() {
        String c = container();
        attach(c, groupOf(dev(20, false)));
        List<String> pair = multiDeviceGroup(2, 20, false);

        String unbound = container();
        attach(unbound, groupOf(pair.get(0))); // no binds: a multi-device group may join
        assertThat(api.delete("/api/v1/containers/" + unbound + "/groups/" + groupOf(pair.get(0))).status()).isEqualTo(204);

        assertThat(bindContainer(c, proc()).status()).isEqualTo(201);
        Response r = assertProblem(attachAnswer(c, groupOf(pair.get(0))), 409, "UNSAFE_GROUP_BIND", "EINVAL");
        assertThat(ids(r.body().path("groups"), "id")).containsExactly(groupOf(pair.get(0)));
        assertNotAttached(c, groupOf(pair.get(0)), pair.get(0));
        assertThat(bonds("&deviceId=" + pair.get(1))).isEmpty();
    }

    @Test
    void attachingTheSameGroupAgainAnswers200AndReplaysNothingTwice() {
        String c = container();
        String a = dev(20, false);
        attach(c, groupOf(a));
        assertThat(bindContainer(c, proc()).status()).isEqualTo(201);

        assertThat(attachAnswer(c, groupOf(a)).status()).isEqualTo(200);
        assertThat(bonds("&deviceId=" + a)).hasSize(1);
    }

    private void assertNotAttached(String containerId, String groupId, String deviceId) {
        assertThat(group(groupId).path("containerId").isNull()).as("group %s stays unattached", groupId).isTrue();
        List<String> attached = new ArrayList<>();
        api.get("/api/v1/containers/" + containerId).body().path("groups").forEach(g -> attached.add(g.asString()));
        assertThat(attached).hasSize(1).doesNotContain(groupId);
        assertThat(bonds("&deviceId=" + deviceId)).isEmpty();
    }
}
