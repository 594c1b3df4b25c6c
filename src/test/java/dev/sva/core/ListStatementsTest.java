package dev.sva.core;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.container.ContainerService;
import dev.sva.device.GroupService;
import dev.sva.support.Api;
import dev.sva.support.ApiTest;
import java.util.Map;
import java.util.function.Supplier;
import org.hibernate.resource.jdbc.spi.StatementInspector;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * A page of groups or containers costs the same number of SQL statements whether it holds 2 rows or
 * 12: members, bond counts, attached groups and mapping counts are loaded for the whole page at once,
 * never with a query per row.
 */
@TestPropertySource(properties = "spring.jpa.properties.hibernate.session_factory.statement_inspector="
        + "dev.sva.core.ListStatementsTest$Counter")
class ListStatementsTest extends ApiTest {

    /** Counts the statements Hibernate prepares on the current thread. */
    public static class Counter implements StatementInspector {
        static final ThreadLocal<int[]> COUNT = ThreadLocal.withInitial(() -> new int[1]);

        @Override
        public String inspect(String sql) {
            COUNT.get()[0]++;
            return sql;
        }
    }

    @Autowired
    GroupService groups;

    @Autowired
    ContainerService containers;

    @Test
    void aPageCostsTheSameStatementsWhateverItsLength() {
        String small = populate(2);
        String large = populate(12);

        int groupsSmall = statements(() -> groups.page(small, PageRequest.of(1000, null)));
        int groupsLarge = statements(() -> groups.page(large, PageRequest.of(1000, null)));
        assertThat(groups.page(large, PageRequest.of(1000, null))).hasSize(24)
                .allSatisfy(g -> assertThat(g.devices()).isNotEmpty());
        assertThat(groupsLarge).as("statements for 24 groups vs for 4").isEqualTo(groupsSmall);

        int containersSmall = statements(() -> containers.page(small, PageRequest.of(1000, null)));
        int containersLarge = statements(() -> containers.page(large, PageRequest.of(1000, null)));
        assertThat(containers.page(large, PageRequest.of(1000, null))).hasSize(12)
                .allSatisfy(c -> assertThat(c.groups()).hasSize(1));
        assertThat(containersLarge).as("statements for 12 containers vs for 2").isEqualTo(containersSmall);
    }

    /**
     * A node with {@code n} containers, each holding a group of one bound device and one mapping, and
     * {@code n} more groups of two devices each; answers the node's name.
     */
    private String populate(int n) {
        String name = Api.uniqueNode();
        assertThat(api.post("/api/v1/nodes", Api.json(Map.of("name", name))).status()).isEqualTo(201);
        String proc = created(api.post("/api/v1/address-spaces", Api.json(Map.of("node", name, "pid", 1))));
        for (int i = 0; i < n; i++) {
            String dev = created(api.post("/api/v1/devices", Api.json(Map.of("node", name, "bdf", String.format("0000:%02x:00.0", i),
                    "pasidBits", 20))));
            String ctr = created(api.post("/api/v1/containers", Api.json(Map.of("node", name))));
            assertThat(api.put("/api/v1/containers/" + ctr + "/groups/" + api.get("/api/v1/devices/" + dev).str("groupId")).status())
                    .isEqualTo(201);
            assertThat(api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of("size", 4096,
                    "physicalAddress", "0x40000000", "read", true))).status()).isEqualTo(201);
            assertThat(api.post("/api/v1/devices/" + dev + "/bonds", Api.json(Map.of("addressSpaceId", proc))).status())
                    .isEqualTo(201);
            String pair = created(api.post("/api/v1/devices", Api.json(Map.of("node", name, "bdf", String.format("0000:%02x:01.0", i)))));
            assertThat(api.post("/api/v1/devices", Api.json(Map.of("node", name, "bdf", String.format("0000:%02x:02.0", i),
                    "groupId", api.get("/api/v1/devices/" + pair).str("groupId")))).status()).isEqualTo(201);
        }
        return name;
    }

    private static int statements(Supplier<?> work) {
        int before = Counter.COUNT.get()[0];
        work.get();
        return Counter.COUNT.get()[0] - before;
    }
}
