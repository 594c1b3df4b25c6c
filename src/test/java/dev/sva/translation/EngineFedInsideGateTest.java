package dev.sva.translation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.doAnswer;

import dev.sva.core.StateChange;
import dev.sva.node.NodeGate;
import dev.sva.node.NodeService;
import dev.sva.support.Api;
import dev.sva.support.ApiTest;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.bean.override.mockito.MockitoSpyBean;

/**
 * A committed change reaches the translation engine while its transaction still holds the node's
 * gate. If the gate were released first, the next transaction of the node could commit and feed the
 * engine in between, and an unmap could be applied before the map it undoes (which
 * {@code EngineCoherence*Test} catches only now and then; this catches it every time).
 *
 * <p>The spy is on the feed, not on the engine: Mockito's inline spying rewrites the spied class for
 * the whole test JVM, and the engine's no-allocation test must see the engine's own code.
 */
class EngineFedInsideGateTest extends ApiTest {

    @MockitoSpyBean
    JournalFeed feed;

    @Autowired
    NodeGate gate;

    @Autowired
    NodeService nodes;

    @Test
    void mapsAndUnmapsReachTheEngineBeforeTheGateOpens() {
        long nodeId = nodes.get(node).id();
        List<String> applied = new CopyOnWriteArrayList<>();
        doAnswer(call -> {
            StateChange change = call.getArgument(0);
            applied.add(change.getClass().getSimpleName() + (gate.heldByCurrentThread(nodeId) ? " inside" : " OUTSIDE"));
            return call.callRealMethod();
        }).when(feed).apply(any(StateChange.class));

        String ctr = container();
        assertThat(api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of("iova", "0x100000", "size", 4096,
                "physicalAddress", "0x40000000", "read", true, "write", true))).status()).isEqualTo(201);
        assertThat(api.delete("/api/v1/containers/" + ctr + "/mappings?iova=0x100000&size=4096").status()).isEqualTo(200);

        assertThat(applied).containsExactly("Mapped inside", "Unmapped inside");
    }
}
