package dev.sva.translation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * Every outcome and fault reason of DOMAIN.md "Translation", steps 0–6, on real HTTP calls, with the
 * SMMUv3 event codes and VT-d reasons.
 */
class DmaApiTest extends DmaTestSupport {

    @Test
    void translatesThroughTheContainerMappingsAndHitsTheIotlbTheSecondTime() {
        String dev = device("0000:10:00.0", 0, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        map(ctr, "0x100000", 0x4000, "0x80000000", true, true);
        Response first = dma(dev, null, "0x101234", 16, "READ");
        assertThat(first.str("outcome")).isEqualTo("TRANSLATED");
        assertThat(first.str("physicalAddress")).isEqualTo("0x80001234");
        assertThat(first.body().path("iotlbHit").asBoolean()).isFalse();
        assertThat(first.body().path("fault").isNull()).isTrue();
        Response second = dma(dev, null, "0x101238", 4, "WRITE");
        assertThat(second.str("physicalAddress")).isEqualTo("0x80001238");
        assertThat(second.body().path("iotlbHit").asBoolean()).isTrue();
    }

    @Test
    void anAccessSpanningPagesAnswersItsPhysicalSegments() {
        String dev = device("0000:10:00.0", 0, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        map(ctr, "0x200000", 0x1000, "0x90000000", true, false);
        map(ctr, "0x201000", 0x1000, "0xa0000000", true, false);
        Response r = dma(dev, null, "0x200f00", 0x200, "READ");
        assertThat(r.str("outcome")).isEqualTo("TRANSLATED");
        assertThat(r.str("physicalAddress")).isEqualTo("0x90000f00");
        JsonNode segments = r.body().path("segments");
        assertThat(segments).hasSize(2);
        assertThat(segments.get(0).path("physicalAddress").asString()).isEqualTo("0x90000f00");
        assertThat(segments.get(0).path("size").asLong()).isEqualTo(0x100);
        assertThat(segments.get(1).path("physicalAddress").asString()).isEqualTo("0xa0000000");
        assertThat(segments.get(1).path("size").asLong()).isEqualTo(0x100);
        // an access that runs past the mapped range faults at the first unmapped page
        Response past = dma(dev, null, "0x201f00", 0x200, "READ");
        assertFault(past, "TRANSLATION", "F_TRANSLATION", "0x10", "0x71");
        assertThat(past.body().path("fault").path("address").asString()).isEqualTo("0x202000");
    }

    @Test
    void aDmaIntoAPeerBarOfTheSameGroupGoesPeerToPeerWithoutTheIommu() {
        String a = deviceWithBar("0000:20:00.0", null, 20, false, "0xfe000000", 0x100000);
        String b = deviceWithBar("0000:20:00.1", groupOf(a), 20, false, "0xfd000000", 0x10000);
        // no container, no mapping: the IOMMU would block it, but the fabric delivers it to the peer first
        Response r = dma(b, null, "0xfe000040", 8, "WRITE");
        assertThat(r.str("outcome")).isEqualTo("PEER_TO_PEER");
        assertThat(r.body().path("peer").path("deviceId").asString()).isEqualTo(a);
        assertThat(r.body().path("peer").path("bar").asInt()).isEqualTo(2);
        assertThat(r.body().path("peer").path("offset").asString()).isEqualTo("0x40");
        // with SVA the address is a process VA: the same routing happens for a PASID request
        Response sva = dma(b, 1, "0xfe000080", 8, "READ");
        assertThat(sva.str("outcome")).isEqualTo("PEER_TO_PEER");
        // an address in the device's own BAR is not a peer's: it goes to the IOMMU, which blocks it
        assertFault(dma(b, null, "0xfd000000", 8, "READ"), "BLOCKED", "C_BAD_STE", "0x04", null);
    }

    @Test
    void aSingletonGroupHasNoPeerToReach() {
        deviceWithBar("0000:21:00.0", null, 0, false, "0xfe000000", 0x100000);
        String other = device("0000:22:00.0", 0, false);
        assertFault(dma(other, null, "0xfe000040", 8, "READ"), "BLOCKED", "C_BAD_STE", "0x04", null);
    }

    @Test
    void unknownRequesterFaultsBadStreamId() {
        assertFault(dma("dev-999999999", null, "0x1000", 4, "READ"), "UNKNOWN_DEVICE", "C_BAD_STREAMID", "0x02", "0x41");
    }

    @Test
    void anIdNotOfTheServicesFormIsTheSameUnknownRequesterOnDmaAndBatch() {
        // ids are opaque: a string the service never issued names no device, like an unplugged one
        List<String> strangers = List.of("grp-1", "dev-01", "dev-", "device-7", "", "dev-99999999999999999999", "\u00e9");
        for (String id : strangers) {
            assertFault(dma(id, null, "0x1000", 4, "READ"), "UNKNOWN_DEVICE", "C_BAD_STREAMID", "0x02", "0x41");
            assertFault(dma(id, 3, "0x1000", 4, "WRITE"), "UNKNOWN_DEVICE", "C_BAD_STREAMID", "0x02", "0x41");
        }
        List<Map<String, Object>> requests = new ArrayList<>();
        for (String id : strangers) {
            requests.add(Map.of("deviceId", id, "address", "0x2000", "access", "READ"));
        }
        requests.add(Map.of("deviceId", "dev-999999999", "address", "0x2000", "access", "READ"));
        Response batch = api.post("/api/v1/dma/batch", Api.json(Map.of("requests", requests)));
        assertThat(batch.status()).as("%s", batch).isEqualTo(200);
        assertThat(batch.body().path("results")).hasSize(requests.size()).allSatisfy(r -> {
            assertThat(r.path("outcome").asString()).isEqualTo("FAULT");
            assertThat(r.path("fault").path("reason").asString()).isEqualTo("UNKNOWN_DEVICE");
            assertThat(r.path("fault").path("smmuEvent").asString()).isEqualTo("C_BAD_STREAMID");
            assertThat(r.path("fault").path("vtdReason").asString()).isEqualTo("0x41");
        });
        // a missing deviceId is still a malformed request, not a requester
        assertProblem(api.post("/api/v1/dma", Api.json(Map.of("address", "0x0", "access", "READ"))), 400, "VALIDATION_FAILED");
    }

    @Test
    void dmaWithoutPasidFromADeviceInNoContainerIsBlocked() {
        String dev = device("0000:10:00.0", 0, false);
        assertFault(dma(dev, null, "0x1000", 4, "READ"), "BLOCKED", "C_BAD_STE", "0x04", null);
    }

    @Test
    void pasidChecksFaultBadSubstreamIdThenBadCd() {
        String noPasid = device("0000:10:00.0", 0, false);
        assertFault(dma(noPasid, 1, "0x1000", 4, "READ"), "PASID_UNSUPPORTED", "C_BAD_SUBSTREAMID", "0x08", "0x45");
        String narrow = device("0000:10:00.1", 4, false);
        assertFault(dma(narrow, 16, "0x1000", 4, "READ"), "PASID_UNSUPPORTED", "C_BAD_SUBSTREAMID", "0x08", "0x46");
        assertFault(dma(narrow, 15, "0x1000", 4, "READ"), "PASID_NOT_BOUND", "C_BAD_CD", "0x0a", "0x59");
    }

    @Test
    void addressesBeyondTheInputWidthFaultAddressSize() {
        String small = "n" + node.substring(1, 12);
        assertThat(api.post("/api/v1/nodes", Api.json(Map.of("name", small, "iovaBits", 32, "vaBits", 39))).status()).isEqualTo(201);
        String dev = created(api.post("/api/v1/devices", Api.json(Map.of("node", small, "bdf", "0000:10:00.0", "pasidBits", 8))));
        String ctr = created(api.post("/api/v1/containers", Api.json(Map.of("node", small))));
        assertThat(api.put("/api/v1/containers/" + ctr + "/groups/" + groupOf(dev)).status()).isEqualTo(201);
        assertFault(dma(dev, null, "0x100000000", 4, "READ"), "ADDRESS_SIZE", "F_ADDR_SIZE", "0x11", "0x83");
        // the last bytes of an access count too
        assertFault(dma(dev, null, "0xfffffffe", 4, "READ"), "ADDRESS_SIZE", "F_ADDR_SIZE", "0x11", "0x83");
        String proc = created(api.post("/api/v1/address-spaces", Api.json(Map.of("node", small, "pid", 7))));
        int pasid = bond(dev, proc, false).body().path("pasid").asInt();
        assertFault(dma(dev, pasid, "0x8000000000", 4, "READ"), "ADDRESS_SIZE", "F_ADDR_SIZE", "0x11", "0x83");
        assertFault(dma(dev, pasid, "0x7ffffff000", 4, "READ"), "TRANSLATION", "F_TRANSLATION", "0x10", "0x71");
    }

    @Test
    void unmappedAndForbiddenAccessesFaultTranslationAndPermission() {
        String dev = device("0000:10:00.0", 0, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        map(ctr, "0x10000", 0x1000, "0x1000000", true, false);
        map(ctr, "0x20000", 0x1000, "0x2000000", false, true);
        assertFault(dma(dev, null, "0x30000", 4, "READ"), "TRANSLATION", "F_TRANSLATION", "0x10", "0x71");
        assertFault(dma(dev, null, "0x10000", 4, "WRITE"), "PERMISSION", "F_PERMISSION", "0x13", "0x85");
        assertFault(dma(dev, null, "0x20000", 4, "READ"), "PERMISSION", "F_PERMISSION", "0x13", "0x86");
        assertThat(dma(dev, null, "0x20000", 4, "WRITE").str("physicalAddress")).isEqualTo("0x2000000");
    }

    @Test
    void aPasidRequestWalksTheBoundProcessAddressSpace() {
        String dev = device("0000:10:00.0", 20, false);
        String proc = process(11);
        region(proc, "0x7f0000000000", 0x2000, "0x40000000", true, true, true);
        int pasid = bond(dev, proc, false).body().path("pasid").asInt();
        Response r = dma(dev, pasid, "0x7f0000001010", 8, "WRITE");
        assertThat(r.str("outcome")).isEqualTo("TRANSLATED");
        assertThat(r.str("physicalAddress")).isEqualTo("0x40001010");
        assertThat(r.body().path("pageRequest").isNull()).isTrue();
        // the same address without PASID is an IOVA: the device is in no container
        assertFault(dma(dev, null, "0x7f0000001010", 8, "WRITE"), "BLOCKED", "C_BAD_STE", "0x04", null);
    }

    @Test
    void anIopfBondPagesInADemandPagedRegionAndAnswersSuccess() {
        String dev = device("0000:10:00.0", 20, true);
        String proc = process(12);
        region(proc, "0x10000000", 0x4000, "0x50000000", true, true, false);
        int pasid = bond(dev, proc, true).body().path("pasid").asInt();
        Response first = dma(dev, pasid, "0x10002008", 8, "WRITE");
        assertThat(first.str("outcome")).isEqualTo("TRANSLATED");
        assertThat(first.str("physicalAddress")).isEqualTo("0x50002008");
        assertThat(first.body().path("pageRequest").path("response").asString()).isEqualTo("SUCCESS");
        Response again = dma(dev, pasid, "0x10002010", 8, "READ");
        assertThat(again.str("outcome")).isEqualTo("TRANSLATED");
        assertThat(again.body().path("pageRequest").isNull()).as("page is present now").isTrue();
    }

    @Test
    void anIopfBondAnswersInvalidOutsideEveryRegionAndWhereTheRegionForbidsTheAccess() {
        String dev = device("0000:10:00.0", 20, true);
        String proc = process(13);
        region(proc, "0x10000000", 0x1000, "0x50000000", true, false, false);
        int pasid = bond(dev, proc, true).body().path("pasid").asInt();
        Response outside = dma(dev, pasid, "0x20000000", 8, "READ");
        assertFault(outside, "TRANSLATION", "F_TRANSLATION", "0x10", "0x71");
        assertThat(outside.body().path("pageRequest").path("response").asString()).isEqualTo("INVALID");
        Response forbidden = dma(dev, pasid, "0x10000000", 8, "WRITE");
        assertThat(forbidden.str("outcome")).isEqualTo("FAULT");
        assertThat(forbidden.body().path("pageRequest").path("response").asString()).isEqualTo("INVALID");
        assertThat(api.get("/api/v1/dma/stats?node=" + node).body().path("pageRequests").path("INVALID").asLong()).isEqualTo(2);
    }

    @Test
    void withoutIopfANotPresentPageFaultsInsteadOfPagingIn() {
        String dev = device("0000:10:00.0", 20, false);
        String proc = process(14);
        region(proc, "0x10000000", 0x1000, "0x50000000", true, true, false);
        int pasid = bond(dev, proc, false).body().path("pasid").asInt();
        Response r = dma(dev, pasid, "0x10000000", 8, "READ");
        assertFault(r, "TRANSLATION", "F_TRANSLATION", "0x10", "0x71");
        assertThat(r.body().path("pageRequest").isNull()).isTrue();
    }

    @Test
    void afterProcessExitItsPasidFaultsBadCd() {
        String dev = device("0000:10:00.0", 20, false);
        String proc = process(15);
        region(proc, "0x10000000", 0x1000, "0x50000000", true, true, true);
        int pasid = bond(dev, proc, false).body().path("pasid").asInt();
        assertThat(dma(dev, pasid, "0x10000000", 8, "READ").str("outcome")).isEqualTo("TRANSLATED");
        assertThat(api.delete("/api/v1/address-spaces/" + proc).status()).isEqualTo(204);
        assertFault(dma(dev, pasid, "0x10000000", 8, "READ"), "PASID_NOT_BOUND", "C_BAD_CD", "0x0a", "0x59");
    }

    @Test
    void aBatchAnswersInRequestOrderLikeSingleRequests() {
        String dev = device("0000:10:00.0", 0, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        map(ctr, "0x10000", 0x1000, "0x1000000", true, true);
        List<Map<String, Object>> requests = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            requests.add(Map.of("deviceId", dev, "address", i % 3 == 0 ? "0x10010" : i % 3 == 1 ? "0x90000" : "0x10ff8",
                    "size", i % 3 == 2 ? 16 : 4, "access", "READ"));
        }
        Response batch = api.post("/api/v1/dma/batch", Api.json(Map.of("requests", requests)));
        assertThat(batch.status()).isEqualTo(200);
        JsonNode results = batch.body().path("results");
        assertThat(results).hasSize(300);
        for (int i = 0; i < 300; i++) {
            JsonNode r = results.get(i);
            switch (i % 3) {
                case 0 -> assertThat(r.path("physicalAddress").asString()).isEqualTo("0x1000010");
                case 1 -> assertThat(r.path("fault").path("reason").asString()).isEqualTo("TRANSLATION");
                default -> assertThat(r.path("fault").path("address").asString()).isEqualTo("0x11000");
            }
        }
    }

    @Test
    void malformedDmaRequestsAreProblemsAndFaultsAreNot() {
        String dev = device("0000:10:00.0", 0, false);
        assertProblem(api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "address", "12", "access", "READ"))), 400, "VALIDATION_FAILED");
        assertProblem(api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "address", "0x0", "access", "EXEC"))), 400, "VALIDATION_FAILED");
        assertProblem(api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "address", "0x0"))), 400, "VALIDATION_FAILED");
        assertProblem(api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "pasid", 1 << 20, "address", "0x0", "access", "READ"))), 400, "VALIDATION_FAILED");
        Response wrap = assertProblem(api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "address", "0xfffffffffffffff0", "size", 32, "access", "READ"))), 400, "VALIDATION_FAILED");
        assertThat(wrap.str("errno")).isEqualTo("EOVERFLOW");
        assertProblem(api.post("/api/v1/dma/batch", Api.json(Map.of("requests", List.of()))), 400, "VALIDATION_FAILED");
        List<Map<String, Object>> tooMany = new ArrayList<>();
        for (int i = 0; i < 10_001; i++) {
            tooMany.add(Map.of("deviceId", dev, "address", "0x0", "access", "READ"));
        }
        assertProblem(api.post("/api/v1/dma/batch", Api.json(Map.of("requests", tooMany))), 400, "VALIDATION_FAILED");
        Response item = assertProblem(api.post("/api/v1/dma/batch", Api.json(Map.of("requests", List.of(
                Map.of("deviceId", dev, "address", "0x0", "access", "READ"),
                Map.of("deviceId", dev, "address", "0x0", "size", 0, "access", "READ"))))), 400, "VALIDATION_FAILED");
        assertThat(item.str("field")).isEqualTo("requests[1].size");
    }

    @Test
    void faultRecordsAreKeptNewestFirstAndCountedInStats() {
        String a = device("0000:10:00.0", 0, false);
        String b = device("0000:10:00.1", 0, false);
        dma(a, null, "0x1000", 4, "READ");
        dma(b, null, "0x2000", 4, "WRITE");
        dma(a, 3, "0x3000", 4, "READ");
        Response faults = api.get("/api/v1/faults?node=" + node);
        assertThat(faults.body().path("items")).hasSize(3);
        assertThat(faults.body().path("items").get(0).path("reason").asString()).isEqualTo("PASID_UNSUPPORTED");
        assertThat(faults.body().path("items").get(0).path("pasid").asInt()).isEqualTo(3);
        assertThat(faults.body().path("items").get(2).path("address").asString()).isEqualTo("0x1000");
        Response ofB = api.get("/api/v1/faults?node=" + node + "&deviceId=" + b);
        assertThat(ofB.body().path("items")).hasSize(1);
        assertThat(ofB.body().path("items").get(0).path("deviceId").asString()).isEqualTo(b);
        assertThat(api.get("/api/v1/faults?node=" + node + "&limit=1").body().path("items")).hasSize(1);
        JsonNode stats = api.get("/api/v1/dma/stats?node=" + node).body();
        assertThat(stats.path("translations").asLong()).isEqualTo(3);
        assertThat(stats.path("faults").path("BLOCKED").asLong()).isEqualTo(2);
        assertThat(stats.path("faults").path("PASID_UNSUPPORTED").asLong()).isEqualTo(1);
        assertProblem(api.get("/api/v1/dma/stats?node=nope"), 404, "NOT_FOUND");
    }
}
