package dev.sva.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import dev.sva.support.SseClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The tenancy rules of docs/domain.md (19-24), each with its exact code: whole-group allocation by an admin,
 * attach and bind only of a tenant's own groups, release refused while busy unless forced, and another tenant's
 * objects, events and faults as absent as ids never issued.
 */
abstract class TenancyTests extends ApiTest {

    Api a;
    Api b;
    String tenantA;
    String tenantB;

    @BeforeEach
    void tenants() {
        tenantA = "a-" + node;
        tenantB = "b-" + node;
        a = api.as(Tokens.mint(api, "sva:tenant", tenantA, null));
        b = api.as(Tokens.mint(api, "sva:tenant", tenantB, null));
    }

    Response allocate(String group, String tenant) {
        return api.send("PUT", "/api/v1/groups/" + group + "/allocation", Api.json(Map.of("tenant", tenant)));
    }

    void allocated(String group, String tenant) {
        Response r = allocate(group, tenant);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
    }

    static String create(Api as, String path, Map<String, ?> body) {
        Response r = as.post(path, Api.json(body));
        assertThat(r.status()).as("POST %s: %s", path, r).isEqualTo(201);
        return r.str("id");
    }

    /** The answer with {@code id} written as {@code <id>}: what must be equal between a hidden and a missing id. */
    static String shape(Response r, String id) {
        return r.status() + " " + r.raw().body().replace(id, "<id>");
    }

    @Test
    void anAllocatedGroupShowsItsTenantAndOnlyThatTenantSeesIt() {
        String gpu = dev(20, true);
        String group = groupOf(gpu);
        Response r = allocate(group, tenantA);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        assertThat(r.str("tenant")).isEqualTo(tenantA);
        assertThat(allocate(group, tenantA).status()).as("allocating again to the same tenant").isEqualTo(200);

        assertThat(a.get("/api/v1/groups/" + group).str("tenant")).isEqualTo(tenantA);
        assertThat(a.get("/api/v1/devices/" + gpu).status()).isEqualTo(200);
        assertThat(a.get("/api/v1/groups?node=" + node).body().path("items")).hasSize(1);
        assertThat(a.get("/api/v1/devices?node=" + node).body().path("items")).hasSize(1);

        String missingGroup = "grp-999999999";
        assertThat(shape(b.get("/api/v1/groups/" + group), group))
                .isEqualTo(shape(b.get("/api/v1/groups/" + missingGroup), missingGroup));
        assertProblem(b.get("/api/v1/groups/" + group), 404, "NOT_FOUND");
        assertProblem(b.get("/api/v1/devices/" + gpu), 404, "NOT_FOUND");
        assertThat(b.get("/api/v1/groups?node=" + node).body().path("items")).isEmpty();
        assertThat(b.get("/api/v1/devices?node=" + node).body().path("items")).isEmpty();
        // an unallocated group is no tenant's: not listed for any
        String free = groupOf(dev(20, true));
        assertProblem(a.get("/api/v1/groups/" + free), 404, "NOT_FOUND");
        // the viewer sees all
        Api viewer = api.as(Tokens.mint(api, "sva:viewer", null, null));
        assertThat(viewer.get("/api/v1/groups?node=" + node).body().path("items")).hasSize(2);
    }

    @Test
    void allocationIsForAdminsAndRefusesBadTenantsAndAGroupAllocatedToAnother() {
        String group = groupOf(dev(20, true));
        assertProblem(a.send("PUT", "/api/v1/groups/" + group + "/allocation", Api.json(Map.of("tenant", tenantA))), 403, "FORBIDDEN");
        assertProblem(a.delete("/api/v1/groups/" + group + "/allocation"), 403, "FORBIDDEN");
        assertThat(assertProblem(allocate(group, " "), 400, "VALIDATION_FAILED").str("field")).isEqualTo("tenant");
        assertThat(assertProblem(allocate(group, "x".repeat(129)), 400, "VALIDATION_FAILED").str("field")).isEqualTo("tenant");
        assertProblem(api.send("PUT", "/api/v1/groups/" + group + "/allocation", "{}"), 400, "VALIDATION_FAILED");
        assertProblem(allocate("grp-999999999", tenantA), 404, "NOT_FOUND");
        allocated(group, tenantA);
        assertProblem(allocate(group, tenantB), 409, "GROUP_BUSY");
        assertThat(api.get("/api/v1/groups/" + group).str("tenant")).isEqualTo(tenantA);
    }

