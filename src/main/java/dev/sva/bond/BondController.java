package dev.sva.bond;

import dev.sva.core.CreatedResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import dev.sva.core.Ids;
import dev.sva.core.Page;
import dev.sva.node.NodeService;
import dev.sva.core.PageRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.time.Instant;
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
@RequestMapping("/api/v1")
@Tag(name = "Bonds", description = "Devices bound to process address spaces, with their PASID")
class BondController {

    private final BondService bonds;
    private final MeterRegistry meters;
    private final NodeService nodes;

    BondController(BondService bonds, MeterRegistry meters, NodeService nodes) {
        this.bonds = bonds;
        this.meters = meters;
        this.nodes = nodes;
    }

    /** Counts a successful bind: {@code sva.binds{kind=device|container, result=created|existing}}. */
    private void counted(String kind, boolean created) {
        meters.counter("sva.binds", "kind", kind, "result", created ? "created" : "existing").increment();
    }

    record CreateBond(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) String addressSpaceId, Boolean iopf, String driverData) {
    }

    record BondView(String id, String deviceId, String addressSpaceId, int pasid, boolean iopf,
                    @Schema(nullable = true) String driverData, @Schema(nullable = true) String containerId, Instant createdAt) {
        static BondView of(Bond b) {
            return new BondView(b.publicId(), Ids.DEVICE.format(b.deviceId()), Ids.ADDRESS_SPACE.format(b.addressSpaceId()),
                    b.pasid(), b.iopf(), b.driverData(), Ids.CONTAINER.formatNullable(b.containerId()), b.createdAt());
        }
    }

    record ContainerBindView(int pasid, List<BondView> bonds) {
    }

    @PostMapping("/devices/{id}/bonds")
    @CreatedResponse
    @ApiResponse(responseCode = "200", description = "Already there: the existing object, unchanged")
    @Operation(summary = "Bind a device to a process", description = "201 with the new bond; 200 with the existing bond "
            + "when already bound (409 DUPLICATE, EEXIST, when that bond was made with the other iopf). "
            + "409 GROUP_NOT_SINGLETON (EINVAL, member devices) when the device's group has other "
            + "devices, whatever the policy; 422 SVA_UNSUPPORTED (pasidBits 0); 422 IOPF_UNSUPPORTED (iopf without pri); "
            + "409 PASID_OUT_OF_RANGE (EOVERFLOW); 409 PASID_EXHAUSTED (ENOSPC).")
    ResponseEntity<BondView> bindDevice(@PathVariable String id, @RequestBody CreateBond body) {
        BondService.BindResult r = bonds.bindDevice(id, body.addressSpaceId(), Boolean.TRUE.equals(body.iopf()), body.driverData());
        counted("device", r.created());
        BondView view = BondView.of(r.bond());
        return r.created() ? ResponseEntity.created(URI.create("/api/v1/bonds/" + view.id())).body(view) : ResponseEntity.ok(view);
    }

    @PostMapping("/containers/{id}/bonds")
    @CreatedResponse
    @ApiResponse(responseCode = "200", description = "Already there: the existing object, unchanged")
    @Operation(summary = "Bind every device of a container to a process", description = "All or nothing. 409 "
            + "CONTAINER_EMPTY when no device is attached; under STRICT 409 UNSAFE_GROUP_BIND (member groups) for a "
            + "multi-device group; 422 SVA_UNSUPPORTED / IOPF_UNSUPPORTED listing every incapable device. When already "
            + "bound: 200 with the bind as it was made (its driverData), after the same checks, and after binding "
            + "any device that lost its bond since (a hot-plug under STRICT, a DELETE /bonds/{id}); under STRICT a "
            + "container that now holds a multi-device group answers 409 UNSAFE_GROUP_BIND again. 409 DUPLICATE "
            + "(EEXIST) when the bind, or a device's own bond it would take over, was made with the other iopf.")
    ResponseEntity<ContainerBindView> bindContainer(@PathVariable String id, @RequestBody CreateBond body) {
        BondService.ContainerBindResult r = bonds.bindContainer(id, body.addressSpaceId(), Boolean.TRUE.equals(body.iopf()),
                body.driverData());
        counted("container", r.created());
        ContainerBindView view = new ContainerBindView(r.pasid(), r.bonds().stream().map(BondView::of).toList());
        return r.created()
                ? ResponseEntity.created(URI.create("/api/v1/bonds?node=" + r.node() + "&containerId=" + id
                        + "&addressSpaceId=" + body.addressSpaceId())).body(view)
                : ResponseEntity.ok(view);
    }

    @DeleteMapping("/containers/{id}/bonds/{addressSpaceId}")
    @ApiResponse(responseCode = "204", description = "Done")
    @Operation(summary = "Unbind a process from a container", description = "404 NOT_FOUND (ESRCH) when not bound.")
    ResponseEntity<Void> unbindContainer(@PathVariable String id, @PathVariable String addressSpaceId) {
        bonds.unbindContainer(id, addressSpaceId);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/bonds")
    @Operation(summary = "List bonds of a node (default local), by id", description = "Each filter (deviceId, addressSpaceId, "
            + "containerId) must name an object of the node: 404 NOT_FOUND when it names nothing, 422 CROSS_NODE when "
            + "another node's.")
    Page<BondView> list(@RequestParam(required = false) String node, @RequestParam(required = false) String deviceId,
                        @RequestParam(required = false) String addressSpaceId, @RequestParam(required = false) String containerId,
                        @RequestParam(required = false) Integer limit, @RequestParam(required = false) String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return Page.of(nodes.listed(nodes.get(node), () -> bonds.page(node, deviceId, addressSpaceId, containerId, page)), page.limit(),
                b -> Long.toString(b.id()), BondView::of);
    }

    @GetMapping("/bonds/{id}")
    @Operation(summary = "Get a bond")
    BondView get(@PathVariable String id) {
        return BondView.of(bonds.get(id));
    }

    @DeleteMapping("/bonds/{id}")
    @ApiResponse(responseCode = "204", description = "Done")
    @Operation(summary = "Unbind", description = "Removes the bond (BOND_REMOVED). The PASID stays with the process.")
    ResponseEntity<Void> unbind(@PathVariable String id) {
        bonds.unbind(id);
        return ResponseEntity.noContent().build();
    }
}
