package dev.sva.node;

import static dev.sva.support.ProblemAssert.assertInvalid;
import static dev.sva.support.ProblemAssert.assertNotFound;
import static dev.sva.support.ProblemAssert.assertRefused;
import static dev.sva.support.ProblemAssert.obj;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.core.Ids;
import dev.sva.device.Device;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/** Nodes over HTTP: defaults, width bounds, name rules, duplicates, lookups and the paged list. */
abstract class NodeTests extends ApiTest {

    @Autowired
    NodeService nodeService;

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    DataSource dataSource;

    private Response create(Object... fields) {
        return api.post("/api/v1/nodes", Api.json(obj(fields)));
    }

    @Test
    void createsANodeWithDefaultWidths() {
        String name = Api.uniqueNode();
        Response r = create("name", name);
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        assertThat(r.header("Location")).endsWith("/api/v1/nodes/" + name);
        assertThat(r.str("name")).isEqualTo(name);
        assertThat(r.body().path("pasidBits").asInt()).isEqualTo(20);
        assertThat(r.body().path("iovaBits").asInt()).isEqualTo(48);
        assertThat(r.body().path("vaBits").asInt()).isEqualTo(48);
        assertThat(r.str("createdAt")).isNotBlank();

        Response got = api.get("/api/v1/nodes/" + name);
        assertThat(got.status()).isEqualTo(200);
        assertThat(got.body()).isEqualTo(r.body());
    }

    @Test
    void acceptsWidthsAtTheirBounds() {
        Response narrow = create("name", Api.uniqueNode(), "pasidBits", 1, "iovaBits", 12, "vaBits", 12);
        assertThat(narrow.status()).as("%s", narrow).isEqualTo(201);
        assertThat(narrow.body().path("pasidBits").asInt()).isEqualTo(1);
        assertThat(narrow.body().path("iovaBits").asInt()).isEqualTo(12);
        assertThat(narrow.body().path("vaBits").asInt()).isEqualTo(12);

        Response wide = create("name", Api.uniqueNode(), "pasidBits", 20, "iovaBits", 64, "vaBits", 64);
        assertThat(wide.status()).as("%s", wide).isEqualTo(201);
        assertThat(wide.body().path("iovaBits").asInt()).isEqualTo(64);
        assertThat(wide.body().path("vaBits").asInt()).isEqualTo(64);
    }

    @Test
    void widthsOutOfRangeAreRefusedNamingTheField() {
        assertInvalid(create("name", Api.uniqueNode(), "pasidBits", 0), "pasidBits");
        assertInvalid(create("name", Api.uniqueNode(), "pasidBits", 21), "pasidBits");
        assertInvalid(create("name", Api.uniqueNode(), "iovaBits", 11), "iovaBits");
        assertInvalid(create("name", Api.uniqueNode(), "iovaBits", 65), "iovaBits");
        assertInvalid(create("name", Api.uniqueNode(), "vaBits", 11), "vaBits");
        assertInvalid(create("name", Api.uniqueNode(), "vaBits", 65), "vaBits");
        assertInvalid(create("name", Api.uniqueNode(), "vaBits", -1), "vaBits");
        assertInvalid(create("name", Api.uniqueNode(), "iovaBits", "wide"), "iovaBits");
        assertInvalid(create("name", Api.uniqueNode(), "pasidBits", 10.5), "pasidBits");
    }

    @Test
    void duplicateNameIsRefused() {
        Response r = assertRefused(create("name", node), 409, "DUPLICATE", "EEXIST");
        assertThat(r.str("name")).isEqualTo(node);
        assertRefused(create("name", "local"), 409, "DUPLICATE", "EEXIST");
    }

    @Test
    void badNamesAreRefused() {
        for (String bad : List.of("", "Upper", "-lead", "trail-", "a_b", "a b", "ä", "x".repeat(64), ".dot")) {
            assertInvalid(create("name", bad), "name");
        }
        assertInvalid(create(), "name");
        assertInvalid(create("name", null), "name");
        String longest = node + "-" + "x".repeat(63 - node.length() - 1);
        assertThat(longest).hasSize(63);
        assertThat(create("name", longest).status()).as("a 63-character label is a valid name").isEqualTo(201);
    }

