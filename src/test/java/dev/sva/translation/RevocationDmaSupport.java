package dev.sva.translation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fixtures shared by the tests that watch the translation engine while bonds, groups and devices go
 * away or are refused: one container mapping and one process region at fixed addresses, and the
 * three faults those tests expect, each asserted with its SMMUv3 event, code and VT-d reason.
 */
abstract class RevocationDmaSupport extends DmaTestSupport {

    /** The container's one DMA mapping: IOVA {@value #IOVA} → {@value #IOVA_PA}, one page. */
    static final String IOVA = "0x100000";
    static final String IOVA_PA = "0x80000000";
    /** The address every no-PASID DMA uses, and where it lands through the container. */
    static final String DMA_IOVA = "0x100010";
    static final String DMA_IOVA_PA = "0x80000010";

    /** Process P's region: VA {@value #VA} → {@value #VA_PA}, one pinned page. */
    static final String VA = "0x7f0000000000";
    static final String VA_PA = "0x40000000";
    static final String DMA_VA = "0x7f0000000010";
    static final String DMA_VA_PA = "0x40000010";

    /** Process Q's region, elsewhere in VA and in physical memory. */
    static final String VA_Q = "0x7e0000000000";
    static final String VA_Q_PA = "0x50000000";
    static final String DMA_VA_Q = "0x7e0000000010";
    static final String DMA_VA_Q_PA = "0x50000010";

    private final AtomicInteger nextPid = new AtomicInteger(2000);

    /** A device bound to a host {@code driver}, in {@code groupId} or (null) a new singleton group. */
    protected String hostDriverDevice(String groupId, String driver, int pasidBits) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", node);
        body.put("bdf", nextBdf());
        body.put("driver", driver);
        body.put("pasidBits", pasidBits);
        if (groupId != null) {
            body.put("groupId", groupId);
        }
        return created(api.post("/api/v1/devices", Api.json(body)));
    }

    /** A live process with a fresh pid and one pinned read/write region. */
    protected String processWithRegion(String va, String pa) {
        String as = process(nextPid.getAndIncrement());
        region(as, va, 0x1000, pa, true, true, true);
        return as;
    }

    /** A container with {@link #IOVA} mapped read/write to {@code pa}. */
    protected String containerMapping(String pa) {
        String c = container();
        map(c, IOVA, 0x1000, pa, true, true);
        return c;
    }

    /** A device bind that must create its bond; answers the PASID. */
    protected int deviceBond(String deviceId, String asId) {
        return bond(deviceId, asId, false).body().path("pasid").asInt();
    }

    /** A container bind that must create its bonds; answers the PASID. */
    protected int containerBond(String containerId, String asId, boolean iopf) {
        Response r = api.post("/api/v1/containers/" + containerId + "/bonds",
                Api.json(Map.of("addressSpaceId", asId, "iopf", iopf)));
        assertThat(r.status()).as("container bind: %s", r).isEqualTo(201);
        return r.body().path("pasid").asInt();
    }

    protected Response attachAnswer(String containerId, String groupId) {
        return api.put("/api/v1/containers/" + containerId + "/groups/" + groupId);
    }

    protected void detach(String containerId, String groupId) {
        Response r = api.delete("/api/v1/containers/" + containerId + "/groups/" + groupId);
        assertThat(r.status()).as("detach: %s", r).isEqualTo(204);
    }

    /** Asserts a refusal with its exact code and errno. */
    protected static Response assertRefused(Response r, int status, String code, String errno) {
        assertProblem(r, status, code);
        assertThat(r.str("errno")).as("errno of %s", r).isEqualTo(errno);
        return r;
    }

    /** The container the group is attached to, or {@code null}. */
    protected String containerOfGroup(String groupId) {
        Response r = api.get("/api/v1/groups/" + groupId);
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r.str("containerId");
    }

    // ---- rule 5 scene ----

    /** dA in group gA attached to container C (holding {@link #IOVA}), device-bound to process P. */
    record HotplugScene(String container, String deviceA, String group, String process, int pasid) {
    }

    /**
     * dA (BAR 2 at 0xfe000000, 1 MiB, clear of every address the DMA uses) alone in gA, gA attached
     * to C, P's region bound to dA; both kinds of DMA from dA translate (and warm the IOTLB).
     */
    protected HotplugScene hotplugScene() {
        String dA = deviceWithBar(nextBdf(), null, 20, false, "0xfe000000", 0x100000);
        String c = containerMapping(IOVA_PA);
        attach(c, groupOf(dA));
        String p = processWithRegion(VA, VA_PA);
        int pasid = deviceBond(dA, p);
        assertTranslated(dmaIova(dA), DMA_IOVA_PA);
        assertTranslated(dmaVa(dA, pasid, DMA_VA), DMA_VA_PA);
        return new HotplugScene(c, dA, groupOf(dA), p, pasid);
    }

    /** Hot-plugs dB (PASID capable, BAR 2 at 0xfd000000, 64 KiB) into {@code groupId}; the call must succeed. */
    protected String hotplugPeer(String groupId) {
        return deviceWithBar(nextBdf(), groupId, 20, false, "0xfd000000", 0x10000);
    }

    // ---- DMA ----

    /** A 4-byte no-PASID read at {@link #DMA_IOVA}. */
    protected Response dmaIova(String deviceId) {
        return dma(deviceId, null, DMA_IOVA, 4, "READ");
    }

    /** An 8-byte PASID read at {@code va}. */
    protected Response dmaVa(String deviceId, int pasid, String va) {
        return dma(deviceId, pasid, va, 8, "READ");
    }

    protected static void assertTranslated(Response r, String physicalAddress) {
        assertThat(r.str("outcome")).as("%s", r).isEqualTo("TRANSLATED");
        assertThat(r.str("physicalAddress")).as("%s", r).isEqualTo(physicalAddress);
        assertThat(r.body().path("fault").isNull()).as("%s", r).isTrue();
    }

    /** Rule 18 / translation step 1: the engine does not know the requester. */
    protected static void assertUnknownDevice(Response r) {
        assertFault(r, "UNKNOWN_DEVICE", "C_BAD_STREAMID", "0x02", "0x41");
    }

    /** Translation step 2: no PASID and the group is in no container. */
    protected static void assertBlocked(Response r) {
        assertFault(r, "BLOCKED", "C_BAD_STE", "0x04", null);
    }

    /** Translation step 3: the PASID is not bound on this device; the fault names it. */
    protected static void assertPasidNotBound(Response r, int pasid) {
        assertFault(r, "PASID_NOT_BOUND", "C_BAD_CD", "0x0a", "0x59");
        assertThat(r.body().path("fault").path("pasid").asInt()).as("%s", r).isEqualTo(pasid);
    }
}
