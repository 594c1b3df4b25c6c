package dev.sva.container;

import dev.sva.core.CreatedResponse;
import dev.sva.core.Address;
import dev.sva.core.AddressRange;
import dev.sva.core.Ids;
import dev.sva.core.Page;
import dev.sva.node.NodeService;
import dev.sva.core.PageRequest;
import dev.sva.core.RangeRules;
import dev.sva.core.Responses;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.math.BigInteger;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/containers")
@Tag(name = "Containers", description = "VFIO containers: attached groups and DMA mappings")
class ContainerController {

    private final ContainerService containers;
    private final NodeService nodes;

    ContainerController(ContainerService containers, NodeService nodes) {
        this.containers = containers;
        this.nodes = nodes;
    }

    record CreateContainer(String node, String name) {
    }

    record ContainerView(String id, String node, @Schema(nullable = true) String name, List<String> groups, long mappingCount, Instant createdAt) {
        static ContainerView of(ContainerService.ContainerState s) {
            return new ContainerView(s.container().publicId(), s.node(), s.container().name(),
                    s.groups().stream().map(Ids.GROUP::format).toList(), s.mappingCount(), s.container().createdAt());
        }
    }

    record CreateMapping(@Schema(description = "absent: the lowest free IOVA that fits") String iova,
                         @Schema(requiredMode = Schema.RequiredMode.REQUIRED, types = {"integer", "string"}, example = "1048576") Object size,
                         @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String physicalAddress, Boolean read, Boolean write) {
    }

    record MappingView(String iova, @Schema(type = "integer", format = "int64", description = "bytes, unsigned 64-bit (a value of 2^63 or more, possible only on a 64-bit node, does not fit a signed client type)") BigInteger size, String physicalAddress,
                       boolean read, boolean write) {
        static MappingView of(DmaMapping m) {
            return new MappingView(Address.format(m.iova()), Address.unsigned(m.size()), Address.format(m.physicalAddress()),
                    m.read(), m.write());
        }
    }

    @PostMapping
    @CreatedResponse
    @Operation(summary = "Create a container")
    ResponseEntity<ContainerView> create(@RequestBody(required = false) CreateContainer body) {
        ContainerService.ContainerState s = containers.create(body == null ? null : body.node(), body == null ? null : body.name());
        return ResponseEntity.created(URI.create("/api/v1/containers/" + s.container().publicId())).body(ContainerView.of(s));
    }

    @GetMapping
    @Operation(summary = "List containers of a node (default local), by id")
    Page<ContainerView> list(@RequestParam(required = false) String node, @RequestParam(required = false) Integer limit,
                             @RequestParam(required = false) String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return Page.of(nodes.listed(nodes.get(node), () -> containers.page(node, page)), page.limit(), s -> Long.toString(s.container().id()), ContainerView::of);
    }

    @GetMapping("/{id}")
    @Operation(summary = "Get a container")
    ContainerView get(@PathVariable String id) {
        return ContainerView.of(containers.get(id));
    }

    @DeleteMapping("/{id}")
    @ApiResponse(responseCode = "204", description = "Done")
    @Operation(summary = "Delete a container", description = "Detaches its groups, revoking the bonds it made "
            + "(CONTAINER_DELETED), and drops its mappings.")
    ResponseEntity<Void> delete(@PathVariable String id) {
        containers.delete(id);
        return ResponseEntity.noContent().build();
    }

    @PutMapping("/{id}/groups/{groupId}")
    @CreatedResponse
    @ApiResponse(responseCode = "200", description = "Already there: the existing object, unchanged")
    @Operation(summary = "Attach a group", description = "201 attached, 200 already attached here. 409 GROUP_NOT_VIABLE "
            + "(EPERM) lists each device bound to a host driver; 409 GROUP_IN_USE (EINVAL) when another container holds "
            + "the group. The container's bonds are replayed onto the group's devices, all or nothing (422 SVA_UNSUPPORTED, "
            + "IOPF_UNSUPPORTED, 409 PASID_OUT_OF_RANGE); under STRICT a multi-device group joining a container that holds "
            + "bonds answers 409 UNSAFE_GROUP_BIND.")
    ResponseEntity<ContainerView> attach(@PathVariable String id, @PathVariable String groupId) {
        boolean attached = containers.attach(id, groupId);
        ContainerView view = ContainerView.of(containers.get(id));
        return Responses.createdOrExisting(attached, "/api/v1/groups/" + groupId, view);
    }

