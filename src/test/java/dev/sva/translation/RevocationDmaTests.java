package dev.sva.translation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What the translation engine answers once a hot-plug, an unplug, a container deletion, a container
 * unbind or a detach has returned, and after an attach was refused, under the default policy
 * {@code STRICT}. Every DMA is sent over HTTP after the call that changed the state answered, and the
 * engine has been warmed (IOTLB filled) with the same request beforehand where the request used to
 * translate, so a stale translation would show.
 */
abstract class RevocationDmaTests extends RevocationDmaSupport {

    @Test
    void policyIsStrict() {
        assertThat(api.get("/api/v1/policy").str("isolation")).isEqualTo("STRICT");
    }

    // ---- rule 5: hot-plug ----

    /**
     * dA (group gA, container C, device-bound to P) gets a peer dB hot-plugged into gA: dB sees C's
     * mapping, and since gA is no longer a singleton, dA's bond is revoked; dB never had one.
     */
    @Test
    void aHotPluggedDeviceTranslatesThroughTheGroupsContainerAndTheGroupsBondIsRevoked() {
        HotplugScene s = hotplugScene();

        String dB = hotplugPeer(s.group());

        assertTranslated(dmaIova(dB), DMA_IOVA_PA);
        assertTranslated(dmaIova(s.deviceA()), DMA_IOVA_PA);
        assertPasidNotBound(dmaVa(s.deviceA(), s.pasid(), DMA_VA), s.pasid());
        assertPasidNotBound(dmaVa(dB, s.pasid(), DMA_VA), s.pasid());
        // dB is on gA's fabric: an address in dA's BAR goes to dA without the IOMMU
        Response p2p = dma(dB, null, "0xfe000040", 4, "WRITE");
        assertThat(p2p.str("outcome")).as("%s", p2p).isEqualTo("PEER_TO_PEER");
        assertThat(p2p.body().path("peer").path("deviceId").asString()).isEqualTo(s.deviceA());
    }

    /** The same with a container bond: only the bond on the grown group goes; another group keeps its own. */
    @Test
    void aHotPlugRevokesTheContainerBondOfThatGroupOnly() {
        String c = containerMapping(IOVA_PA);
        String dA = dev(20, false);
        String dX = dev(20, false);
        attach(c, groupOf(dA));
        attach(c, groupOf(dX));
        String p = processWithRegion(VA, VA_PA);
        int pasid = containerBond(c, p, false);
        assertTranslated(dmaVa(dA, pasid, DMA_VA), DMA_VA_PA);
        assertTranslated(dmaVa(dX, pasid, DMA_VA), DMA_VA_PA);

        String dB = devIn(groupOf(dA), 20, false);

        assertTranslated(dmaIova(dB), DMA_IOVA_PA);
        assertPasidNotBound(dmaVa(dA, pasid, DMA_VA), pasid);
        assertPasidNotBound(dmaVa(dB, pasid, DMA_VA), pasid);
        assertTranslated(dmaVa(dX, pasid, DMA_VA), DMA_VA_PA);
        assertTranslated(dmaIova(dA), DMA_IOVA_PA);
    }

    /**
     * Once the grown group is a singleton again (the peer unplugged), the revoked container bond does
     * not come back by itself; a repeated container bind (200) restores it in the engine too.
     */
    @Test
    void aRepeatedContainerBindAfterThePeerIsUnpluggedBindsTheGroupAgainInTheEngine() {
        String c = containerMapping(IOVA_PA);
        String dA = dev(20, false);
        attach(c, groupOf(dA));
        String p = processWithRegion(VA, VA_PA);
        int pasid = containerBond(c, p, false);
        assertTranslated(dmaVa(dA, pasid, DMA_VA), DMA_VA_PA);
        String dB = devIn(groupOf(dA), 20, false);
        assertPasidNotBound(dmaVa(dA, pasid, DMA_VA), pasid);

        assertThat(api.delete("/api/v1/devices/" + dB).status()).isEqualTo(204);
        assertPasidNotBound(dmaVa(dA, pasid, DMA_VA), pasid);
        assertUnknownDevice(dmaIova(dB));

        Response again = bindContainer(c, p);
        assertThat(again.status()).as("%s", again).isEqualTo(200);
        assertTranslated(dmaVa(dA, pasid, DMA_VA), DMA_VA_PA);
    }