    @Test
    void aTenantAttachesAndBindsOnlyGroupsAllocatedToIt() {
        String gpu = dev(20, true);
        String group = groupOf(gpu);
        String ctr = create(a, "/api/v1/containers", Map.of("node", node));
        String as = create(a, "/api/v1/address-spaces", Map.of("node", node, "pid", 4242));
        // not allocated: to the tenant the group does not exist
        assertProblem(a.put("/api/v1/containers/" + ctr + "/groups/" + group), 404, "NOT_FOUND");
        assertProblem(a.post("/api/v1/devices/" + gpu + "/bonds", Api.json(Map.of("addressSpaceId", as))), 404, "NOT_FOUND");
        allocated(group, tenantB);
        assertProblem(a.put("/api/v1/containers/" + ctr + "/groups/" + group), 404, "NOT_FOUND");
        assertProblem(a.post("/api/v1/devices/" + gpu + "/bonds", Api.json(Map.of("addressSpaceId", as))), 404, "NOT_FOUND");
        assertThat(api.delete("/api/v1/groups/" + group + "/allocation").status()).isEqualTo(204);
        allocated(group, tenantA);
        assertThat(a.put("/api/v1/containers/" + ctr + "/groups/" + group).status()).isEqualTo(201);
        Response bond = a.post("/api/v1/containers/" + ctr + "/bonds", Api.json(Map.of("addressSpaceId", as)));
        assertThat(bond.status()).as("%s", bond).isEqualTo(201);
        Response dma = a.post("/api/v1/dma", Api.json(Map.of("deviceId", gpu, "address", "0x1000", "size", 8, "access", "READ")));
        assertThat(dma.body().path("fault").path("reason").asString()).isNotEqualTo("UNKNOWN_DEVICE");
        Response hidden = b.post("/api/v1/dma", Api.json(Map.of("deviceId", gpu, "address", "0x1000", "size", 8, "access", "READ")));
        assertThat(hidden.body().path("fault").path("reason").asString()).isEqualTo("UNKNOWN_DEVICE");
        assertThat(shape(hidden, gpu)).isEqualTo(shape(b.post("/api/v1/dma", Api.json(Map.of("deviceId", "dev-999999999",
                "address", "0x1000", "size", 8, "access", "READ"))), "dev-999999999"));
    }

    @Test
    void containersAndAddressSpacesHoldOnlyGroupsOfTheirOwnTenant() {
        String gpu = dev(20, true);
        String group = groupOf(gpu);
        allocated(group, tenantA);
        // the admin's container and address space are no tenant's: they take only unallocated groups and devices
        String adminCtr = container();
        String adminAs = process(4343);
        Response attach = assertProblem(api.put("/api/v1/containers/" + adminCtr + "/groups/" + group), 409, "GROUP_NOT_ALLOCATED");
        assertThat(attach.str("groupId")).isEqualTo(group);
        assertProblem(bind(gpu, adminAs), 409, "GROUP_NOT_ALLOCATED");
        // and a tenant's container cannot be filled by an admin with an unallocated group
        String ctr = create(a, "/api/v1/containers", Map.of("node", node));
        String free = groupOf(dev(20, true));
        assertProblem(api.put("/api/v1/containers/" + ctr + "/groups/" + free), 409, "GROUP_NOT_ALLOCATED");
        String as = create(a, "/api/v1/address-spaces", Map.of("node", node, "pid", 4242));
        assertProblem(api.post("/api/v1/containers/" + adminCtr + "/bonds", Api.json(Map.of("addressSpaceId", as))), 409,
                "GROUP_NOT_ALLOCATED");
        // allocating a group attached to an admin's container is refused: its members are in use
        attach(adminCtr, free);
        assertProblem(allocate(free, tenantB), 409, "GROUP_BUSY");
    }

    @Test
    void releasingABusyGroupIsGroupBusyAndChangesNothing() {
        String gpu = dev(20, true);
        String group = groupOf(gpu);
        allocated(group, tenantA);
        String ctr = create(a, "/api/v1/containers", Map.of("node", node));
        assertThat(a.put("/api/v1/containers/" + ctr + "/groups/" + group).status()).isEqualTo(201);
        Response busy = assertProblem(api.delete("/api/v1/groups/" + group + "/allocation"), 409, "GROUP_BUSY");
        assertThat(busy.str("containerId")).isEqualTo(ctr);
        assertThat(api.get("/api/v1/groups/" + group).str("tenant")).isEqualTo(tenantA);
        assertThat(api.get("/api/v1/groups/" + group).str("containerId")).isEqualTo(ctr);

        // bonds alone keep it busy as well
        assertThat(a.delete("/api/v1/containers/" + ctr + "/groups/" + group).status()).isEqualTo(204);
        String as = create(a, "/api/v1/address-spaces", Map.of("node", node, "pid", 4242));
        assertThat(a.post("/api/v1/devices/" + gpu + "/bonds", Api.json(Map.of("addressSpaceId", as))).status()).isEqualTo(201);
        assertThat(assertProblem(api.delete("/api/v1/groups/" + group + "/allocation"), 409, "GROUP_BUSY")
                .body().path("bondCount").asLong()).isEqualTo(1);
        assertThat(api.get("/api/v1/groups/" + group).str("tenant")).isEqualTo(tenantA);
    }

