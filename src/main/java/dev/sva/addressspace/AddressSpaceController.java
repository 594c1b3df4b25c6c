package dev.sva.addressspace;

import dev.sva.core.CreatedResponse;
import dev.sva.core.Address;
import dev.sva.core.AddressRange;
import dev.sva.core.Page;
import dev.sva.core.PageRequest;
import dev.sva.core.RangeRules;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.math.BigInteger;
import java.net.URI;
import java.time.Instant;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/address-spaces")
@Tag(name = "Address spaces", description = "Processes: VA regions, PASID, exit")
class AddressSpaceController {

    private final AddressSpaceService spaces;
    private final NodeService nodes;

    AddressSpaceController(AddressSpaceService spaces, NodeService nodes) {
        this.spaces = spaces;
        this.nodes = nodes;
    }

    record CreateAddressSpace(String node, @Schema(requiredMode = Schema.RequiredMode.REQUIRED) Integer pid, String name) {
    }

    record AddressSpaceView(String id, String node, int pid, @Schema(nullable = true) String name, @Schema(nullable = true) Integer pasid,
                            Instant createdAt) {
        static AddressSpaceView of(AddressSpace a, String node) {
            return new AddressSpaceView(a.publicId(), node, a.pid(), a.name(), a.pasid(), a.createdAt());
        }
    }

    record CreateRegion(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) String va,
                        @Schema(requiredMode = Schema.RequiredMode.REQUIRED, types = {"integer", "string"}, example = "65536") Object size,
                        @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String physicalAddress, Boolean read, Boolean write,
                        @Schema(description = "false: demand-paged, pages not present until a page request brings them in",
                                defaultValue = "true") Boolean pinned) {
    }

    record RegionView(String va, @Schema(type = "integer", format = "int64", description = "bytes, unsigned 64-bit (a value of 2^63 or more, possible only on a 64-bit node, does not fit a signed client type)") BigInteger size, String physicalAddress, boolean read, boolean write, boolean pinned) {
        static RegionView of(Region r) {
            return new RegionView(Address.format(r.va()), Address.unsigned(r.size()), Address.format(r.physicalAddress()), r.read(), r.write(),
                    r.pinned());
        }
    }

    record MunmapView(@Schema(type = "integer", format = "int64", description = "bytes, unsigned 64-bit") BigInteger unmappedBytes) {
    }

    @PostMapping
    @CreatedResponse
    @Operation(summary = "Register a live process", description = "409 DUPLICATE while another live process has the pid.")
    ResponseEntity<AddressSpaceView> create(@RequestBody CreateAddressSpace body) {
        AddressSpace a = spaces.create(body.node(), body.pid(), body.name());
        return ResponseEntity.created(URI.create("/api/v1/address-spaces/" + a.publicId()))
                .body(AddressSpaceView.of(a, nodes.byId(a.nodeId()).name()));
    }

    @GetMapping
    @Operation(summary = "List processes of a node (default local), by id")
    Page<AddressSpaceView> list(@RequestParam(required = false) String node, @RequestParam(required = false) Integer limit,
                                @RequestParam(required = false) String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        Node n = nodes.get(node);
        String nodeName = n.name();
        return Page.of(nodes.listed(n, () -> spaces.page(node, page)), page.limit(), a -> Long.toString(a.id()), a -> AddressSpaceView.of(a, nodeName));
    }

    @GetMapping("/{id}")
    @Operation(summary = "Get a process", description = "pasid is null until the first bind allocates it.")
    AddressSpaceView get(@PathVariable String id) {
        AddressSpace a = spaces.get(id);
        return AddressSpaceView.of(a, nodes.byId(a.nodeId()).name());
    }

    @DeleteMapping("/{id}")
    @ApiResponse(responseCode = "204", description = "Done")
    @Operation(summary = "Process exit", description = "Every bond is revoked (PROCESS_EXIT, with its driverData) and the "
            + "PASID is freed.")
    ResponseEntity<Void> exit(@PathVariable String id) {
        spaces.exit(id);
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/mappings")
    @CreatedResponse
    @Operation(summary = "Map a VA region (mmap)", description = "Same alignment and overlap rules as DMA mappings, against "
            + "the node's vaBits. pinned=false makes the region demand-paged.")
    ResponseEntity<RegionView> map(@PathVariable String id, @RequestBody CreateRegion body) {
        long va = Address.parse("va", body.va());
        long size = Address.parseSize("size", body.size());
        long physical = Address.parse("physicalAddress", body.physicalAddress());
        Region r = spaces.map(id, va, size, physical, Boolean.TRUE.equals(body.read()), Boolean.TRUE.equals(body.write()),
                body.pinned() == null || body.pinned());
        return ResponseEntity.status(HttpStatus.CREATED)
                .location(URI.create("/api/v1/address-spaces/" + id + "/mappings?va=" + Address.format(r.va()) + "&size=" + Address.unsigned(r.size())))
                .body(RegionView.of(r));
    }

    @GetMapping("/{id}/mappings")
    @Operation(summary = "List regions, sorted by VA", description = "With va (and size, default 1): only the regions that "
            + "share an address with [va, va+size); a create's Location names its region this way.")
    Page<RegionView> regions(@PathVariable String id, @RequestParam(required = false) Integer limit,
                             @RequestParam(required = false) String cursor, @RequestParam(required = false) String va,
                             @RequestParam(required = false) String size) {
        PageRequest page = PageRequest.of(limit, cursor);
        AddressRange range = AddressRange.ofQuery("va", Address.parseParam("va", va), Address.parseSizeParam(size));
        return Page.of(nodes.listed(nodes.byId(spaces.get(id).nodeId()), () -> spaces.regions(id, range, page)), page.limit(), RangeRules::nextCursor, RegionView::of);
    }

    @DeleteMapping("/{id}/mappings")
    @Operation(summary = "munmap", description = "Removes [va, va+size), splitting the regions it cuts; no parameters "
            + "removes every region; size 0 is 400 VALIDATION_FAILED (EINVAL), as munmap(2). Answers the bytes removed.")
    MunmapView unmap(@PathVariable String id, @RequestParam(required = false) String va,
                     @RequestParam(required = false) String size) {
        Long start = Address.parseParam("va", va);
        Long length = Address.parseSizeParam(size);
        return new MunmapView(spaces.unmap(id, start, length));
    }
}
