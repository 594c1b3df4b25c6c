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

    record GroupView(String id, String node, List<String> devices, @Schema(nullable = true) String containerId, boolean singleton, boolean viable,
                     long bondCount) {
        static GroupView of(GroupService.GroupState s) {
            return new GroupView(s.group().publicId(), s.node(), s.devices().stream().map(Device::publicId).toList(),
                    Ids.CONTAINER.formatNullable(s.group().containerId()), s.singleton(), s.viable(), s.bondCount());
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

    @DeleteMapping("/{id}")
    @ApiResponse(responseCode = "204", description = "Done")
    @Operation(summary = "Remove an empty group", description = "409 GROUP_BUSY while it has devices.")
    ResponseEntity<Void> delete(@PathVariable String id) {
        groups.remove(id);
        return ResponseEntity.noContent().build();
    }
}
