package dev.sva.node;

import dev.sva.core.CreatedResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import dev.sva.core.Listed;
import dev.sva.core.Page;
import dev.sva.core.PageRequest;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.time.Instant;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/nodes")
@Tag(name = "Nodes", description = "Hosts, each with one IOMMU, a PASID space and address widths")
class NodeController {

    private final NodeService nodes;

    NodeController(NodeService nodes) {
        this.nodes = nodes;
    }

    record CreateNode(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) String name, Integer pasidBits, Integer iovaBits, Integer vaBits) {
    }

    record NodeView(String name, int pasidBits, int iovaBits, int vaBits, Instant createdAt) {
        static NodeView of(Node n) {
            return new NodeView(n.name(), n.pasidBits(), n.iovaBits(), n.vaBits(), n.createdAt());
        }
    }

    @PostMapping
    @CreatedResponse
    @Operation(summary = "Register a node", description = "Widths default to pasidBits 20, iovaBits 48, vaBits 48. "
            + "A duplicate name answers 409 DUPLICATE.")
    ResponseEntity<NodeView> create(@RequestBody CreateNode body) {
        Node node = nodes.create(body.name(), body.pasidBits(), body.iovaBits(), body.vaBits());
        return ResponseEntity.created(URI.create("/api/v1/nodes/" + node.name())).body(NodeView.of(node));
    }

    @GetMapping
    @Operation(summary = "List nodes, by name")
    Page<NodeView> list(@RequestParam(required = false) Integer limit, @RequestParam(required = false) String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return Page.of(Listed.unpositioned(nodes.page(page)), page.limit(), Node::name, NodeView::of);
    }

    @GetMapping("/{name}")
    @Operation(summary = "Get a node")
    NodeView get(@PathVariable String name) {
        return NodeView.of(nodes.get(name));
    }
}