    /** An unplugged device takes its BARs along: its former peer's DMA there now meets the IOMMU. */
    @Test
    void anUnpluggedPeersBarIsNoLongerReachablePeerToPeer() {
        HotplugScene s = hotplugScene();
        String dB = hotplugPeer(s.group());
        assertThat(dma(dB, null, "0xfe000040", 4, "WRITE").str("outcome")).isEqualTo("PEER_TO_PEER");

        assertThat(api.delete("/api/v1/devices/" + s.deviceA()).status()).isEqualTo(204);

        assertUnknownDevice(dmaIova(s.deviceA()));
        assertFault(dma(dB, null, "0xfe000040", 4, "WRITE"), "TRANSLATION", "F_TRANSLATION", "0x10", "0x71");
        assertTranslated(dmaIova(dB), DMA_IOVA_PA);
    }

    /**
     * A hot-plug refused with GROUP_OWNED (a host driver into an attached group) leaves no device in
     * the engine: its BAR, laid over a mapped IOVA, does not divert the group's DMA peer-to-peer.
     */
    @Test
    void aRefusedHotPlugLeavesNoPhantomPeerInTheEngine() {
        HotplugScene s = hotplugScene();
        map(s.container(), "0xfc000000", 0x1000, "0xa0000000", true, true);
        assertTranslated(dma(s.deviceA(), null, "0xfc000010", 4, "READ"), "0xa0000010");

        Response refused = api.post("/api/v1/devices", Api.json(Map.of("node", node, "bdf", nextBdf(), "groupId", s.group(),
                "driver", "nvme", "pasidBits", 20,
                "bars", List.of(Map.of("index", 0, "base", "0xfc000000", "size", 0x1000)))));
        assertRefused(refused, 409, "GROUP_OWNED", "EBUSY");

        assertTranslated(dma(s.deviceA(), null, "0xfc000010", 4, "READ"), "0xa0000010");
        assertTranslated(dmaVa(s.deviceA(), s.pasid(), DMA_VA), DMA_VA_PA);
        // the same device with vfio-pci is plugged, and then the fabric delivers to it
        String peer = deviceWithBar(nextBdf(), s.group(), 20, false, "0xfc000000", 0x1000);
        Response p2p = dma(s.deviceA(), null, "0xfc000010", 4, "READ");
        assertThat(p2p.str("outcome")).as("%s", p2p).isEqualTo("PEER_TO_PEER");
        assertThat(p2p.body().path("peer").path("deviceId").asString()).isEqualTo(peer);
    }

    // ---- revocation paths ----

    /** DELETE /devices/{id}: the engine forgets the requester, whatever PASID it sends. */
    @Test
    void anUnpluggedDeviceIsUnknownToTheEngine() {
        String c = containerMapping(IOVA_PA);
        String dA = dev(20, false);
        String dX = dev(20, false);
        attach(c, groupOf(dA));
        attach(c, groupOf(dX));
        String q = processWithRegion(VA_Q, VA_Q_PA);
        int qPasid = deviceBond(dA, q);
        String p = processWithRegion(VA, VA_PA);
        int pPasid = containerBond(c, p, false);
        assertTranslated(dmaIova(dA), DMA_IOVA_PA);
        assertTranslated(dmaVa(dA, pPasid, DMA_VA), DMA_VA_PA);
        assertTranslated(dmaVa(dA, qPasid, DMA_VA_Q), DMA_VA_Q_PA);

        assertThat(api.delete("/api/v1/devices/" + dA).status()).isEqualTo(204);

        assertUnknownDevice(dmaIova(dA));
        assertUnknownDevice(dmaVa(dA, pPasid, DMA_VA));
        assertUnknownDevice(dmaVa(dA, qPasid, DMA_VA_Q));
        // the container and its other device are untouched
        assertTranslated(dmaIova(dX), DMA_IOVA_PA);
        assertTranslated(dmaVa(dX, pPasid, DMA_VA), DMA_VA_PA);
    }

