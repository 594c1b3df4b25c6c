package dev.sva.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * SECURITY.md "Roles": a viewer reads everything and changes nothing; an agent changes only its own
 * node's topology, devices and drivers; a tenant uses containers, address spaces, bonds and DMA but
 * makes no nodes, devices, groups or tokens; an admin does everything. A refusal is {@code 403
 * FORBIDDEN} naming the scope that may, and changes nothing.
 */
abstract class RoleTests extends ApiTest {

    private static final String TOPOLOGY = Api.json(Map.of("functions", List.of(
            Map.of("bdf", "0000:00:1f.0", "type", "ENDPOINT", "vendorId", "8086", "deviceId", "a0a3"))));

    private static Response forbidden(Response r, String scope) {
        assertProblem(r, 403, "FORBIDDEN");
        assertThat(r.str("scope")).as("%s", r).contains(scope);
        assertThat(r.header("WWW-Authenticate")).as("%s", r).contains("insufficient_scope");
        return r;
    }

    /** Everything the service holds that a change could touch, as the admin reads it. */
    private String state(String... nodes) {
        StringBuilder s = new StringBuilder();
        for (String n : nodes) {
            for (String list : List.of("devices", "groups", "containers", "address-spaces", "bonds")) {
                s.append(list).append(all("/api/v1/" + list + "?node=" + n)).append('\n');
            }
            s.append(api.get("/api/v1/nodes/" + n)).append('\n');
        }
        s.append(api.get("/api/v1/nodes?limit=1000")).append('\n');
        return s.toString();
    }