    @Test
    void unknownNodeIsNotFound() {
        Response r = assertNotFound(api.get("/api/v1/nodes/no-such-node-here"));
        assertThat(r.str("detail")).contains("no-such-node-here");
        assertThat(api.get("/api/v1/nodes/local").status()).isEqualTo(200);
    }

    @Test
    void objectsOnAnUnknownNodeAreNotFound() {
        String nowhere = "no-such-node-here";
        assertNotFound(api.post("/api/v1/devices", Api.json(obj("node", nowhere, "bdf", "0000:01:00.0"))));
        assertNotFound(api.post("/api/v1/groups", Api.json(obj("node", nowhere))));
        assertNotFound(api.post("/api/v1/containers", Api.json(obj("node", nowhere))));
        assertNotFound(api.post("/api/v1/address-spaces", Api.json(obj("node", nowhere, "pid", 1))));
        assertNotFound(api.get("/api/v1/devices?node=" + nowhere));
        assertNotFound(api.get("/api/v1/groups?node=" + nowhere));
        assertNotFound(api.get("/api/v1/containers?node=" + nowhere));
        assertNotFound(api.get("/api/v1/address-spaces?node=" + nowhere));
    }

    @Test
    void listPagesByNameWithACursor() {
        String prefix = node + "-";
        List<String> mine = List.of(prefix + "c", prefix + "a", prefix + "b");
        for (String name : mine) {
            assertThat(create("name", name).status()).isEqualTo(201);
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            Response page = api.get("/api/v1/nodes?limit=2" + (cursor == null ? "" : "&cursor=" + cursor));
            assertThat(page.status()).as("%s", page).isEqualTo(200);
            JsonNode items = page.body().path("items");
            assertThat(items.size()).isBetween(1, 2);
            items.forEach(n -> seen.add(n.path("name").asString()));
            cursor = page.str("nextCursor");
            assertThat(page.body().has("nextCursor")).isTrue();
            assertThat(++pages).isLessThan(10_000);
        } while (cursor != null);

        assertThat(seen).doesNotHaveDuplicates().contains("local", node);
        List<String> onePage = new ArrayList<>();
        api.get("/api/v1/nodes?limit=1000").body().path("items").forEach(n -> onePage.add(n.path("name").asString()));
        assertThat(seen.subList(0, onePage.size()))
                .as("paging with a cursor walks the same stable order as one big page").isEqualTo(onePage);
        assertThat(seen.stream().filter(n -> n.startsWith(prefix)).toList())
                .containsExactly(prefix + "a", prefix + "b", prefix + "c");

        assertInvalid(api.get("/api/v1/nodes?limit=0"), "limit");
        assertInvalid(api.get("/api/v1/nodes?limit=1001"), "limit");
        assertInvalid(api.get("/api/v1/nodes?limit=abc"), "limit");
        assertThat(api.get("/api/v1/nodes?limit=1000").status()).isEqualTo(200);
    }

    /**
     * The node lock is the database's row lock, so it holds across replicas, not only this process's
     * gate: while a transaction holds it, another connection cannot change the node's row.
     */
    @Test
    void theNodeLockIsARowLockInTheDatabase() throws Exception {
        long id = nodeService.get(node).id();
        String update = "UPDATE node SET last_event_seq = last_event_seq WHERE id = " + id;
        new TransactionTemplate(transactions).executeWithoutResult(status -> {
            nodeService.lock(node);
            assertThat(updateFromAnotherConnection(update)).as("while the node is locked by name").isFalse();
        });
        assertThat(updateFromAnotherConnection(update)).as("after the commit").isTrue();
        String dev = device("0000:70:00.0", 0, false);
        new TransactionTemplate(transactions).executeWithoutResult(status -> {
            assertThat(nodeService.lockOwnerOf(Device.class, Ids.DEVICE.parse(dev))).map(Node::id).contains(id);
            assertThat(updateFromAnotherConnection(update)).as("while the node is locked as a device's owner").isFalse();
        });
    }

    /** Tries the statement on a connection of its own, waiting at most a moment for locks. */
    private boolean updateFromAnotherConnection(String sql) {
        try (Connection c = dataSource.getConnection(); Statement s = c.createStatement()) {
            c.setAutoCommit(true);
            s.execute(database().equals("H2") ? "SET LOCK_TIMEOUT 300" : "SET lock_timeout = '300ms'");
            s.executeUpdate(sql);
            return true;
        } catch (SQLException e) {
            return false;
        }
    }
}