    /**
     * DELETE /containers/{id}: its groups are blocked, the PASID of its bond is bound on none of their
     * devices, and a device's own bond (not made by the container) still translates.
     */
    @Test
    void afterTheContainerIsDeletedItsGroupsAreBlockedAndItsBondIsGone() {
        String c = containerMapping(IOVA_PA);
        String dA = dev(20, false);
        String dB = dev(20, false);
        attach(c, groupOf(dA));
        attach(c, groupOf(dB));
        String q = processWithRegion(VA_Q, VA_Q_PA);
        int qPasid = deviceBond(dA, q);
        String p = processWithRegion(VA, VA_PA);
        int pPasid = containerBond(c, p, false);
        for (String d : new String[]{dA, dB}) {
            assertTranslated(dmaIova(d), DMA_IOVA_PA);
            assertTranslated(dmaVa(d, pPasid, DMA_VA), DMA_VA_PA);
        }
        assertTranslated(dmaVa(dA, qPasid, DMA_VA_Q), DMA_VA_Q_PA);

        assertThat(api.delete("/api/v1/containers/" + c).status()).isEqualTo(204);

        for (String d : new String[]{dA, dB}) {
            assertBlocked(dmaIova(d));
            assertPasidNotBound(dmaVa(d, pPasid, DMA_VA), pPasid);
        }
        assertTranslated(dmaVa(dA, qPasid, DMA_VA_Q), DMA_VA_Q_PA);
        // attached to a new, empty container the group finds nothing left of the old mapping
        String empty = container();
        attach(empty, groupOf(dA));
        assertFault(dmaIova(dA), "TRANSLATION", "F_TRANSLATION", "0x10", "0x71");
    }

    /** DELETE /containers/{id}/bonds/{asId}: the PASID is bound nowhere; the mappings still serve. */
    @Test
    void afterAContainerUnbindItsPasidIsNotBoundOnAnyDevice() {
        String c = containerMapping(IOVA_PA);
        String dA = dev(20, false);
        String dB = dev(20, false);
        attach(c, groupOf(dA));
        attach(c, groupOf(dB));
        String p = processWithRegion(VA, VA_PA);
        int pasid = containerBond(c, p, false);
        assertTranslated(dmaVa(dA, pasid, DMA_VA), DMA_VA_PA);
        assertTranslated(dmaVa(dB, pasid, DMA_VA), DMA_VA_PA);

        assertThat(api.delete("/api/v1/containers/" + c + "/bonds/" + p).status()).isEqualTo(204);

        assertPasidNotBound(dmaVa(dA, pasid, DMA_VA), pasid);
        assertPasidNotBound(dmaVa(dB, pasid, DMA_VA), pasid);
        assertTranslated(dmaIova(dA), DMA_IOVA_PA);
        assertTranslated(dmaIova(dB), DMA_IOVA_PA);
    }

    /**
     * DELETE /containers/C/groups/gA: dA loses C's mapping and C's bond, keeps its own bond to Q
     * (made before the container bind, and to another process, so rule 10 did not hand it to C);
     * the group still attached keeps both.
     */
    @Test
    void afterDetachTheContainersBondIsGoneFromThatGroupButTheDevicesOwnBondTranslates() {
        String c = containerMapping(IOVA_PA);
        String dA = dev(20, false);
        String dB = dev(20, false);
        attach(c, groupOf(dA));
        attach(c, groupOf(dB));
        String q = processWithRegion(VA_Q, VA_Q_PA);
        int qPasid = deviceBond(dA, q);
        String p = processWithRegion(VA, VA_PA);
        int pPasid = containerBond(c, p, false);
        assertThat(pPasid).isNotEqualTo(qPasid);
        assertTranslated(dmaIova(dA), DMA_IOVA_PA);
        assertTranslated(dmaVa(dA, pPasid, DMA_VA), DMA_VA_PA);
        assertTranslated(dmaVa(dA, qPasid, DMA_VA_Q), DMA_VA_Q_PA);

        detach(c, groupOf(dA));

        assertPasidNotBound(dmaVa(dA, pPasid, DMA_VA), pPasid);
        assertBlocked(dmaIova(dA));
        assertTranslated(dmaVa(dA, qPasid, DMA_VA_Q), DMA_VA_Q_PA);
        assertTranslated(dmaVa(dB, pPasid, DMA_VA), DMA_VA_PA);
        assertTranslated(dmaIova(dB), DMA_IOVA_PA);
    }

