package dev.sva.bond;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api.Response;
import java.util.List;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The same rules under {@code sva.isolation=GROUP_AWARE} (the seed's proposal): a device bind still
 * needs a singleton group (rule 1, whatever the policy), but a container bind covers every device of a
 * multi-device group (rule 2), a hot-plug keeps the group's bonds (rule 5), and a multi-device group
 * may join a container that holds binds (rule 13). Subclasses carry the property.
 */
abstract class GroupAwareBondTests extends BondApiTest {

    @Test
    void policyAnswersGroupAware() {
        Response r = api.get("/api/v1/policy");
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.str("isolation")).isEqualTo("GROUP_AWARE");
    }

    @Test
    void deviceBindOnAMultiDeviceGroupIsRefusedWhateverThePolicy() {
        List<String> pair = multiDeviceGroup(2, 20, true);
        String p = proc();

        Response r = assertProblem(bind(pair.get(1), p), 409, "GROUP_NOT_SINGLETON", "EINVAL");
        assertThat(ids(r.body().path("devices"), "id")).containsExactlyElementsOf(pair);
        assertThat(bonds("")).isEmpty();
        assertThat(pasidOf(p)).isNull();
    }

    @Test
    void containerBindCoversEveryDeviceOfAMultiDeviceGroup() {
        String c = container();
        List<String> trio = multiDeviceGroup(3, 20, false);
        String single = dev(20, false);
        attach(c, groupOf(trio.get(0)));
        attach(c, groupOf(single));
        String p = proc();

        Response first = bindContainer(c, p, false, "vm");
        assertThat(first.status()).as("%s", first).isEqualTo(201);
        assertThat(first.body().path("pasid").asInt()).isEqualTo(1);
        JsonNode made = first.body().path("bonds");
        assertThat(ids(made, "deviceId")).containsExactlyInAnyOrder(trio.get(0), trio.get(1), trio.get(2), single);
        made.forEach(b -> {
            assertThat(b.path("containerId").asString()).isEqualTo(c);
            assertThat(b.path("pasid").asInt()).isEqualTo(1);
        });

        List<JsonNode> warnings = events("ISOLATION_WARNING");
        assertThat(warnings).hasSize(1);
        assertThat(warnings.get(0).path("subject").path("id").asString()).isEqualTo(c);

        Response second = bindContainer(c, p, false, "vm");
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.body().path("pasid").asInt()).isEqualTo(1);
        assertThat(ids(second.body().path("bonds"), "id")).containsExactlyInAnyOrderElementsOf(ids(made, "id"));
        assertThat(group(groupOf(trio.get(0))).path("bondCount").asInt()).isEqualTo(3);
    }

    @Test
    void containerBindStillNamesEveryIncapableDeviceOfAMultiDeviceGroup() {
        String c = container();
        String capable = dev(20, false);
        String group = groupOf(capable);
        String blind = devIn(group, 0, false);
        String blind2 = devIn(group, 0, false);
        attach(c, group);
        String p = proc();

        Response r = assertProblem(bindContainer(c, p), 422, "SVA_UNSUPPORTED", "EOPNOTSUPP");
        assertThat(ids(r.body().path("devices"), "id")).containsExactlyInAnyOrder(blind, blind2);
        assertThat(bonds("")).isEmpty();
        assertThat(pasidOf(p)).isNull();
    }

    @Test
    void hotplugKeepsTheGroupsBondsAndTheNewDeviceGetsNone() {
        String gpu = dev(20, false);
        String p = proc();
        String bond = bound(gpu, p).path("id").asString();

        String peer = devIn(groupOf(gpu), 20, false);

        assertThat(api.get("/api/v1/bonds/" + bond).status()).isEqualTo(200);
        assertThat(bonds("&deviceId=" + peer)).isEmpty();
        assertThat(events("BOND_REVOKED")).isEmpty();
        assertThat(events("ISOLATION_WARNING")).hasSize(1);
        // still no device bind on what is now a two-device group
        assertProblem(bind(peer, p), 409, "GROUP_NOT_SINGLETON", "EINVAL");
        // a repeated bind of the kept bond answers it (rule 10) and makes nothing new
        Response again = bind(gpu, p, false, null);
        assertThat(again.status()).as("%s", again).isEqualTo(200);
        assertThat(again.str("id")).isEqualTo(bond);
        // but a bind of the same device to another process is a new bond on a multi-device group (rule 1)
        assertProblem(bind(gpu, proc()), 409, "GROUP_NOT_SINGLETON", "EINVAL");
        assertThat(bonds("")).hasSize(1);
    }

    @Test
    void hotplugIntoAGroupOfABoundContainerKeepsItsBondsAndTheNewDeviceGetsNone() {
        String c = container();
        String a = dev(20, false);
        attach(c, groupOf(a));
        String p = proc();
        List<String> made = ids(bindContainer(c, p).body().path("bonds"), "id");

        String peer = devIn(groupOf(a), 20, false);

        assertThat(ids(bonds(""), "id")).containsExactlyElementsOf(made);
        assertThat(bonds("&deviceId=" + peer)).isEmpty();
        assertThat(events("BOND_REVOKED")).isEmpty();
        // not silently: the container's bind lists the new device as not covered, and why
        JsonNode bind = api.get("/api/v1/containers/" + c + "/bonds").body().path("items").get(0);
        assertThat(ids(bind.path("covers"), "deviceId")).containsExactly(a);
        assertThat(ids(bind.path("doesNotCover"), "deviceId")).containsExactly(peer);
        assertThat(ids(bind.path("doesNotCover"), "reason")).containsExactly("JOINED_AFTER_BIND");
        // and a repeated bind covers it, the group being one device to the caller under GROUP_AWARE
        assertThat(bindContainer(c, p).status()).isEqualTo(200);
        assertThat(api.get("/api/v1/containers/" + c + "/bonds").body().path("items").get(0).path("doesNotCover")).isEmpty();
    }

    @Test
    void multiDeviceGroupMayJoinAContainerWithBindsAndGetsThemReplayed() {
        String c = container();
        attach(c, groupOf(dev(20, false)));
        String p = proc();
        assertThat(bindContainer(c, p).status()).isEqualTo(201);
        List<String> pair = multiDeviceGroup(2, 20, false);

        Response r = attachAnswer(c, groupOf(pair.get(0)));
        assertThat(r.status()).as("%s", r).isEqualTo(201);

        for (String d : pair) {
            List<JsonNode> replayed = bonds("&deviceId=" + d);
            assertThat(replayed).hasSize(1);
            assertThat(replayed.get(0).path("containerId").asString()).isEqualTo(c);
            assertThat(replayed.get(0).path("pasid").asInt()).isEqualTo(1);
        }
    }

    @Test
    void attachOfAMultiDeviceGroupWithAnIncapableMemberFailsWhole() {
        String c = container();
        attach(c, groupOf(dev(20, false)));
        assertThat(bindContainer(c, proc()).status()).isEqualTo(201);
        String capable = dev(20, false);
        String blind = devIn(groupOf(capable), 0, false);

        Response r = assertProblem(attachAnswer(c, groupOf(capable)), 422, "SVA_UNSUPPORTED", "EOPNOTSUPP");
        assertThat(ids(r.body().path("devices"), "id")).containsExactly(blind);
        assertThat(group(groupOf(capable)).path("containerId").isNull()).isTrue();
        assertThat(bonds("&deviceId=" + capable)).isEmpty();
    }
}
