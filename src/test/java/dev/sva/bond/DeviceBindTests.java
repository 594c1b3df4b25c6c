package dev.sva.bond;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Device binds ({@code POST /devices/{id}/bonds}) under the default policy: the singleton-group rule
 * (1), PASID allocation, sharing, lifetime and width (8, 9), idempotency (10), iopf (11), node
 * boundaries and {@code driverData}. Each test would fail if its rule were broken.
 */
abstract class DeviceBindTests extends BondApiTest {

    // ---- rule 1 ----

    @Test
    void rejectsBindOnMultiDeviceGroup() {
        List<String> members = multiDeviceGroup(2, 20, true);
        String p = proc();

        for (String device : members) {
            Response r = assertProblem(bind(device, p), 409, "GROUP_NOT_SINGLETON", "EINVAL");
            assertThat(ids(r.body().path("devices"), "id")).containsExactlyElementsOf(members);
            assertThat(r.str("groupId")).isEqualTo(groupOf(device));
        }
        assertThat(bonds("")).isEmpty();
        assertThat(pasidOf(p)).as("a refused bind allocates no PASID").isNull();
    }

    @Test
    void deviceLeftAloneInItsGroupByAnUnplugCanBindAgain() {
        List<String> members = multiDeviceGroup(2, 20, false);
        String p = proc();
        assertProblem(bind(members.get(0), p), 409, "GROUP_NOT_SINGLETON", "EINVAL");

        assertThat(api.delete("/api/v1/devices/" + members.get(1)).status()).isEqualTo(204);

        assertThat(bound(members.get(0), p).path("pasid").asInt()).isEqualTo(1);
    }

    // ---- rule 8: allocation, sharing, lifetime ----

    @Test
    void firstBindAllocatesTheLowestFreePasidFromOne() {
        String a = dev(20, false);
        String p1 = proc();
        String p2 = proc();
        assertThat(pasidOf(p1)).isNull();

        Response first = bind(a, p1);
        assertThat(first.status()).as("%s", first).isEqualTo(201);
        assertThat(first.header("Location")).endsWith("/api/v1/bonds/" + first.str("id"));
        assertThat(first.body().path("pasid").asInt()).isEqualTo(1);
        assertThat(first.str("deviceId")).isEqualTo(a);
        assertThat(first.str("addressSpaceId")).isEqualTo(p1);
        assertThat(first.body().path("iopf").asBoolean()).isFalse();
        assertThat(first.body().path("containerId").isNull()).isTrue();
        assertThat(first.str("createdAt")).isNotBlank();
        assertThat(pasidOf(p1)).isEqualTo(1);

        assertThat(bound(a, p2).path("pasid").asInt()).isEqualTo(2);
        assertThat(pasidOf(p2)).isEqualTo(2);
    }

    @Test
    void everyDeviceBoundToAProcessCarriesItsOnePasid() {
        String a = dev(20, false);
        String b = dev(20, true);
        String c = dev(8, false);
        String p1 = proc();
        String p2 = proc();

        assertThat(bound(a, p1).path("pasid").asInt()).isEqualTo(1);
        assertThat(bound(a, p2).path("pasid").asInt()).isEqualTo(2);
        assertThat(bound(b, p2).path("pasid").asInt()).isEqualTo(2);
        assertThat(bound(c, p2).path("pasid").asInt()).isEqualTo(2);
        assertThat(bound(c, p1).path("pasid").asInt()).isEqualTo(1);

        assertThat(bonds("&addressSpaceId=" + p2)).extracting(n -> n.path("pasid").asInt()).containsOnly(2).hasSize(3);
        assertThat(bonds("&addressSpaceId=" + p1)).extracting(n -> n.path("pasid").asInt()).containsOnly(1).hasSize(2);
    }

    @Test
    void pasidIsKeptAcrossUnbindWhileTheProcessLives() {
        String a = dev(20, false);
        String p1 = proc();
        String p2 = proc();
        JsonNode bond = bound(a, p1);

        assertThat(api.delete("/api/v1/bonds/" + bond.path("id").asString()).status()).isEqualTo(204);

        assertThat(pasidOf(p1)).isEqualTo(1);
        assertThat(bound(a, p2).path("pasid").asInt()).as("PASID 1 still belongs to the live process").isEqualTo(2);
        JsonNode again = bound(a, p1);
        assertThat(again.path("pasid").asInt()).isEqualTo(1);
        assertThat(again.path("id").asString()).as("a new bond").isNotEqualTo(bond.path("id").asString());
    }

    @Test
    void pasidIsFreedAtExitAndTheLowestFreeGoesToTheNextProcess() {
        String a = dev(20, false);
        String p1 = proc();
        String p2 = proc();
        String p3 = proc();
        bound(a, p1);
        bound(a, p2);
        bound(a, p3);

        assertThat(api.delete("/api/v1/address-spaces/" + p2).status()).isEqualTo(204);
        String p4 = proc();
        assertThat(bound(a, p4).path("pasid").asInt()).isEqualTo(2);

        assertThat(api.delete("/api/v1/address-spaces/" + p1).status()).isEqualTo(204);
        String p5 = proc();
        String p6 = proc();
        assertThat(bound(a, p5).path("pasid").asInt()).isEqualTo(1);
        assertThat(bound(a, p6).path("pasid").asInt()).isEqualTo(4);
    }

