package dev.sva.device;

import dev.sva.core.CreatedResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import dev.sva.core.Ids;
import dev.sva.core.Page;
import dev.sva.node.NodeService;
import dev.sva.core.PageRequest;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.util.List;
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
@RequestMapping("/api/v1/groups")
@Tag(name = "Groups", description = "IOMMU groups, the unit of isolation")
class GroupController {

    private final GroupService groups;
    private final NodeService nodes;

    GroupController(GroupService groups, NodeService nodes) {
        this.groups = groups;
        this.nodes = nodes;
    }

    record CreateGroup(String node) {
    }

    record Allocation(@Schema(requiredMode = Schema.RequiredMode.REQUIRED, example = "team-a",
            description = "the tenant, as its tokens' tenant claim names it; 1 to 128 characters") String tenant) {
    }

    record GroupView(String id, String node, List<String> devices, @Schema(nullable = true) String containerId, boolean singleton, boolean viable,
                     long bondCount,
                     @Schema(nullable = true, description = "the tenant the group is allocated to, whole; null while unallocated") String tenant) {
        static GroupView of(GroupService.GroupState s) {
            return new GroupView(s.group().publicId(), s.node(), s.devices().stream().map(Device::publicId).toList(),
                    Ids.CONTAINER.formatNullable(s.group().containerId()), s.singleton(), s.viable(), s.bondCount(),
                    s.group().tenant());
        }
    }

    @PostMapping
    @CreatedResponse
    @Operation(summary = "Create an empty group to hot-plug devices into")
    ResponseEntity<GroupView> create(@RequestBody(required = false) CreateGroup body) {
        GroupService.GroupState state = groups.create(body == null ? null : body.node());
        return ResponseEntity.created(URI.create("/api/v1/groups/" + state.group().publicId())).body(GroupView.of(state));
    }

    @GetMapping
    @Operation(summary = "List groups of a node (default local), by id")
    Page<GroupView> list(@RequestParam(required = false) String node, @RequestParam(required = false) Integer limit,
                         @RequestParam(required = false) String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return Page.of(nodes.listed(nodes.get(node), () -> groups.page(node, page)), page.limit(), s -> Long.toString(s.group().id()), GroupView::of);
    }

    @GetMapping("/{id}")
    @Operation(summary = "Get a group")
    GroupView get(@PathVariable String id) {
        return GroupView.of(groups.get(id));
    }

    @PutMapping("/{id}/allocation")
    @Operation(summary = "Allocate a group, whole, to a tenant (admin)", description = "Only that tenant may then attach the "
            + "group, bind its devices and DMA from them. Allocating again to the same tenant changes nothing. 409 GROUP_BUSY "
            + "while the group is allocated to another tenant, attached to a container, or its devices hold bonds.")
    GroupView allocate(@PathVariable String id, @RequestBody Allocation body) {
        return GroupView.of(groups.allocate(id, body == null ? null : body.tenant()));
    }

    @DeleteMapping("/{id}/allocation")
    @ApiResponse(responseCode = "204", description = "Released (or was not allocated)")
    @Operation(summary = "Release a group's allocation (admin)", description = "409 GROUP_BUSY while the group is attached or "
            + "its devices hold bonds, unless force=true, which revokes the bonds (GROUP_RELEASED) and detaches it first.")
    ResponseEntity<Void> release(@PathVariable String id, @RequestParam(required = false) Boolean force) {
        groups.release(id, Boolean.TRUE.equals(force));
        return ResponseEntity.noContent().build();
    }

    @DeleteMapping("/{id}")
    @ApiResponse(responseCode = "204", description = "Done")
    @Operation(summary = "Remove an empty group", description = "409 GROUP_BUSY while it has devices.")
    ResponseEntity<Void> delete(@PathVariable String id) {
        groups.remove(id);
        return ResponseEntity.noContent().build();
    }
}