    @Test
    void aForcedReleaseDetachesRevokesAndSaysSoInEvents() {
        String gpu = dev(20, true);
        String group = groupOf(gpu);
        allocated(group, tenantA);
        String ctr = create(a, "/api/v1/containers", Map.of("node", node));
        String as = create(a, "/api/v1/address-spaces", Map.of("node", node, "pid", 4242));
        assertThat(a.put("/api/v1/containers/" + ctr + "/groups/" + group).status()).isEqualTo(201);
        Response bind = a.post("/api/v1/containers/" + ctr + "/bonds", Api.json(Map.of("addressSpaceId", as)));
        String bond = bind.body().path("bonds").get(0).path("id").asString();

        assertThat(api.delete("/api/v1/groups/" + group + "/allocation?force=true").status()).isEqualTo(204);
        JsonNode released = api.get("/api/v1/groups/" + group).body();
        assertThat(released.path("tenant").isNull()).isTrue();
        assertThat(released.path("containerId").isNull()).isTrue();
        assertThat(released.path("bondCount").asLong()).isZero();
        assertProblem(a.get("/api/v1/groups/" + group), 404, "NOT_FOUND");
        assertProblem(a.get("/api/v1/bonds/" + bond), 404, "NOT_FOUND");

        // the tenant learns what happened to its objects from its own event list
        List<JsonNode> events = all("/api/v1/events?node=" + node, a);
        assertThat(events.stream().filter(e -> e.path("type").asString().equals("BOND_REVOKED"))
                .map(e -> e.path("data").path("reason").asString())).containsExactly("GROUP_RELEASED");
        assertThat(events.stream().filter(e -> e.path("type").asString().equals("GROUP_DETACHED"))
                .map(e -> e.path("subject").path("id").asString())).containsExactly(group);
        JsonNode rel = events.stream().filter(e -> e.path("type").asString().equals("GROUP_RELEASED")).findFirst().orElseThrow();
        assertThat(rel.path("data").path("reason").asString()).isEqualTo("FORCED");
        assertThat(rel.path("data").path("tenant").asString()).isEqualTo(tenantA);
        // releasing what is not allocated changes nothing
        assertThat(api.delete("/api/v1/groups/" + group + "/allocation").status()).isEqualTo(204);
    }

    @Test
    void aTenantsEventListAndStreamShowOnlyItsOwnObjects() throws InterruptedException {
        String group = groupOf(dev(20, true));
        allocated(group, tenantA);
        String ctrA = create(a, "/api/v1/containers", Map.of("node", node));
        create(a, "/api/v1/address-spaces", Map.of("node", node, "pid", 4242));
        assertThat(a.put("/api/v1/containers/" + ctrA + "/groups/" + group).status()).isEqualTo(201);

        try (SseClient stream = SseClient.connect(port, "/api/v1/events/stream?node=" + node + "&after=0", null, b.authorization())) {
            assertThat(stream.status).isEqualTo(200);
            String ctrB = create(b, "/api/v1/containers", Map.of("node", node));
            // B's stream reaches its own event having passed A's, and shows none of them
            List<SseClient.Frame> seen = new ArrayList<>();
            SseClient.Frame f;
            do {
                f = stream.next(Duration.ofSeconds(30));
                assertThat(f).as("B's own event arrives").isNotNull();
                seen.add(f);
            } while (!f.data().contains(ctrB));
            assertThat(seen).hasSize(1);
        }
        List<JsonNode> ofB = all("/api/v1/events?node=" + node, b);
        assertThat(ofB).hasSize(1);
        assertThat(ofB.get(0).path("type").asString()).isEqualTo("CONTAINER_CREATED");
        List<JsonNode> ofA = all("/api/v1/events?node=" + node, a);
        assertThat(ofA.stream().map(e -> e.path("type").asString()))
                .containsExactly("GROUP_ALLOCATED", "CONTAINER_CREATED", "ADDRESS_SPACE_CREATED", "GROUP_ATTACHED");
        // the admin sees every event
        assertThat(all("/api/v1/events?node=" + node).size()).isGreaterThan(ofA.size() + ofB.size());
    }