    @Test
    void allocationStaysWithinTheBindingDevicesWidth() {
        String wide = dev(20, false);
        String narrow = dev(1, false);
        String p1 = proc();
        String p2 = proc();
        bound(wide, p1);

        // A 1-bit device carries only PASID 1, and PASID 1 is taken
        Response r = assertProblem(bind(narrow, p2), 409, "PASID_EXHAUSTED", "ENOSPC");
        assertThat(r.body().path("pasidBits").asInt()).isEqualTo(1);
        assertThat(pasidOf(p2)).as("nothing allocated").isNull();
        assertThat(bonds("&deviceId=" + narrow)).isEmpty();

        assertThat(api.delete("/api/v1/address-spaces/" + p1).status()).isEqualTo(204);
        assertThat(bound(narrow, p2).path("pasid").asInt()).isEqualTo(1);
    }

    @Test
    void nodePasidBitsBoundThePasidSpace() {
        String small = nodeWithPasidBits(2);
        String device = devOn(small, 20, false);
        List<String> procs = List.of(procOn(small), procOn(small), procOn(small), procOn(small));

        for (int i = 0; i < 3; i++) {
            assertThat(bound(device, procs.get(i)).path("pasid").asInt()).isEqualTo(i + 1);
        }
        // PASIDs 1..3 of a 2-bit space are taken; 0 is reserved
        Response r = assertProblem(bind(device, procs.get(3)), 409, "PASID_EXHAUSTED", "ENOSPC");
        assertThat(r.body().path("pasidBits").asInt()).isEqualTo(2);

        assertThat(api.delete("/api/v1/address-spaces/" + procs.get(1)).status()).isEqualTo(204);
        assertThat(bound(device, procs.get(3)).path("pasid").asInt()).isEqualTo(2);
    }

    // ---- rule 9: width ----

    @Test
    void addressSpaceWhosePasidDoesNotFitANarrowerDeviceIsOutOfRange() {
        String wide = dev(20, false);
        String narrow = dev(1, false);
        String p1 = proc();
        String p2 = proc();
        bound(wide, p1);
        bound(wide, p2);

        Response r = assertProblem(bind(narrow, p2), 409, "PASID_OUT_OF_RANGE", "EOVERFLOW");
        assertThat(r.body().path("pasid").asInt()).isEqualTo(2);
        assertThat(ids(r.body().path("devices"), "id")).containsExactly(narrow);
        assertThat(bonds("&deviceId=" + narrow)).isEmpty();

        assertThat(bound(narrow, p1).path("pasid").asInt()).as("PASID 1 fits one bit").isEqualTo(1);
    }

    @Test
    void deviceWithoutPasidSupportCannotBind() {
        String none = dev(0, true);
        String p = proc();

        Response r = assertProblem(bind(none, p), 422, "SVA_UNSUPPORTED", "EOPNOTSUPP");
        assertThat(ids(r.body().path("devices"), "id")).containsExactly(none);
        assertThat(pasidOf(p)).isNull();
        assertThat(bonds("")).isEmpty();
    }

    // ---- rule 10: idempotency ----

    @Test
    void secondBindAnswersTheSameBondAndOneUnbindRemovesIt() {
        String a = dev(20, false);
        String p = proc();
        Response first = bind(a, p, false, "ctx-1");
        assertThat(first.status()).as("%s", first).isEqualTo(201);

        Response second = bind(a, p, false, "ctx-1");
        assertThat(second.status()).as("%s", second).isEqualTo(200);
        assertThat(second.str("id")).isEqualTo(first.str("id"));
        assertThat(second.body().path("pasid").asInt()).isEqualTo(first.body().path("pasid").asInt());
        assertThat(bonds("")).hasSize(1);

        String bond = first.str("id");
        assertThat(api.get("/api/v1/bonds/" + bond).str("driverData")).isEqualTo("ctx-1");
        assertThat(api.delete("/api/v1/bonds/" + bond).status()).isEqualTo(204);
        assertProblem(api.get("/api/v1/bonds/" + bond), 404, "NOT_FOUND");
        assertProblem(api.delete("/api/v1/bonds/" + bond), 404, "NOT_FOUND");
        assertThat(bonds("")).isEmpty();
        assertThat(events("BOND_REMOVED")).hasSize(1);
    }

