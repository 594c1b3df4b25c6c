package dev.sva.translation;

import dev.sva.core.Address;
import dev.sva.core.DmaAdmission;
import dev.sva.core.Ids;
import dev.sva.core.Problems;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import dev.sva.device.DeviceService;
import dev.sva.security.CurrentCaller;
import java.util.HashMap;
import java.util.Set;
import dev.sva.translation.engine.Access;
import dev.sva.translation.engine.DmaBatch;
import dev.sva.translation.engine.FaultReason;
import dev.sva.translation.engine.FaultRecord;
import dev.sva.translation.engine.Outcome;
import dev.sva.translation.engine.PageResponse;
import dev.sva.translation.engine.Stats;
import dev.sva.translation.engine.TranslationEngine;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.MediaType;
import tools.jackson.databind.json.JsonMapper;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1")
@Tag(name = "DMA", description = "The translation engine: what a DMA request would meet")
class DmaController {

    private final TranslationEngine engine;
    private final NodeService nodes;
    private final DmaJson codec;
    private final ThreadLocal<DmaBatch> batches = ThreadLocal.withInitial(() -> new DmaBatch(DmaJson.MAX_BATCH));

    /** Asked, in order, whether this process may answer a DMA of a node now (the journal's follower, the replica set). */
    private final ObjectProvider<DmaAdmission> admissionBeans;
    private volatile List<DmaAdmission> admissions;

    private final DeviceService devices;

    DmaController(TranslationEngine engine, NodeService nodes, DeviceService devices, JsonMapper json,
                  ObjectProvider<DmaAdmission> admissions) {
        this.devices = devices;
        this.engine = engine;
        this.admissionBeans = admissions;
        this.nodes = nodes;
        this.codec = new DmaJson(json);
    }