    @DeleteMapping("/{id}/groups/{groupId}")
    @ApiResponse(responseCode = "204", description = "Done")
    @Operation(summary = "Detach a group", description = "Revokes the bonds this container made on its devices "
            + "(GROUP_DETACHED). 404 when the group is not attached to this container.")
    ResponseEntity<Void> detach(@PathVariable String id, @PathVariable String groupId) {
        containers.detach(id, groupId);
        return ResponseEntity.noContent().build();
    }

    @PostMapping("/{id}/mappings")
    @CreatedResponse
    @Operation(summary = "Map a DMA range", description = "Without iova the service picks the lowest free, non-zero IOVA "
            + "aligned to the size rounded up to a power of two. Misaligned, zero size, no permission: 400 "
            + "VALIDATION_FAILED (EINVAL); sizes are unsigned 64-bit and only a real wrap past 2^64 is 400 (EOVERFLOW); "
            + "beyond iovaBits: 422 OUT_OF_RANGE; overlap: "
            + "409 MAPPING_OVERLAP (EEXIST); the 65,536th mapping: 409 MAPPING_LIMIT (ENOSPC).")
    ResponseEntity<MappingView> map(@PathVariable String id, @RequestBody CreateMapping body) {
        Long iova = body.iova() == null ? null : Address.parse("iova", body.iova());
        long size = Address.parseSize("size", body.size());
        long physical = Address.parse("physicalAddress", body.physicalAddress());
        DmaMapping m = containers.map(id, iova, size, physical, Boolean.TRUE.equals(body.read()), Boolean.TRUE.equals(body.write()));
        return ResponseEntity.status(HttpStatus.CREATED)
                .location(URI.create("/api/v1/containers/" + id + "/mappings?iova=" + Address.format(m.iova()) + "&size=" + Address.unsigned(m.size())))
                .body(MappingView.of(m));
    }

    @GetMapping("/{id}/mappings")
    @Operation(summary = "List mappings, sorted by IOVA", description = "With iova (and size, default 1): only the mappings "
            + "that share an address with [iova, iova+size), e.g. the one that translates an address; a create's "
            + "Location names its mapping this way.")
    Page<MappingView> mappings(@PathVariable String id, @RequestParam(required = false) Integer limit,
                               @RequestParam(required = false) String cursor, @RequestParam(required = false) String iova,
                               @RequestParam(required = false) String size) {
        PageRequest page = PageRequest.of(limit, cursor);
        AddressRange range = AddressRange.ofQuery("iova", Address.parseParam("iova", iova), Address.parseSizeParam(size));
        return Page.of(nodes.listed(nodes.byId(containers.get(id).container().nodeId()), () -> containers.mappings(id, range, page)), page.limit(), RangeRules::nextCursor, MappingView::of);
    }

    record UnmapView(@Schema(type = "integer", format = "int64", description = "bytes, unsigned 64-bit") BigInteger unmappedBytes, long unmappedCount) {
    }

    @DeleteMapping("/{id}/mappings")
    @Operation(summary = "Unmap", description = "Removes every mapping wholly inside [iova, iova+size) and returns the "
            + "bytes removed; no parameters, or iova=0x0&size=0xffffffffffffffff (iommufd's iopt_unmap_all), unmaps all; "
            + "size 0 is 400 VALIDATION_FAILED (EINVAL, as vfio_dma_do_unmap); a wrap past 2^64 is 400 (EOVERFLOW). "
            + "A range that would split a mapping "
            + "answers 409 MAPPING_SPLIT (EINVAL) and removes nothing.")
    UnmapView unmap(@PathVariable String id, @RequestParam(required = false) String iova,
                    @RequestParam(required = false) String size) {
        Long start = Address.parseParam("iova", iova);
        Long length = Address.parseSizeParam(size);
        ContainerService.Unmapped u = containers.unmap(id, start, length);
        return new UnmapView(u.unmappedBytes(), u.unmappedCount());
    }
}
