package dev.sva.translation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api.Response;
import org.junit.jupiter.api.Test;

/**
 * The engine under {@code sva.isolation=GROUP_AWARE} (subclasses carry the property): a hot-plug keeps
 * the group's bonds (rule 5), and a multi-device group may join a bound container, every member
 * taking the bond, until a detach revokes it from all of them (rule 13).
 */
abstract class RevocationDmaGroupAwareTests extends RevocationDmaSupport {

    @Test
    void policyIsGroupAware() {
        assertThat(api.get("/api/v1/policy").str("isolation")).isEqualTo("GROUP_AWARE");
    }

    /**
     * dA (group gA, container C, device-bound to P) gets a peer dB hot-plugged into gA: dB sees C's
     * mapping, dA keeps its bond, and dB gets none.
     */
    @Test
    void aHotPluggedDeviceTranslatesThroughTheGroupsContainerAndTheGroupKeepsItsBond() {
        HotplugScene s = hotplugScene();

        String dB = hotplugPeer(s.group());

        assertTranslated(dmaIova(dB), DMA_IOVA_PA);
        assertTranslated(dmaIova(s.deviceA()), DMA_IOVA_PA);
        assertTranslated(dmaVa(s.deviceA(), s.pasid(), DMA_VA), DMA_VA_PA);
        assertPasidNotBound(dmaVa(dB, s.pasid(), DMA_VA), s.pasid());
        Response p2p = dma(dB, null, "0xfe000040", 4, "WRITE");
        assertThat(p2p.str("outcome")).as("%s", p2p).isEqualTo("PEER_TO_PEER");
        assertThat(p2p.body().path("peer").path("deviceId").asString()).isEqualTo(s.deviceA());
    }

    @Test
    void aMultiDeviceGroupJoiningABoundContainerTranslatesForEveryMemberUntilDetached() {
        String c = containerMapping(IOVA_PA);
        String dA = dev(20, false);
        attach(c, groupOf(dA));
        String p = processWithRegion(VA, VA_PA);
        int pasid = containerBond(c, p, false);
        String x = dev(20, false);
        String y = devIn(groupOf(x), 20, false);

        attach(c, groupOf(x));

        for (String d : new String[]{x, y}) {
            assertTranslated(dmaIova(d), DMA_IOVA_PA);
            assertTranslated(dmaVa(d, pasid, DMA_VA), DMA_VA_PA);
        }

        detach(c, groupOf(x));

        for (String d : new String[]{x, y}) {
            assertBlocked(dmaIova(d));
            assertPasidNotBound(dmaVa(d, pasid, DMA_VA), pasid);
        }
        assertTranslated(dmaIova(dA), DMA_IOVA_PA);
        assertTranslated(dmaVa(dA, pasid, DMA_VA), DMA_VA_PA);
    }

    /** A multi-device group refused for one member without PASID gets nothing in the engine, not even its capable member. */
    @Test
    void aMultiDeviceGroupRefusedForOneIncapableMemberGetsNothingInTheEngine() {
        String c = containerMapping(IOVA_PA);
        String dA = dev(20, false);
        attach(c, groupOf(dA));
        String p = processWithRegion(VA, VA_PA);
        int pasid = containerBond(c, p, false);
        String capable = dev(20, false);
        String blind = devIn(groupOf(capable), 0, false);

        Response r = assertRefused(attachAnswer(c, groupOf(capable)), 422, "SVA_UNSUPPORTED", "EOPNOTSUPP");
        assertThat(r.body().path("devices").findValuesAsString("id")).containsExactly(blind);

        assertThat(containerOfGroup(groupOf(capable))).isNull();
        assertBlocked(dmaIova(capable));
        assertBlocked(dmaIova(blind));
        assertPasidNotBound(dmaVa(capable, pasid, DMA_VA), pasid);
        assertTranslated(dmaVa(dA, pasid, DMA_VA), DMA_VA_PA);
    }
}