    /** A host of published listings (topology tests): 05:00.0 and 05:00.1 each in a group of their own. */
    static String switchHost() {
        try (java.io.InputStream in = TenancyTests.class.getResourceAsStream("/topology/switch-host.lspci")) {
            return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The same host with ACS off on 05:00.1: both functions of slot 05:00 now share one group. */
    static String mergedHost() {
        String listing = switchHost();
        int at = listing.indexOf("0000:05:00.1 ");
        int end = listing.indexOf("\n\n", at);
        String block = listing.substring(at, end).replace(
                "\t\tACSCtl:\tSrcValid+ TransBlk- ReqRedir+ CmpltRedir+ UpstreamFwd+ EgressCtrl- DirectTrans-",
                "\t\tACSCtl:\tSrcValid- TransBlk- ReqRedir- CmpltRedir- UpstreamFwd- EgressCtrl- DirectTrans-");
        assertThat(block).as("the listing still has the ACS line this test turns off").contains("SrcValid-");
        return listing.substring(0, at) + block + listing.substring(end);
    }

    Response importHost(String listing) {
        Response r = api.send("PUT", "/api/v1/nodes/" + node + "/topology", Api.json(Map.of("lspci", listing)));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r;
    }

    String deviceAt(String bdf) {
        return api.get("/api/v1/devices?node=" + node + "&limit=1000").body().path("items").valueStream()
                .filter(d -> d.path("bdf").asString().equals(bdf)).findFirst().orElseThrow().path("id").asString();
    }

    @Test
    void aMergeThatMixesTenantsReleasesTheGroupAndRevokesItsBondsWithAnIsolationWarning() {
        importHost(switchHost());
        String first = deviceAt("0000:05:00.0");
        String second = deviceAt("0000:05:00.1");
        allocated(groupOf(first), tenantB);
        allocated(groupOf(second), tenantA);
        String as = create(a, "/api/v1/address-spaces", Map.of("node", node, "pid", 4242));
        Response bond = a.post("/api/v1/devices/" + second + "/bonds", Api.json(Map.of("addressSpaceId", as)));
        assertThat(bond.status()).as("%s", bond).isEqualTo(201);

        importHost(mergedHost());
        String merged = groupOf(first);
        assertThat(groupOf(second)).isEqualTo(merged);
        assertThat(api.get("/api/v1/groups/" + merged).body().path("tenant").isNull()).as("released").isTrue();
        assertProblem(a.get("/api/v1/bonds/" + bond.str("id")), 404, "NOT_FOUND");
        assertProblem(a.get("/api/v1/devices/" + second), 404, "NOT_FOUND");
        assertProblem(b.get("/api/v1/devices/" + first), 404, "NOT_FOUND");
        for (Api tenant : List.of(a, b)) {
            JsonNode warning = all("/api/v1/events?node=" + node, tenant).stream()
                    .filter(e -> e.path("type").asString().equals("ISOLATION_WARNING")).findFirst().orElseThrow();
            assertThat(warning.path("subject").path("id").asString()).isEqualTo(merged);
            assertThat(warning.path("data").path("reason").asString()).isEqualTo("GROUP_MIXES_TENANTS");
        }
        assertThat(all("/api/v1/events?node=" + node, a).stream().filter(e -> e.path("type").asString().equals("BOND_REVOKED")))
                .hasSize(1);
    }

    @Test
    void aMergeOfOneTenantsGroupsKeepsTheAllocation() {
        importHost(switchHost());
        String first = deviceAt("0000:05:00.0");
        String second = deviceAt("0000:05:00.1");
        allocated(groupOf(first), tenantA);
        allocated(groupOf(second), tenantA);

        importHost(mergedHost());
        String merged = groupOf(first);
        assertThat(api.get("/api/v1/groups/" + merged).str("tenant")).isEqualTo(tenantA);
        assertThat(a.get("/api/v1/groups/" + merged).body().path("devices")).hasSize(2);
    }

    @Test
    void aDeviceHotPluggedIntoAnAllocatedGroupGoesWithTheGroupToItsTenant() {
        String gpu = dev(20, true);
        String group = groupOf(gpu);
        allocated(group, tenantA);
        String plugged = devIn(group, 20, true);
        assertThat(api.get("/api/v1/groups/" + group).str("tenant")).isEqualTo(tenantA);
        assertThat(a.get("/api/v1/devices/" + plugged).str("groupId")).isEqualTo(group);
        assertProblem(b.get("/api/v1/devices/" + plugged), 404, "NOT_FOUND");
    }

    /** Every item of a list as {@code as} sees it, following {@code nextCursor}. */
    List<JsonNode> all(String path, Api as) {
        List<JsonNode> items = new ArrayList<>();
        String cursor = null;
        do {
            Response r = as.get(path + "&limit=1000" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(r.status()).as("GET %s: %s", path, r).isEqualTo(200);
            r.body().path("items").forEach(items::add);
            cursor = r.str("nextCursor");
        } while (cursor != null);
        return items;
    }
}
