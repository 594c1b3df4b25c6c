package dev.sva.bond;

import dev.sva.core.CreatedResponse;
import io.swagger.v3.oas.annotations.media.Schema;
import dev.sva.core.Ids;
import dev.sva.core.Page;
import dev.sva.node.Node;
import dev.sva.container.Container;
import dev.sva.device.Device;
import dev.sva.addressspace.AddressSpace;
import dev.sva.node.NodeService;
import dev.sva.core.PageRequest;
import dev.sva.core.Responses;
import io.micrometer.core.instrument.MeterRegistry;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.tags.Tag;
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
    private final ContainerBinds binds;
    private final MeterRegistry meters;
    private final NodeService nodes;

    BondController(BondService bonds, ContainerBinds binds, MeterRegistry meters, NodeService nodes) {
        this.bonds = bonds;
        this.binds = binds;
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
        return Responses.createdOrExisting(r.created(), "/api/v1/bonds/" + view.id(), view);
    }

    @PostMapping("/containers/{id}/bonds")
    @CreatedResponse
    @ApiResponse(responseCode = "200", description = "Already there: the existing object, unchanged")
    @Operation(summary = "Bind every device of a container to a process", description = "All or nothing. 409 "
            + "CONTAINER_EMPTY when no device is attached; under STRICT 409 UNSAFE_GROUP_BIND (member groups) for a "
            + "multi-device group; 422 SVA_UNSUPPORTED / IOPF_UNSUPPORTED listing every incapable device. When already "
            + "bound: 200 with the bind as it was made (its driverData), after the same checks, and after binding "
            + "any device it does not cover (see GET /containers/{id}/bonds: one hot-plugged into an attached group); under STRICT a "
            + "container that now holds a multi-device group answers 409 UNSAFE_GROUP_BIND again. 409 DUPLICATE "
            + "(EEXIST) when the bind, or a device's own bond it would take over, was made with the other iopf.")
    ResponseEntity<ContainerBindView> bindContainer(@PathVariable String id, @RequestBody CreateBond body) {
        BondService.ContainerBindResult r = bonds.bindContainer(id, body.addressSpaceId(), Boolean.TRUE.equals(body.iopf()),
                body.driverData());
        counted("container", r.created());
        ContainerBindView view = new ContainerBindView(r.pasid(), r.bonds().stream().map(BondView::of).toList());
        return Responses.createdOrExisting(r.created(), "/api/v1/bonds?node=" + r.node() + "&containerId=" + id
                + "&addressSpaceId=" + body.addressSpaceId(), view);
    }

    record CoveredDevice(String deviceId, String groupId, String bondId) {
    }

    record UncoveredDevice(String deviceId, String groupId, ContainerBinds.Gap reason, String detail,
                           @Schema(nullable = true, description = "the device's own bond, for BOUND_WITH_OTHER_IOPF") String bondId) {
    }

    @Schema(description = "A bind of an address space to the container, and what it covers now")
    record ContainerBindState(String addressSpaceId, @Schema(nullable = true) Integer pasid, boolean iopf,
                              @Schema(nullable = true) String driverData, Instant createdAt,
                              @Schema(description = "attached devices that hold the bind's bond") List<CoveredDevice> covers,
                              @Schema(description = "attached devices that do not, each with why") List<UncoveredDevice> doesNotCover) {
        static ContainerBindState of(ContainerBinds.Bind b) {
            return new ContainerBindState(Ids.ADDRESS_SPACE.format(b.bind().addressSpaceId()),
                    b.space() == null ? null : b.space().pasid(), b.bind().iopf(), b.bind().driverData(), b.bind().createdAt(),
                    b.covered().stream().map(c -> new CoveredDevice(c.device().publicId(), Ids.GROUP.format(c.device().groupId()),
                            c.bond().publicId())).toList(),
                    b.uncovered().stream().map(u -> new UncoveredDevice(u.device().publicId(), Ids.GROUP.format(u.device().groupId()),
                            u.gap(), u.detail(), u.bond() == null ? null : u.bond().publicId())).toList());
        }
    }

    @GetMapping("/containers/{id}/bonds")
    @Operation(summary = "List a container's binds and what each covers", description = "Oldest first. Each bind "
            + "with its PASID, iopf and driverData, the attached devices that hold its bond (covers) and those that do "
            + "not (doesNotCover), each with why: GROUP_NOT_SINGLETON (STRICT revoked the bonds of a group that became "
            + "multi-device), SVA_UNSUPPORTED, IOPF_UNSUPPORTED, PASID_OUT_OF_RANGE, BOUND_WITH_OTHER_IOPF (the device's "
            + "own bond), JOINED_AFTER_BIND (hot-plugged into an attached group: a hot-plug binds nothing, rule 5; POST "
            + "the bind again to bind it). 404 NOT_FOUND for an unknown container.")
    Page<ContainerBindState> containerBinds(@PathVariable String id, @RequestParam(required = false) Integer limit,
                                            @RequestParam(required = false) String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        return Page.of(nodes.listed(nodes.ownerOf(Container.class, Ids.CONTAINER, id), () -> binds.page(id, page)), page.limit(),
                b -> Long.toString(b.bind().id()), ContainerBindState::of);
    }

    @DeleteMapping("/containers/{id}/bonds/{addressSpaceId}")
    @ApiResponse(responseCode = "204", description = "Done")
    @Operation(summary = "Unbind a process from a container", description = "404 NOT_FOUND (ESRCH) when not bound.")
    ResponseEntity<Void> unbindContainer(@PathVariable String id, @PathVariable String addressSpaceId) {
        bonds.unbindContainer(id, addressSpaceId);
        return ResponseEntity.noContent().build();
    }

    @GetMapping("/bonds")
    @Operation(summary = "List bonds of a node, by id", description = "A filter (deviceId, addressSpaceId, containerId) "
            + "implies its object's node; without node or a filter, the local node. 404 NOT_FOUND when a filter names nothing, "
            + "422 CROSS_NODE when an explicit node or another filter names a different node.")
    Page<BondView> list(@RequestParam(required = false) String node, @RequestParam(required = false) String deviceId,
                        @RequestParam(required = false) String addressSpaceId, @RequestParam(required = false) String containerId,
                        @RequestParam(required = false) Integer limit, @RequestParam(required = false) String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        // the node whose seq is answered is the one the filters imply, as the service resolves it
        Node n = nodes.scope(node, NodeService.Filter.of(Device.class, Ids.DEVICE, deviceId),
                NodeService.Filter.of(AddressSpace.class, Ids.ADDRESS_SPACE, addressSpaceId),
                NodeService.Filter.of(Container.class, Ids.CONTAINER, containerId)).node();
        return Page.of(nodes.listed(n, () -> bonds.page(node, deviceId, addressSpaceId, containerId, page)), page.limit(),
                b -> Long.toString(b.id()), BondView::of);
    }

    @GetMapping("/bonds/{id}")
    @Operation(summary = "Get a bond")
    BondView get(@PathVariable String id) {
        return BondView.of(bonds.get(id));
    }

    @DeleteMapping("/bonds/{id}")
    @ApiResponse(responseCode = "204", description = "Done")
    @Operation(summary = "Unbind", description = "Removes the bond (BOND_REMOVED). The PASID stays with the process. "
            + "A bond a container bind made is the container's: 409 BOND_OF_CONTAINER (EBUSY) with the unbind to use, "
            + "DELETE /containers/{id}/bonds/{addressSpaceId}, since removing one device's bond would leave the bind "
            + "silently short of it. A bond already revoked: 404 NOT_FOUND with revokedBy, errno ESRCH after a process "
            + "exit (as the container unbind), ENOENT otherwise.")
    ResponseEntity<Void> unbind(@PathVariable String id) {
        bonds.unbind(id);
        return ResponseEntity.noContent().build();
    }
}
