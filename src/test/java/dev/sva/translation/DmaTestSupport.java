package dev.sva.translation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Fixtures for DMA tests: mappings, regions, bonds and requests over HTTP. */
abstract class DmaTestSupport extends ApiTest {

    protected String deviceWithBar(String bdf, String groupId, int pasidBits, boolean pri, String barBase, long barSize) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("node", node);
        body.put("bdf", bdf);
        body.put("driver", "vfio-pci");
        body.put("pasidBits", pasidBits);
        body.put("pri", pri);
        if (groupId != null) {
            body.put("groupId", groupId);
        }
        body.put("bars", List.of(Map.of("index", 2, "base", barBase, "size", barSize)));
        return created(api.post("/api/v1/devices", Api.json(body)));
    }

    protected void map(String containerId, String iova, long size, String pa, boolean read, boolean write) {
        Response r = api.post("/api/v1/containers/" + containerId + "/mappings", Api.json(Map.of(
                "iova", iova, "size", size, "physicalAddress", pa, "read", read, "write", write)));
        assertThat(r.status()).as("%s", r).isEqualTo(201);
    }

    protected void region(String asId, String va, long size, String pa, boolean read, boolean write, boolean pinned) {
        Response r = api.post("/api/v1/address-spaces/" + asId + "/mappings", Api.json(Map.of(
                "va", va, "size", size, "physicalAddress", pa, "read", read, "write", write, "pinned", pinned)));
        assertThat(r.status()).as("%s", r).isEqualTo(201);
    }

    protected Response bond(String deviceId, String asId, boolean iopf) {
        Response r = api.post("/api/v1/devices/" + deviceId + "/bonds", Api.json(Map.of("addressSpaceId", asId, "iopf", iopf)));
        assertThat(r.status()).as("%s", r).isEqualTo(201);
        return r;
    }

    protected Response dma(String deviceId, Integer pasid, String address, long size, String access) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("deviceId", deviceId);
        if (pasid != null) {
            body.put("pasid", pasid);
        }
        body.put("address", address);
        body.put("size", size);
        body.put("access", access);
        Response r = api.post("/api/v1/dma", Api.json(body));
        assertThat(r.status()).as("%s", r).isEqualTo(200);
        return r;
    }

    protected static void assertFault(Response r, String reason, String smmuEvent, String smmuCode, String vtdReason) {
        assertThat(r.str("outcome")).as("%s", r).isEqualTo("FAULT");
        assertThat(r.body().path("fault").path("reason").asString()).as("%s", r).isEqualTo(reason);
        assertThat(r.body().path("fault").path("smmuEvent").asString()).isEqualTo(smmuEvent);
        assertThat(r.body().path("fault").path("smmuCode").asString()).isEqualTo(smmuCode);
        if (vtdReason == null) {
            assertThat(r.body().path("fault").path("vtdReason").isNull()).as("%s", r).isTrue();
        } else {
            assertThat(r.body().path("fault").path("vtdReason").asString()).isEqualTo(vtdReason);
        }
    }
}