    record DmaRequest(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) String deviceId,
                      @Schema(description = "absent or null: DMA without PASID", nullable = true) Integer pasid,
                      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String address,
                      @Schema(types = {"integer", "string"}, description = "bytes, default 1, at most 16 MiB", example = "64") Object size,
                      @Schema(requiredMode = Schema.RequiredMode.REQUIRED) Access access) {
    }

    record BatchRequest(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) List<DmaRequest> requests) {
    }

    @Schema(description = "A physically contiguous run of an access that spans pages")
    record SegmentView(String physicalAddress, long size) {
    }

    record PageRequestView(PageResponse response) {
    }

    record PeerView(String deviceId, int bar, @Schema(description = "address - BAR base, as 0x…") String offset) {
    }

    record FaultView(FaultReason reason, String smmuEvent, @Schema(example = "0x10") String smmuCode,
                     @Schema(example = "0x71", nullable = true) String vtdReason, String address,
                     @Schema(nullable = true) Integer pasid, Access access) {
    }

    @Schema(description = "What the DMA met. A fault is a normal answer, not an HTTP error.")
    record DmaResultView(Outcome outcome, @Schema(nullable = true) String physicalAddress, @Schema(nullable = true) List<SegmentView> segments,
                         boolean iotlbHit, @Schema(nullable = true) PageRequestView pageRequest, @Schema(nullable = true) PeerView peer,
                         @Schema(nullable = true) FaultView fault) {
    }

    record BatchResultView(List<DmaResultView> results) {
    }

    record FaultRecordView(FaultReason reason, String smmuEvent, String smmuCode, @Schema(nullable = true) String vtdReason,
                           String address, @Schema(nullable = true) Integer pasid, Access access, String deviceId, Instant time) {
        static FaultRecordView of(FaultRecord f) {
            return new FaultRecordView(f.reason(), f.smmuEvent(), DmaJson.hex(f.smmuCode()),
                    f.vtdReason() == null ? null : DmaJson.hex(f.vtdReason()), Address.format(f.address()),
                    f.pasid() < 0 ? null : f.pasid(), f.access(), Ids.DEVICE.format(f.deviceId()),
                    Instant.ofEpochMilli(f.timestamp()));
        }
    }

    record FaultList(List<FaultRecordView> items, @Schema(nullable = true) String nextCursor) {
    }

    record StatsView(@Schema(nullable = true) String node, long translations, long iotlbHits, long iotlbMisses, Map<FaultReason, Long> faults,
                     Map<PageResponse, Long> pageRequests, long peerToPeer) {
    }

    @PostMapping("/dma")
    @Operation(summary = "Translate one DMA request", description = "Answers what an IOMMU would: TRANSLATED (with "
            + "segments when the access spans pages), PEER_TO_PEER (the address fell in a BAR of a peer in the device's "
            + "multi-device group; the IOMMU never saw it), or FAULT with the SMMUv3 event and VT-d reason. A page request "
            + "raised by an iopf bond is answered in pageRequest. A deviceId that names no device (unknown, unplugged, or "
            + "not of the service's id form: ids are opaque) faults UNKNOWN_DEVICE (C_BAD_STREAMID 0x02, VT-d 0x41).")
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = DmaResultView.class)))
    void translate(@RequestBody DmaRequest body, HttpServletResponse response) throws IOException {
        if (body == null) {
            throw Problems.invalid("body", "must be an object");
        }
        DmaBatch one = new DmaBatch(1);
        DmaJson.add(one, "", body.deviceId(), body.pasid(), body.address(), body.size(), body.access());
        hideUnallocated(one);
        admit(one);
        engine.translate(one);
        ok(response);
        codec.writeResult(one, 0, response.getOutputStream());
    }

    @PostMapping(value = "/dma/batch", consumes = MediaType.APPLICATION_JSON_VALUE)
    @Operation(summary = "Translate up to 10,000 DMA requests", description = "Results in request order; the same "
            + "answers as POST /dma for each request.")
    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
            content = @Content(schema = @Schema(implementation = BatchRequest.class)))
    @ApiResponse(responseCode = "200", description = "OK",
            content = @Content(mediaType = MediaType.APPLICATION_JSON_VALUE, schema = @Schema(implementation = BatchResultView.class)))
    void translateBatch(HttpServletRequest request, HttpServletResponse response) throws IOException {
        DmaBatch batch = batches.get();
        batch.clear();
        codec.readBatch(request.getInputStream(), batch);
        hideUnallocated(batch);
        admit(batch);
        engine.translate(batch);
        ok(response);
        codec.writeBatch(batch, response.getOutputStream());
    }

    @GetMapping("/faults")
    @Operation(summary = "The most recent fault records of a node, newest first",
            description = "A bounded ring per node (sva.translation.fault-ring records); limit defaults to 100. deviceId "
                    + "keeps the records of one device and implies its node (422 CROSS_NODE when an explicit node is another); a device "
                    + "that has since been unplugged implies no node: give node to list its records.")
    FaultList faults(@RequestParam(required = false) String node, @RequestParam(required = false) String deviceId,
                     @RequestParam(required = false) Integer limit) {
        int l = limit == null ? 100 : limit;
        if (l < 1 || l > 1000) {
            throw Problems.invalid("limit", "must be between 1 and 1000");
        }
        // the records outlive an unplugged device: a device that is gone names no node, and lists nothing
        NodeService.ListScope scope = nodes.scope(node, new NodeService.Filter(dev.sva.device.Device.class, Ids.DEVICE, deviceId, true));
        long device = deviceId == null ? 0 : scope.key(0);
        String tenant = CurrentCaller.tenantScope();
        if (tenant == null) {
            return new FaultList(engine.recentFaults(scope.node().id(), device, l).stream().map(FaultRecordView::of).toList(), null);
        }
        // a tenant reads the records of the devices allocated to it now; another's device lists nothing, as one never issued
        Set<Long> own = devices.allocatedKeys(scope.node().id(), tenant);
        if (device != 0 && !own.contains(device)) {
            return new FaultList(List.of(), null);
        }
        return new FaultList(engine.recentFaults(scope.node().id(), device, Integer.MAX_VALUE).stream()
                .filter(f -> own.contains(f.deviceId())).limit(l).map(FaultRecordView::of).toList(), null);
    }

    @GetMapping("/dma/stats")
    @Operation(summary = "Translation counters", description = "Of one node when node is given, else of the whole service: "
            + "translations, IOTLB hits and misses, faults by reason, page requests by response, peer-to-peer deliveries.")
    StatsView stats(@RequestParam(required = false) String node) {
        Stats s = node == null ? engine.stats() : engine.stats(nodes.get(node).id());
        Map<PageResponse, Long> pageRequests = new LinkedHashMap<>();
        pageRequests.put(PageResponse.SUCCESS, s.pageRequestsSuccess());
        pageRequests.put(PageResponse.INVALID, s.pageRequestsInvalid());
        return new StatsView(node, s.translations(), s.iotlbHits(), s.iotlbMisses(), s.faults(), pageRequests, s.peerToPeer());
    }

    /**
     * For a tenant, a requester not allocated to it is no device: its DMA faults UNKNOWN_DEVICE exactly as
     * an id never issued (rule 23).
     */
    private void hideUnallocated(DmaBatch batch) {
        String tenant = CurrentCaller.tenantScope();
        if (tenant == null) {
            return;
        }
        Map<Long, Boolean> allocated = new HashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            long device = batch.requester(i);
            if (device != DmaJson.NO_DEVICE && !allocated.computeIfAbsent(device, k -> devices.isAllocatedTo(k, tenant))) {
                batch.forgetRequester(i);
            }
        }
    }

    /**
     * Asks every {@link DmaAdmission} about each node the batch's requesters belong to, before anything is translated:
     * a node this process may not answer for now refuses the whole request ({@code 503} with Retry-After). A requester
     * this engine does not know is looked up in the database: it may be a device another replica (or a commit whose
     * outcome was unknown) added, and its node's admission is what catches this engine up to it. One that the
     * database does not know either names no node and faults {@code UNKNOWN_DEVICE}.
     */
    private void admit(DmaBatch batch) {
        List<DmaAdmission> asked = admissions;
        if (asked == null) {
            asked = admissionBeans.orderedStream().toList();
            admissions = asked;
        }
        long previous = DmaJson.NO_DEVICE;
        Set<Long> admitted = null;
        for (int i = 0; i < batch.size(); i++) {
            long device = batch.requester(i);
            if (device == DmaJson.NO_DEVICE || device == previous) {
                continue;
            }
            previous = device;
            long node = engine.nodeOf(device);
            if (admitted == null) {
                admitted = new java.util.HashSet<>(4);
            }
            if (node == 0) {
                if (!admitted.add(-device)) {
                    continue;
                }
                node = devices.nodeOf(device).orElse(0L);
                if (node == 0) {
                    continue;
                }
            }
            if (admitted.add(node)) {
                for (DmaAdmission a : asked) {
                    a.admit(node);
                }
            }
        }
    }

    private static void ok(HttpServletResponse response) {
        response.setStatus(200);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
    }
}