    // ---- rule 13: a refused attach changes nothing in the engine ----

    @Test
    void anAttachRefusedForADeviceWithoutPasidLeavesItBlocked() {
        BoundContainer s = boundContainer(false);
        String blind = dev(0, false);

        Response r = assertRefused(attachAnswer(s.container(), groupOf(blind)), 422, "SVA_UNSUPPORTED", "EOPNOTSUPP");
        assertThat(r.body().path("devices").findValuesAsString("id")).containsExactly(blind);

        assertThat(containerOfGroup(groupOf(blind))).isNull();
        assertBlocked(dmaIova(blind));
        s.stillServes();
        // once the container holds no bond the same group joins, and only then translates
        assertThat(api.delete("/api/v1/containers/" + s.container() + "/bonds/" + s.process()).status()).isEqualTo(204);
        attach(s.container(), groupOf(blind));
        assertTranslated(dmaIova(blind), DMA_IOVA_PA);
    }

    @Test
    void anAttachRefusedForADeviceWithoutPriLeavesItBlockedAndUnbound() {
        BoundContainer s = boundContainer(true);
        String noPri = dev(20, false);

        Response r = assertRefused(attachAnswer(s.container(), groupOf(noPri)), 422, "IOPF_UNSUPPORTED", "EINVAL");
        assertThat(r.body().path("devices").findValuesAsString("id")).containsExactly(noPri);

        assertThat(containerOfGroup(groupOf(noPri))).isNull();
        assertBlocked(dmaIova(noPri));
        assertPasidNotBound(dmaVa(noPri, s.pasid(), DMA_VA), s.pasid());
        s.stillServes();
    }

    @Test
    void anAttachRefusedAsUnsafeLeavesEveryMemberOfTheGroupBlockedAndUnbound() {
        BoundContainer s = boundContainer(false);
        String x = dev(20, false);
        String y = devIn(groupOf(x), 20, false);

        assertRefused(attachAnswer(s.container(), groupOf(x)), 409, "UNSAFE_GROUP_BIND", "EINVAL");

        assertThat(containerOfGroup(groupOf(x))).isNull();
        for (String d : new String[]{x, y}) {
            assertBlocked(dmaIova(d));
            assertPasidNotBound(dmaVa(d, s.pasid(), DMA_VA), s.pasid());
        }
        s.stillServes();
    }

    @Test
    void anAttachRefusedAsNotViableLeavesTheGroupBlockedUntilTheHostDriverLetsGo() {
        BoundContainer s = boundContainer(false);
        String nvme = hostDriverDevice(null, "nvme", 20);

        Response r = assertRefused(attachAnswer(s.container(), groupOf(nvme)), 409, "GROUP_NOT_VIABLE", "EPERM");
        assertThat(r.body().path("devices").findValuesAsString("id")).containsExactly(nvme);

        assertThat(containerOfGroup(groupOf(nvme))).isNull();
        assertBlocked(dmaIova(nvme));
        assertPasidNotBound(dmaVa(nvme, s.pasid(), DMA_VA), s.pasid());
        s.stillServes();

        // a vfio-pci member of a group that is not viable gets nothing either (here: a container without bonds)
        String plain = containerMapping("0x90000000");
        String vfio = dev(20, false);
        String host = hostDriverDevice(groupOf(vfio), "nvme", 20);
        assertRefused(attachAnswer(plain, groupOf(vfio)), 409, "GROUP_NOT_VIABLE", "EPERM");
        assertBlocked(dmaIova(vfio));
        assertBlocked(dmaIova(host));

        // the host driver lets go: the first group joins, with C's mapping and the replayed bond
        Response patched = api.patch("/api/v1/devices/" + nvme, Api.json(Map.of("driver", "vfio-pci")));
        assertThat(patched.status()).as("%s", patched).isEqualTo(200);
        attach(s.container(), groupOf(nvme));
        assertTranslated(dmaIova(nvme), DMA_IOVA_PA);
        assertTranslated(dmaVa(nvme, s.pasid(), DMA_VA), DMA_VA_PA);
    }

