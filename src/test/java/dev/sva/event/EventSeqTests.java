package dev.sva.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.node.Node;
import dev.sva.node.NodeService;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The node's event counter (issue 8, item 1). A locking query hands back a {@link Node} already in the
 * persistence context without refreshing it, so a counter taken from the entity can be behind the row
 * it locked; the seq must come from the row. And a counter found behind its log (a database written
 * by an older version) is healed, never answered as a {@code 409 DUPLICATE} the client did not cause.
 */
public abstract class EventSeqTests extends ApiTest {

    @Autowired
    private NodeService nodes;

    @Autowired
    private NodeService nodeRows;

    @Autowired
    private EventLog events;

    @Autowired
    private JdbcTemplate jdbc;

    @Autowired
    private PlatformTransactionManager transactions;

    @Autowired
    private EventSeqRepair repair;

    @Test
    void anEventTakesItsSeqFromTheLockedRowNotFromANodeLoadedBeforeTheLock() throws Exception {
        TransactionTemplate tx = new TransactionTemplate(transactions);
        long before = seq();
        tx.executeWithoutResult(status -> {
            // the node enters this persistence context before the lock, with the counter as it is now
            Node early = nodeRows.byName(node).orElseThrow();
            assertThat(early.lastEventSeq()).isEqualTo(before);
            // meanwhile another request of the node commits an event
            Thread other = new Thread(() -> tx.executeWithoutResult(s ->
                    events.record(nodes.lock(node), EventType.CONTAINER_CREATED, "container", "ctr-x", Map.of())));
            other.start();
            try {
                other.join();
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            Node locked = nodes.lock(node);
            assertThat(locked).as("the locking query answers the managed entity").isSameAs(early);
            events.record(locked, EventType.CONTAINER_CREATED, "container", "ctr-y", Map.of());
        });
        assertThat(seq()).isEqualTo(before + 2);
        assertThat(maxSeq()).isEqualTo(before + 2);
    }

    @Test
    void aCounterBehindItsLogIsRepairedAndNeverAnsweredAsADuplicate() {
        assertThat(created(api.post("/api/v1/containers", Api.json(Map.of("node", node))))).isNotNull();
        assertThat(created(api.post("/api/v1/containers", Api.json(Map.of("node", node))))).isNotNull();
        // the wedge of issue 8, as an older version could leave it: the counter two behind max(seq)
        jdbc.update("update node set last_event_seq = last_event_seq - 2 where name = ?", node);
        assertThat(seq()).isEqualTo(maxSeq() - 2);

        Response refused = api.post("/api/v1/containers", Api.json(Map.of("node", node)));
        assertThat(refused.code()).as("%s", refused).isNotEqualTo("DUPLICATE");
        assertProblem(refused, 503, "EVENT_LOG_REPAIRED");
        assertThat(refused.str("errno")).isEqualTo("EAGAIN");
        assertThat(refused.str("outcome")).isEqualTo("NOT_APPLIED");
        assertThat(refused.header("Retry-After")).isEqualTo("1");
        assertThat(seq()).as("healed").isEqualTo(maxSeq());

        assertThat(created(api.post("/api/v1/containers", Api.json(Map.of("node", node))))).isNotNull();
        assertThat(seq()).isEqualTo(maxSeq());
    }

    /**
     * Every kind of change, on a node whose counter fell behind: it goes through, or it is answered
     * {@code 503 EVENT_LOG_REPAIRED} and its retry goes through — never a 500, never a 409.
     */
    @Test
    void everyKindOfChangeOnACounterBehindItsLogSucceedsAtTheLatestOnItsRetry() {
        String ctr = container();
        String dev = dev(20, false);
        String proc = process(4300);
        Map<String, java.util.function.Supplier<Response>> changes = new java.util.LinkedHashMap<>();
        changes.put("create a container", () -> api.post("/api/v1/containers", Api.json(Map.of("node", node))));
        changes.put("plug a device", () -> api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", "0000:7f:00.0",
                "driver", "vfio-pci", "pasidBits", 0, "pri", false))));
        changes.put("map", () -> api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of("iova", "0x10000",
                "size", "0x1000", "physicalAddress", "0x80000000", "read", true, "write", true))));
        changes.put("attach", () -> api.put("/api/v1/containers/" + ctr + "/groups/" + groupOf(dev)));
        changes.put("bind", () -> bind(dev, proc));
        changes.put("exit", () -> api.delete("/api/v1/address-spaces/" + proc));
        changes.forEach((what, change) -> {
            jdbc.update("update node set last_event_seq = last_event_seq - 1 where name = ?", node);
            assertThat(seq()).as("behind before: " + what).isLessThan(maxSeq());
            Response first = change.get();
            Response done = first;
            if (first.status() == 503) {
                assertProblem(first, 503, "EVENT_LOG_REPAIRED");
                done = change.get();
            }
            assertThat(done.status()).as("%s: %s, then %s", what, first, done).isBetween(200, 299);
            assertThat(seq()).as("after: " + what).isEqualTo(maxSeq());
        });
    }

    @Test
    void theRepairRunAtStartHealsEveryNodeBehind() {
        created(api.post("/api/v1/containers", Api.json(Map.of("node", node))));
        jdbc.update("update node set last_event_seq = 0 where name = ?", node);
        assertThat(repair.repair()).isGreaterThanOrEqualTo(1);
        assertThat(seq()).isEqualTo(maxSeq());
        assertThat(repair.repair()).as("nothing left to heal").isZero();
    }

    @Test
    void aBatchOfEventsGetsContiguousSeqsInTheOrderRecordedAndStaysInvisibleUntilItEnds() {
        TransactionTemplate tx = new TransactionTemplate(transactions);
        long before = seq();
        tx.executeWithoutResult(status -> {
            Node locked = nodes.lock(node);
            events.record(locked, EventType.CONTAINER_CREATED, "container", "ctr-a", Map.of());
            events.batched(locked, () -> {
                for (String id : java.util.List.of("ctr-b", "ctr-c", "ctr-d")) {
                    events.record(locked, EventType.CONTAINER_CREATED, "container", id, Map.of());
                }
                assertThat(seq()).as("no seq is taken before the batch ends").isEqualTo(before + 1);
                return null;
            });
            events.record(locked, EventType.CONTAINER_CREATED, "container", "ctr-e", Map.of());
        });
        assertThat(seq()).isEqualTo(before + 5);
        assertThat(jdbc.queryForList("select e.subject_id from event e join node n on n.id = e.node_id where n.name = ?"
                + " and e.seq > ? order by e.seq", String.class, node, before))
                .containsExactly("ctr-a", "ctr-b", "ctr-c", "ctr-d", "ctr-e");
        assertThat(maxSeq()).isEqualTo(before + 5);
    }

    private long seq() {
        return jdbc.queryForObject("select last_event_seq from node where name = ?", Long.class, node);
    }

    private long maxSeq() {
        return jdbc.queryForObject("select coalesce(max(e.seq), 0) from event e join node n on n.id = e.node_id where n.name = ?",
                Long.class, node);
    }
}
