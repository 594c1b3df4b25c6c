package dev.sva.translation;

import dev.sva.core.Address;
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
import dev.sva.translation.engine.DmaResult;
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

    /** The largest access one request may make: 16 MiB, 4,096 pages. */
    static final long MAX_ACCESS = 16L << 20;
    static final int MAX_BATCH = 10_000;
    private static final int MAX_PASID = (1 << 20) - 1;
    /** The requester key of an id the service never issued: no device has it. */
    static final long NO_DEVICE = 0;

    private final TranslationEngine engine;
    private final NodeService nodes;
    private final DeviceService devices;
    private final DmaBatchJson codec;
    private final ThreadLocal<DmaBatch> batches = ThreadLocal.withInitial(() -> new DmaBatch(MAX_BATCH));

    DmaController(TranslationEngine engine, NodeService nodes, DeviceService devices, JsonMapper json) {
        this.devices = devices;
        this.engine = engine;
        this.nodes = nodes;
        this.codec = new DmaBatchJson(json);
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

        /** {@code spansPages}: the access crosses a 4 KiB boundary, so its segments are listed. */
        static DmaResultView of(DmaResult r, boolean spansPages) {
            boolean translated = r.outcome() == Outcome.TRANSLATED;
            return new DmaResultView(r.outcome(),
                    translated ? Address.format(r.physicalAddress()) : null,
                    translated && spansPages
                            ? r.segments().stream().map(s -> new SegmentView(Address.format(s.physicalAddress()), s.size())).toList()
                            : null,
                    r.iotlbHit(),
                    r.pageRequest() == null ? null : new PageRequestView(r.pageRequest()),
                    r.peer() == null ? null : new PeerView(Ids.DEVICE.format(r.peer().deviceId()), r.peer().bar(),
                            Address.format(r.peer().offset())),
                    r.fault() == null ? null : new FaultView(r.fault().reason(), r.fault().smmuEvent(),
                            hex(r.fault().smmuCode()), r.fault().vtdReason() == null ? null : hex(r.fault().vtdReason()),
                            Address.format(r.fault().address()), r.fault().pasid() < 0 ? null : r.fault().pasid(),
                            r.fault().access()));
        }
    }

    record BatchResultView(List<DmaResultView> results) {
    }

    record FaultRecordView(FaultReason reason, String smmuEvent, String smmuCode, @Schema(nullable = true) String vtdReason,
                           String address, @Schema(nullable = true) Integer pasid, Access access, String deviceId, Instant time) {
        static FaultRecordView of(FaultRecord f) {
            return new FaultRecordView(f.reason(), f.smmuEvent(), hex(f.smmuCode()),
                    f.vtdReason() == null ? null : hex(f.vtdReason()), Address.format(f.address()),
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
    DmaResultView translate(@RequestBody DmaRequest body) {
        if (body == null) {
            throw Problems.invalid("body", "must be an object");
        }
        Parsed p = parse("", body.deviceId(), body.pasid(), body.address(), body.size(), body.access());
        long device = visible(p.device, CurrentCaller.tenantScope(), new HashMap<>());
        return DmaResultView.of(engine.translate(device, p.pasid, p.address, p.size, p.access), p.spansPages());
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
        String tenant = CurrentCaller.tenantScope();
        Map<Long, Boolean> allocated = new HashMap<>();
        codec.read(request.getInputStream(), MAX_BATCH, (at, deviceId, pasid, address, size, access) -> {
            Parsed p = parse(at, deviceId, pasid, address, size, access);
            batch.add(visible(p.device, tenant, allocated), p.pasid, p.address, p.size, p.access);
        });
        engine.translate(batch);
        response.setStatus(200);
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        codec.write(batch, response.getOutputStream());
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

    private record Parsed(long device, int pasid, long address, long size, Access access) {
        boolean spansPages() {
            return DmaController.spansPages(address, size);
        }
    }

    /**
     * The engine's key of the requester. Ids are opaque: a string the service never issued names no
     * device, exactly like an id of a device since unplugged, so both fault UNKNOWN_DEVICE rather than
     * one of them being a 400. Key 0 is never a device's (their sequence starts at 1).
     */
    static long requester(String deviceId) {
        try {
            return Ids.DEVICE.parse(deviceId);
        } catch (RuntimeException e) {
            return NO_DEVICE;
        }
    }

    /**
     * The requester as the caller may name it: for a tenant, a device not allocated to it is no device, and its
     * DMA faults UNKNOWN_DEVICE exactly as an id never issued (rule 23). {@code allocated} remembers the answers
     * of one request.
     */
    private long visible(long device, String tenant, Map<Long, Boolean> allocated) {
        if (tenant == null || device == NO_DEVICE) {
            return device;
        }
        return allocated.computeIfAbsent(device, k -> devices.isAllocatedTo(k, tenant)) ? device : NO_DEVICE;
    }

    static boolean spansPages(long address, long size) {
        return (address & Address.PAGE_MASK) + size > Address.PAGE_SIZE;
    }

    private static Parsed parse(String at, String deviceId, Integer pasidOrNull, String addressText, Object sizeValue,
                                Access access) {
        if (deviceId == null) {
            throw Problems.invalid(at + "deviceId", "is required");
        }
        long device = requester(deviceId);
        int pasid = -1;
        if (pasidOrNull != null) {
            if (pasidOrNull < 0 || pasidOrNull > MAX_PASID) {
                throw Problems.invalid(at + "pasid", "must be between 0 and " + MAX_PASID + " (20 bits), or absent");
            }
            pasid = pasidOrNull;
        }
        long address = Address.parse(at + "address", addressText);
        long size = sizeValue == null ? 1 : Address.parseSize(at + "size", sizeValue);
        if (size < 1 || size > MAX_ACCESS) {
            throw Problems.invalid(at + "size", "must be between 1 and " + MAX_ACCESS + " bytes");
        }
        if (Long.compareUnsigned(address + size - 1, address) < 0) {
            throw Problems.invalid(at + "size", "address + size wraps past 2^64", "EOVERFLOW");
        }
        if (access == null) {
            throw Problems.invalid(at + "access", "is required: READ or WRITE");
        }
        return new Parsed(device, pasid, address, size, access);
    }

    static String hex(int code) {
        return String.format("0x%02x", code);
    }
}
