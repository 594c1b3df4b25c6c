package dev.sva.translation.engine;

import static dev.sva.translation.engine.Access.READ;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link TranslationEngine#routePeers}: on a node with a topology a DMA goes peer-to-peer exactly to the BARs the
 * fabric routes it to, not to every BAR of its group (TOPOLOGY.md "Routing follows the fabric").
 */
class FabricRoutingEngineTest {

    static final long NODE = 1;
    static final long A = 10;
    static final long B = 11;
    static final long C = 12;
    static final long GROUP = 100;
    static final long BAR_B0 = 0xE000_0000L;
    static final long BAR_B2 = 0xE100_0000L;
    static final long BAR_C0 = 0xE200_0000L;

    TranslationEngine engine;

    @BeforeEach
    void setUp() {
        engine = new TranslationEngine(1024, 16);
        engine.putNode(NODE, 20, 48, 48);
        engine.putDevice(NODE, A, GROUP, 8, false, new int[0], new long[0], new long[0]);
        engine.putDevice(NODE, B, GROUP, 8, false, new int[] {0, 2}, new long[] {BAR_B0, BAR_B2}, new long[] {0x10000, 0x10000});
        engine.putDevice(NODE, C, GROUP, 8, false, new int[] {0}, new long[] {BAR_C0}, new long[] {0x10000});
    }

    Outcome outcome(long requester, long address) {
        return engine.translate(requester, -1, address, 1, READ).outcome();
    }

    @Test
    void withoutRoutesEveryBarOfTheGroupIsReachable() {
        assertThat(outcome(A, BAR_B0)).isEqualTo(Outcome.PEER_TO_PEER);
        assertThat(outcome(A, BAR_B2)).isEqualTo(Outcome.PEER_TO_PEER);
        assertThat(outcome(A, BAR_C0)).isEqualTo(Outcome.PEER_TO_PEER);
    }

    @Test
    void routedDeviceReachesOnlyTheBarsItsRoutesName() {
        engine.routePeers(A, new long[] {B}, new int[] {2});
        assertThat(outcome(A, BAR_B2 + 0x10)).isEqualTo(Outcome.PEER_TO_PEER);
        assertThat(engine.translate(A, -1, BAR_B2 + 0x10, 1, READ).peer()).isEqualTo(new DmaResult.Peer(B, 2, 0x10));
        // not routed: the IOMMU sees it, and with no container it is blocked
        assertThat(outcome(A, BAR_B0)).isEqualTo(Outcome.FAULT);
        assertThat(outcome(A, BAR_C0)).isEqualTo(Outcome.FAULT);
        // other members keep the group rule
        assertThat(outcome(C, BAR_B0)).isEqualTo(Outcome.PEER_TO_PEER);
    }

    @Test
    void emptyRoutesReachNoPeerAndNullRestoresTheGroupRule() {
        engine.routePeers(A, new long[0], new int[0]);
        assertThat(outcome(A, BAR_B0)).isEqualTo(Outcome.FAULT);
        engine.routePeers(A, null, null);
        assertThat(outcome(A, BAR_B0)).isEqualTo(Outcome.PEER_TO_PEER);
    }

    @Test
    void routesFollowAPeersMovedBar() {
        engine.routePeers(A, new long[] {B}, new int[] {0});
        long moved = 0xF000_0000L;
        engine.putDevice(NODE, B, GROUP, 8, false, new int[] {0}, new long[] {moved}, new long[] {0x10000});
        assertThat(outcome(A, moved)).isEqualTo(Outcome.PEER_TO_PEER);
        assertThat(outcome(A, BAR_B0)).isEqualTo(Outcome.FAULT);
    }

    @Test
    void aRoutedPeerInAnotherGroupIsReachedAsTheFabricRoutesIt() {
        engine.putDevice(NODE, C, GROUP + 1, 8, false, new int[] {0}, new long[] {BAR_C0}, new long[] {0x10000});
        engine.routePeers(A, new long[] {C}, new int[] {0});
        assertThat(outcome(A, BAR_C0)).isEqualTo(Outcome.PEER_TO_PEER);
    }

    @Test
    void aPeerOfAnotherNodeIsNeverReached() {
        engine.putNode(NODE + 1, 20, 48, 48);
        engine.putDevice(NODE + 1, C, GROUP + 1, 8, false, new int[] {0}, new long[] {BAR_C0}, new long[] {0x10000});
        engine.routePeers(A, new long[] {C}, new int[] {0});
        assertThat(outcome(A, BAR_C0)).isEqualTo(Outcome.FAULT);
    }

    @Test
    void aPeerPutAfterTheRoutesIsReachedOnceKnown() {
        long d = 13;
        engine.routePeers(A, new long[] {d}, new int[] {0});
        long bar = 0xE300_0000L;
        assertThat(outcome(A, bar)).isEqualTo(Outcome.FAULT);
        engine.putDevice(NODE, d, GROUP + 2, 8, false, new int[] {0}, new long[] {bar}, new long[] {0x10000});
        assertThat(outcome(A, bar)).isEqualTo(Outcome.PEER_TO_PEER);
    }

    @Test
    void routesOfAnUnpluggedPeerAreGone() {
        engine.routePeers(A, new long[] {B}, new int[] {0});
        engine.removeDevice(B);
        assertThat(outcome(A, BAR_B0)).isEqualTo(Outcome.FAULT);
    }

    @Test
    void malformedRoutesAreRefused() {
        assertThatThrownBy(() -> engine.routePeers(A, new long[] {B}, new int[0])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> engine.routePeers(A, new long[] {B}, new int[] {256})).isInstanceOf(IllegalArgumentException.class);
    }
}