    @Test
    void viewerReadsEverythingAndChangesNothing() {
        String gpu = dev(20, true);
        String ctr = container();
        String as = process(4242);
        Api viewer = api.as(Tokens.mint(api, "sva:viewer", null, null));
        for (String path : List.of("/api/v1/nodes", "/api/v1/nodes/" + node, "/api/v1/devices?node=" + node,
                "/api/v1/devices/" + gpu, "/api/v1/groups?node=" + node, "/api/v1/containers/" + ctr,
                "/api/v1/address-spaces/" + as, "/api/v1/bonds?node=" + node, "/api/v1/events?node=" + node,
                "/api/v1/policy", "/api/v1/faults?node=" + node, "/api/v1/dma/stats?node=" + node)) {
            assertThat(viewer.get(path).status()).as("GET %s", path).isEqualTo(200);
        }
        String before = state(node);
        forbidden(viewer.post("/api/v1/nodes", Api.json(Map.of("name", Api.uniqueNode()))), "sva:admin");
        forbidden(viewer.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", nextBdf(), "driver", "vfio-pci"))), "sva:agent");
        forbidden(viewer.patch("/api/v1/devices/" + gpu, Api.json(Map.of("driver", "nvidia"))), "sva:agent");
        forbidden(viewer.delete("/api/v1/devices/" + gpu), "sva:agent");
        forbidden(viewer.post("/api/v1/groups", Api.json(Map.of("node", node))), "sva:admin");
        forbidden(viewer.delete("/api/v1/groups/" + groupOf(gpu)), "sva:admin");
        forbidden(viewer.post("/api/v1/containers", Api.json(Map.of("node", node))), "sva:tenant");
        forbidden(viewer.put("/api/v1/containers/" + ctr + "/groups/" + groupOf(gpu)), "sva:tenant");
        forbidden(viewer.delete("/api/v1/containers/" + ctr), "sva:tenant");
        forbidden(viewer.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 7))), "sva:tenant");
        forbidden(viewer.delete("/api/v1/address-spaces/" + as), "sva:tenant");
        forbidden(viewer.post("/api/v1/devices/" + gpu + "/bonds", Api.json(Map.of("addressSpaceId", as))), "sva:tenant");
        forbidden(viewer.post("/api/v1/dma", Api.json(Map.of("deviceId", gpu, "address", "0x1000", "size", 8,
                "access", "READ"))), "sva:tenant");
        forbidden(viewer.send("PUT", "/api/v1/nodes/" + node + "/topology", TOPOLOGY), "sva:agent");
        forbidden(viewer.post("/api/v1/tokens", Api.json(Map.of("role", "sva:admin"))), "sva:admin");
        assertThat(state(node)).isEqualTo(before);
    }

    @Test
    void agentChangesItsOwnNodeOnly() {
        String other = Api.uniqueNode();
        assertThat(api.post("/api/v1/nodes", Api.json(Map.of("name", other))).status()).isEqualTo(201);
        String theirs = created(api.post("/api/v1/devices", Api.json(Map.of("node", other, "bdf", "0000:01:00.0",
                "driver", "vfio-pci", "pasidBits", 20))));
        String mine = dev(20, true);
        Api agent = api.as(Tokens.mint(api, "sva:agent", null, node));

        String before = state(other);
        forbidden(agent.post("/api/v1/devices", Api.json(Map.of("node", other, "bdf", "0000:02:00.0", "driver", "vfio-pci"))),
                "sva:admin");
        forbidden(agent.patch("/api/v1/devices/" + theirs, Api.json(Map.of("driver", "nvidia"))), "sva:admin");
        forbidden(agent.delete("/api/v1/devices/" + theirs), "sva:admin");
        forbidden(agent.send("PUT", "/api/v1/nodes/" + other + "/topology", TOPOLOGY), "sva:admin");
        assertThat(state(other)).as("the other node is as it was").isEqualTo(before);

        // nothing else, even on its own node
        forbidden(agent.post("/api/v1/nodes", Api.json(Map.of("name", Api.uniqueNode()))), "sva:admin");
        forbidden(agent.post("/api/v1/containers", Api.json(Map.of("node", node))), "sva:tenant");
        forbidden(agent.post("/api/v1/groups", Api.json(Map.of("node", node))), "sva:admin");
        forbidden(agent.post("/api/v1/tokens", Api.json(Map.of("role", "sva:agent", "node", other))), "sva:admin");

        assertThat(agent.patch("/api/v1/devices/" + mine, Api.json(Map.of("driver", "nvidia"))).status()).isEqualTo(200);
        String plugged = created(agent.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", nextBdf(),
                "driver", "vfio-pci", "pasidBits", 20))));
        assertThat(agent.delete("/api/v1/devices/" + plugged).status()).isEqualTo(204);
        assertThat(agent.delete("/api/v1/devices/" + mine).status()).isEqualTo(204);
        Response imported = agent.send("PUT", "/api/v1/nodes/" + node + "/topology", TOPOLOGY);
        assertThat(imported.status()).as("%s", imported).isEqualTo(200);
    }

    @Test
    void tenantUsesContainersAddressSpacesBondsAndDmaButMakesNoTopology() {
        String gpu = dev(20, true);
        Api tenant = api.as(Tokens.mint(api, "sva:tenant", "acme", null));
        String before = state(node);
        forbidden(tenant.post("/api/v1/nodes", Api.json(Map.of("name", Api.uniqueNode()))), "sva:admin");
        forbidden(tenant.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", nextBdf(), "driver", "vfio-pci"))),
                "sva:agent");
        forbidden(tenant.patch("/api/v1/devices/" + gpu, Api.json(Map.of("driver", "nvidia"))), "sva:agent");
        forbidden(tenant.delete("/api/v1/devices/" + gpu), "sva:agent");
        forbidden(tenant.post("/api/v1/groups", Api.json(Map.of("node", node))), "sva:admin");
        forbidden(tenant.send("PUT", "/api/v1/nodes/" + node + "/topology", TOPOLOGY), "sva:agent");
        forbidden(tenant.post("/api/v1/tokens", Api.json(Map.of("role", "sva:tenant", "tenant", "acme"))), "sva:admin");
        assertThat(state(node)).isEqualTo(before);

        // a tenant uses only groups allocated to it (rule 19)
        assertThat(api.send("PUT", "/api/v1/groups/" + groupOf(gpu) + "/allocation", Api.json(Map.of("tenant", "acme")))
                .status()).isEqualTo(200);
        String as = created(tenant.post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 4242))));
        Response bond = tenant.post("/api/v1/devices/" + gpu + "/bonds", Api.json(Map.of("addressSpaceId", as)));
        assertThat(bond.status()).as("%s", bond).isEqualTo(201);
        String ctr = created(tenant.post("/api/v1/containers", Api.json(Map.of("node", node))));
        assertThat(tenant.put("/api/v1/containers/" + ctr + "/groups/" + groupOf(gpu)).status()).isEqualTo(201);
        Response dma = tenant.post("/api/v1/dma", Api.json(Map.of("deviceId", gpu, "address", "0x1000", "size", 8,
                "access", "READ")));
        assertThat(dma.status()).as("%s", dma).isEqualTo(200);
        assertThat(tenant.delete("/api/v1/bonds/" + bond.str("id")).status()).isEqualTo(204);
    }

    @Test
    void eventsNameTheirActor() {
        String gpu = dev(20, true);
        String token = Tokens.mint(api, "sva:tenant", "acme", null);
        Response as = api.as(token).post("/api/v1/address-spaces", Api.json(Map.of("node", node, "pid", 99)));
        assertThat(as.status()).isEqualTo(201);
        List<JsonNode> events = all("/api/v1/events?node=" + node);
        JsonNode plugged = events.stream().filter(e -> e.path("subject").path("id").asString().equals(gpu)).findFirst().orElseThrow();
        assertThat(plugged.path("actor").path("subject").asString()).isEqualTo("admin");
        assertThat(plugged.path("actor").path("role").asString()).isEqualTo("sva:admin");
        assertThat(plugged.path("actor").path("tenant").isNull()).isTrue();
        JsonNode created = events.stream().filter(e -> e.path("subject").path("id").asString().equals(as.str("id")))
                .findFirst().orElseThrow();
        assertThat(created.path("actor").path("subject").asString()).startsWith("sva:tenant:acme:");
        assertThat(created.path("actor").path("role").asString()).isEqualTo("sva:tenant");
        assertThat(created.path("actor").path("tenant").asString()).isEqualTo("acme");
    }
}