    @Test
    void aRepeatedBindWithTheOtherIopfIsADuplicateAndChangesNothing() {
        String a = dev(20, true);
        String p = proc();
        String bond = bind(a, p, true, "ctx-1").str("id");

        Response r = assertProblem(bind(a, p, false, "ctx-1"), 409, "DUPLICATE", "EEXIST");
        assertThat(r.str("bondId")).isEqualTo(bond);
        assertThat(r.body().path("iopf").asBoolean()).isTrue();
        assertThat(api.get("/api/v1/bonds/" + bond).body().path("iopf").asBoolean()).isTrue();
        assertThat(bind(a, p, true, "ctx-2").status()).as("the same iopf, other driverData: the bond as it is").isEqualTo(200);
        assertThat(events("BOND_CREATED")).hasSize(1);
    }

    // ---- rule 11: iopf ----

    @Test
    void iopfWithoutPriIsRefused() {
        String noPri = dev(20, false);
        String pri = dev(20, true);
        String p = proc();

        Response r = assertProblem(bind(noPri, p, true, null), 422, "IOPF_UNSUPPORTED", "EINVAL");
        assertThat(ids(r.body().path("devices"), "id")).containsExactly(noPri);
        assertThat(bonds("")).isEmpty();

        Response ok = bind(pri, p, true, null);
        assertThat(ok.status()).as("%s", ok).isEqualTo(201);
        assertThat(ok.body().path("iopf").asBoolean()).isTrue();
        assertThat(bind(noPri, p, false, null).status()).as("pinned memory needs no PRI").isEqualTo(201);
    }

    // ---- nodes, ids and input ----

    @Test
    void bindingToAnAddressSpaceOfAnotherNodeIsCrossNode() {
        String other = nodeWithPasidBits(20);
        String device = dev(20, false);
        String foreign = procOn(other);

        assertProblem(bind(device, foreign), 422, "CROSS_NODE", "EXDEV");
        assertThat(pasidOf(foreign)).isNull();
        assertThat(bonds("")).isEmpty();
    }

    @Test
    void driverDataIsAtMost4096Characters() {
        String a = dev(20, false);
        String b = dev(20, false);
        String p = proc();

        Response r = assertProblem(bind(a, p, false, "x".repeat(4097)), 400, "VALIDATION_FAILED", "EINVAL");
        assertThat(r.str("field")).isEqualTo("driverData");
        assertThat(bonds("")).isEmpty();
        assertThat(pasidOf(p)).isNull();

        Response ok = bind(b, p, false, "y".repeat(4096));
        assertThat(ok.status()).as("%s", ok).isEqualTo(201);
        assertThat(api.get("/api/v1/bonds/" + ok.str("id")).str("driverData")).hasSize(4096);
    }

    @Test
    void driverDataWithANulCharacterIsRefusedAsInvalid() {
        String a = dev(20, false);
        String p = proc();

        Response r = api.post("/api/v1/devices/" + a + "/bonds",
                "{\"addressSpaceId\": \"" + p + "\", \"driverData\": \"ctx\\u0000tail\"}");
        assertProblem(r, 400, "VALIDATION_FAILED", "EINVAL");
        assertThat(r.str("field")).isEqualTo("driverData");
        assertThat(bonds("")).isEmpty();
        assertThat(pasidOf(p)).isNull();
    }

    @Test
    void bondListPagesInAStableOrderWithoutRepeats() {
        String p = proc();
        List<String> made = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            made.add(bound(dev(20, false), p).path("id").asString());
        }

        List<String> seen = new ArrayList<>();
        String cursor = null;
        do {
            Response page = api.get("/api/v1/bonds?node=" + node + "&limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).isEqualTo(200);
            assertThat(page.body().path("items").size()).isLessThanOrEqualTo(2);
            page.body().path("items").forEach(b -> seen.add(b.path("id").asString()));
            cursor = page.str("nextCursor");
        } while (cursor != null);
        assertThat(seen).containsExactlyElementsOf(made);
        assertProblem(api.get("/api/v1/bonds?node=" + node + "&limit=0"), 400, "VALIDATION_FAILED");
        assertProblem(api.get("/api/v1/bonds?node=no-such-node"), 404, "NOT_FOUND");
    }

    @Test
    void unknownIdsAndAMissingAddressSpaceAreRefused() {
        String a = dev(20, false);
        String p = proc();

        assertProblem(bind("dev-999999999", p), 404, "NOT_FOUND", "ENOENT");
        assertProblem(bind(a, "as-999999999"), 404, "NOT_FOUND", "ENOENT");
        assertProblem(api.post("/api/v1/devices/" + a + "/bonds", Api.json(Map.of("iopf", false))), 400, "VALIDATION_FAILED");
        assertProblem(api.post("/api/v1/devices/" + a + "/bonds", "{\"addressSpaceId\": \"" + p + "\", \"iopf\": \"maybe\"}"),
                400, "VALIDATION_FAILED");
        assertProblem(api.get("/api/v1/bonds/bond-999999999"), 404, "NOT_FOUND");
        assertProblem(api.delete("/api/v1/bonds/nonsense"), 404, "NOT_FOUND");
        assertThat(bonds("")).isEmpty();
    }

    @Test
    void policyIsStrictByDefault() {
        Response r = api.get("/api/v1/policy");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.str("isolation")).isEqualTo("STRICT");
    }
}
