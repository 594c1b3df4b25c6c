package dev.sva.event;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import dev.sva.support.SseClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * List, then watch: every list answers the node's event {@code seq} that its items reflect, and
 * {@code GET /events/stream?after=seq} continues from exactly there. Checked under real concurrent
 * writes: each watcher rebuilds the set of devices from its list and its stream, and must find every
 * change exactly once — an added device it already listed is a repeat, a removed device it never saw
 * is a gap — and end with the node's final list.
 */
public abstract class ListThenWatchTests extends ApiTest {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int WRITERS = 3;
    private static final int WRITES_PER_WRITER = 24;
    private static final int WATCHERS = 8;

    private record Watch(Set<String> listed, long seq, SseClient stream) {
    }

    @Test
    void listThenWatchSeesEveryChangeExactlyOnceUnderConcurrentWrites() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            writers.add(pool.submit(() -> {
                Api client = new Api(port);
                List<String> mine = new ArrayList<>();
                for (int i = 0; i < WRITES_PER_WRITER; i++) {
                    if (i % 3 == 2) {
                        // a removal as well as additions, so a gap shows as a removal of a device never seen
                        Response r = client.delete("/api/v1/devices/" + mine.remove(0));
                        assertThat(r.status()).as("%s", r).isEqualTo(204);
                    } else {
                        mine.add(created(client.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", nextBdf(),
                                "driver", "vfio-pci", "pasidBits", 20, "pri", true)))));
                    }
                }
                return null;
            }));
        }
        List<Watch> watches = new ArrayList<>();
        try {
            for (int i = 0; i < WATCHERS; i++) {
                Response list = api.get("/api/v1/devices?node=" + node + "&limit=1000");
                assertThat(list.status()).as("%s", list).isEqualTo(200);
                assertThat(list.body().get("nextCursor").isNull()).isTrue();
                long seq = list.body().get("seq").asLong();
                Set<String> listed = new HashSet<>();
                list.body().get("items").forEach(d -> listed.add(d.get("id").asString()));
                SseClient stream = SseClient.connect(port, "/api/v1/events/stream?node=" + node + "&after=" + seq, null);
                assertThat(stream.status).isEqualTo(200);
                watches.add(new Watch(listed, seq, stream));
            }
            for (Future<?> w : writers) {
                w.get(3, TimeUnit.MINUTES);
            }

            Response last = api.get("/api/v1/devices?node=" + node + "&limit=1000");
            long finalSeq = last.body().get("seq").asLong();
            Set<String> finalIds = new HashSet<>();
            last.body().get("items").forEach(d -> finalIds.add(d.get("id").asString()));
            // every third write removes a device the writer added before
            assertThat(finalIds).hasSize(WRITERS * (WRITES_PER_WRITER - 2 * (WRITES_PER_WRITER / 3)));
            assertThat(api.get("/api/v1/events?node=" + node + "&limit=1").body().get("seq").asLong()).isEqualTo(finalSeq);

            boolean someSawWrites = false;
            for (Watch watch : watches) {
                Set<String> state = new HashSet<>(watch.listed());
                long expected = watch.seq() + 1;
                while (expected <= finalSeq) {
                    SseClient.Frame frame = watch.stream().next(Duration.ofSeconds(20));
                    assertThat(frame).as("event %d after a list at seq %d on %s", expected, watch.seq(), database()).isNotNull();
                    assertThat(frame.id()).as("no gap, no repeat in the stream").isEqualTo(expected);
                    JsonNode event = JSON.readTree(frame.data());
                    String type = event.get("type").asString();
                    assertThat(frame.event()).as("the SSE event name is the type").isEqualTo(type);
                    String id = event.get("subject").get("id").asString();
                    if (type.equals("DEVICE_ADDED")) {
                        assertThat(state.add(id)).as("%s listed at seq %d and added again by event %d", id, watch.seq(), expected).isTrue();
                    } else if (type.equals("DEVICE_REMOVED")) {
                        assertThat(state.remove(id)).as("%s removed by event %d but absent from the list at seq %d", id, expected,
                                watch.seq()).isTrue();
                    }
                    expected++;
                }
                someSawWrites |= watch.seq() < finalSeq;
                assertThat(state).as("list at seq %d plus its stream = the final list", watch.seq()).isEqualTo(finalIds);
            }
            assertThat(someSawWrites).as("a watcher listed while writes were still coming").isTrue();
        } finally {
            pool.shutdownNow();
            watches.forEach(w -> w.stream().close());
        }
    }

    @Test
    void everyListAnswersTheNodesSeq() {
        String device = dev(20, true);
        String process = process(4242);
        String container = container();
        attach(container, groupOf(device));
        assertThat(bind(device, process).status()).isEqualTo(201);
        Response map = api.post("/api/v1/containers/" + container + "/mappings",
                Api.json(Map.of("iova", "0x100000", "size", 4096, "physicalAddress", "0x200000", "read", true, "write", true)));
        assertThat(map.status()).as("%s", map).isEqualTo(201);
        Response region = api.post("/api/v1/address-spaces/" + process + "/mappings",
                Api.json(Map.of("va", "0x400000", "size", 4096, "physicalAddress", "0x300000", "read", true, "write", true)));
        assertThat(region.status()).as("%s", region).isEqualTo(201);

        long seq = api.get("/api/v1/events?node=" + node + "&limit=1").body().get("seq").asLong();
        assertThat(seq).isPositive();
        for (String list : List.of("/api/v1/devices?node=" + node, "/api/v1/groups?node=" + node,
                "/api/v1/containers?node=" + node, "/api/v1/address-spaces?node=" + node, "/api/v1/bonds?node=" + node,
                "/api/v1/events?node=" + node, "/api/v1/containers/" + container + "/mappings",
                "/api/v1/address-spaces/" + process + "/mappings")) {
            Response r = api.get(list);
            assertThat(r.status()).as("%s", r).isEqualTo(200);
            assertThat(r.body().get("seq").asLong()).as(list).isEqualTo(seq);
        }
        Response nodes = api.get("/api/v1/nodes");
        assertThat(nodes.body().has("seq")).isTrue();
        assertThat(nodes.body().get("seq").isNull()).as("the node list follows no single node's stream").isTrue();
    }
}