    @Test
    void anAttachRefusedAsInUseLeavesTheGroupTranslatingThroughItsOwnContainer() {
        BoundContainer s = boundContainer(false);
        String c2 = containerMapping("0x90000000");
        String x = dev(20, false);
        attach(c2, groupOf(x));
        assertTranslated(dmaIova(x), "0x90000010");

        Response r = assertRefused(attachAnswer(s.container(), groupOf(x)), 409, "GROUP_IN_USE", "EINVAL");
        assertThat(r.str("containerId")).isEqualTo(c2);

        assertThat(containerOfGroup(groupOf(x))).isEqualTo(c2);
        assertTranslated(dmaIova(x), "0x90000010");
        assertPasidNotBound(dmaVa(x, s.pasid(), DMA_VA), s.pasid());
        s.stillServes();

        // moved for real, it translates through C and takes C's bond
        detach(c2, groupOf(x));
        assertBlocked(dmaIova(x));
        attach(s.container(), groupOf(x));
        assertTranslated(dmaIova(x), DMA_IOVA_PA);
        assertTranslated(dmaVa(x, s.pasid(), DMA_VA), DMA_VA_PA);
    }

    /** Rule 3 seen by the engine: a container bind refused for one incapable device binds no device. */
    @Test
    void aRefusedContainerBindBindsNoDeviceInTheEngine() {
        String c = containerMapping(IOVA_PA);
        String capable = dev(20, false);
        String blind = dev(0, false);
        attach(c, groupOf(capable));
        attach(c, groupOf(blind));
        String q = processWithRegion(VA_Q, VA_Q_PA);
        assertThat(deviceBond(dev(20, false), q)).as("PASID 1 taken, so the refused bind's would be 2").isEqualTo(1);
        String p = processWithRegion(VA, VA_PA);

        assertRefused(bindContainer(c, p), 422, "SVA_UNSUPPORTED", "EOPNOTSUPP");

        assertThat(api.get("/api/v1/address-spaces/" + p).body().path("pasid").isNull()).isTrue();
        for (int pasid = 1; pasid <= 3; pasid++) {
            assertPasidNotBound(dmaVa(capable, pasid, DMA_VA), pasid);
        }
        assertTranslated(dmaIova(capable), DMA_IOVA_PA);
    }

    // ---- scenes ----

    /** Container C holding {@link #IOVA}, device dA (PASID and PRI capable) attached, bound to process P. */
    record BoundContainer(RevocationDmaTests test, String container, String deviceA, String process, int pasid) {
        /** dA still translates both ways through C. */
        void stillServes() {
            assertTranslated(test.dmaIova(deviceA), DMA_IOVA_PA);
            assertTranslated(test.dmaVa(deviceA, pasid, DMA_VA), DMA_VA_PA);
        }
    }

    private BoundContainer boundContainer(boolean iopf) {
        String c = containerMapping(IOVA_PA);
        String dA = dev(20, true);
        attach(c, groupOf(dA));
        String p = processWithRegion(VA, VA_PA);
        BoundContainer s = new BoundContainer(this, c, dA, p, containerBond(c, p, iopf));
        s.stillServes();
        return s;
    }
}
