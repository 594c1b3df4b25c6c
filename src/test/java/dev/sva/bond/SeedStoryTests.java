package dev.sva.bond;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The seed thread's story, end to end over HTTP, as the README walks through it: a singleton device
 * bound to a process gets PASID 1; a second device hot-plugged into its group; a device bind on the
 * now two-device group refused; a container bind under STRICT refused as unsafe.
 */
abstract class SeedStoryTests extends ApiTest {

    @Test
    void singletonBindThenHotplugThenRefusals() {
        String gpu = device("0000:3b:00.0", 20, true);
        String proc = process(4242);
        Response bond = api.post("/api/v1/devices/" + gpu + "/bonds",
                Api.json(Map.of("addressSpaceId", proc, "driverData", "ctx-7")));
        assertThat(bond.status()).as("%s", bond).isEqualTo(201);
        assertThat(bond.body().path("pasid").asInt()).isEqualTo(1);
        assertThat(bond.header("Location")).endsWith("/api/v1/bonds/" + bond.str("id"));
        assertThat(api.get("/api/v1/address-spaces/" + proc).body().path("pasid").asInt()).isEqualTo(1);

        String group = groupOf(gpu);
        String peer = deviceInGroup("0000:3b:00.1", group, 20, true);
        assertThat(api.get("/api/v1/groups/" + group).body().path("singleton").asBoolean()).isFalse();
        // STRICT: the hot-plug revoked the bond, since the group is no longer a singleton
        assertThat(api.get("/api/v1/bonds/" + bond.str("id")).status()).isEqualTo(404);

        Response refused = assertProblem(bind(gpu, proc), 409, "GROUP_NOT_SINGLETON");
        assertThat(refused.str("errno")).isEqualTo("EINVAL");
        assertThat(refused.body().path("devices").findValuesAsString("id")).containsExactly(gpu, peer);

        String vm = container();
        attach(vm, group);
        Response unsafe = assertProblem(bindContainer(vm, proc), 409, "UNSAFE_GROUP_BIND");
        assertThat(unsafe.body().path("groups").get(0).path("id").asString()).isEqualTo(group);
        assertThat(api.get("/api/v1/bonds?node=" + node).body().path("items").size()).isZero();
    }
}
