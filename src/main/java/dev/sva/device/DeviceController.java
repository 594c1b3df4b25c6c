package dev.sva.device;

import dev.sva.core.CreatedResponse;
import dev.sva.core.Address;
import dev.sva.core.Ids;
import dev.sva.core.Page;
import dev.sva.core.PageRequest;
import dev.sva.core.Problems;
import dev.sva.node.Node;
import dev.sva.node.NodeService;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.responses.ApiResponse;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import java.net.URI;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PatchMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/devices")
@Tag(name = "Devices", description = "PCI functions; hot-plug, driver binding and hot-unplug")
class DeviceController {

    private static final Pattern DRIVER = Pattern.compile("[A-Za-z0-9_.\\-]{1,64}");

    private final DeviceService devices;
    private final NodeService nodes;

    DeviceController(DeviceService devices, NodeService nodes) {
        this.devices = devices;
        this.nodes = nodes;
    }

    record BarBody(@Schema(requiredMode = Schema.RequiredMode.REQUIRED) Integer index, @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String base,
                   @Schema(requiredMode = Schema.RequiredMode.REQUIRED, types = {"integer", "string"}, example = "16384") Object size) {
    }

    record CreateDevice(String node, @Schema(requiredMode = Schema.RequiredMode.REQUIRED) String bdf, String groupId, String driver, Integer pasidBits, Boolean pri,
                        Boolean ats, List<BarBody> bars) {
    }

    @Schema(description = "Driver change; null unbinds the current driver")
    record DriverPatch(@Schema(nullable = true, requiredMode = Schema.RequiredMode.REQUIRED, example = "vfio-pci") String driver) {
    }

    record BarView(int index, String base, long size) {
    }

    record DeviceView(String id, String node, String bdf, String groupId, @Schema(nullable = true) String driver, int pasidBits, boolean pri,
                      boolean ats, List<BarView> bars, Instant createdAt) {
        static DeviceView of(Device d, String node) {
            return new DeviceView(d.publicId(), node, d.bdf(), Ids.GROUP.format(d.groupId()), d.driver(), d.pasidBits(),
                    d.pri(), d.ats(), d.bars().stream().map(b -> new BarView(b.index(), Address.format(b.base()), b.size())).toList(),
                    d.createdAt());
        }
    }

    @PostMapping
    @CreatedResponse
    @Operation(summary = "Plug in a device",
            description = "Without groupId the device gets a new singleton group. With groupId it is hot-plugged into "
                    + "that group: it joins the group's container domain and gets no bond; under STRICT the group's bonds are "
                    + "revoked (GROUP_NO_LONGER_SINGLETON). A host driver on a device hot-plugged into a group attached to a "
                    + "container answers 409 GROUP_OWNED.")
    ResponseEntity<DeviceView> create(@RequestBody CreateDevice body) {
        int pasidBits = body.pasidBits() == null ? 0 : body.pasidBits();
        if (pasidBits < 0 || pasidBits > 20) {
            throw Problems.invalid("pasidBits", "must be between 0 and 20");
        }
        Device device = devices.add(new DeviceService.NewDevice(body.node(), Bdf.parse(body.bdf()), body.groupId(),
                driver(body.driver()), pasidBits, Boolean.TRUE.equals(body.pri()), Boolean.TRUE.equals(body.ats()),
                bars(body.bars())));
        return ResponseEntity.created(URI.create("/api/v1/devices/" + device.publicId()))
                .body(DeviceView.of(device, nodes.byId(device.nodeId()).name()));
    }

    @GetMapping
    @Operation(summary = "List devices of a node, optionally of one group, by id", description = "groupId implies its "
            + "group's node; without node or groupId, the local node. 404 NOT_FOUND when groupId names nothing, 422 CROSS_NODE "
            + "when an explicit node is not the group's.")
    Page<DeviceView> list(@RequestParam(required = false) String node, @RequestParam(required = false) String groupId,
                          @RequestParam(required = false) Integer limit, @RequestParam(required = false) String cursor) {
        PageRequest page = PageRequest.of(limit, cursor);
        NodeService.ListScope scope = devices.scope(node, groupId);
        String nodeName = scope.node().name();
        return Page.of(nodes.listed(scope.node(), () -> devices.page(scope, page)), page.limit(), d -> Long.toString(d.id()),
                d -> DeviceView.of(d, nodeName));
    }

    @GetMapping("/{id}")
    @Operation(summary = "Get a device")
    DeviceView get(@PathVariable String id) {
        Device device = devices.get(id);
        return DeviceView.of(device, nodes.byId(device.nodeId()).name());
    }

    @PatchMapping("/{id}")
    @Operation(summary = "Bind or unbind a driver",
            description = "driver: null (unbind), \"vfio-pci\", or a host driver name. A host driver on a device whose group is "
                    + "attached to a container answers 409 GROUP_OWNED (EBUSY).")
    DeviceView patch(@PathVariable String id,
                     @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true,
                             content = @Content(schema = @Schema(implementation = DriverPatch.class)))
                     @RequestBody Map<String, Object> body) {
        for (String key : body.keySet()) {
            if (!key.equals("driver")) {
                throw Problems.invalid(key, "is not a known field");
            }
        }
        if (!body.containsKey("driver")) {
            throw Problems.invalid("driver", "is required (null unbinds the driver)");
        }
        Object driver = body.get("driver");
        if (driver != null && !(driver instanceof String)) {
            throw Problems.invalid("driver", "must be a string or null");
        }
        Device device = devices.setDriver(id, driver((String) driver));
        return DeviceView.of(device, nodes.byId(device.nodeId()).name());
    }

    @DeleteMapping("/{id}")
    @ApiResponse(responseCode = "204", description = "Done")
    @Operation(summary = "Hot-unplug a device", description = "Its bonds are revoked (DEVICE_REMOVED) and it leaves its group.")
    ResponseEntity<Void> delete(@PathVariable String id) {
        devices.remove(id);
        return ResponseEntity.noContent().build();
    }

    private static String driver(String driver) {
        if (driver == null) {
            return null;
        }
        if (!DRIVER.matcher(driver).matches()) {
            throw Problems.invalid("driver", "must be 1 to 64 letters, digits, '_', '.' or '-'");
        }
        return driver;
    }

    private static List<Bar> bars(List<BarBody> bodies) {
        if (bodies == null) {
            return List.of();
        }
        if (bodies.size() > 6) {
            throw Problems.invalid("bars", "a PCI function has at most 6 BARs");
        }
        List<Bar> bars = new ArrayList<>();
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < bodies.size(); i++) {
            BarBody b = bodies.get(i);
            String at = "bars[" + i + "]";
            if (b == null) {
                throw Problems.invalid(at, "must be an object");
            }
            if (b.index() == null || b.index() < 0 || b.index() > 5) {
                throw Problems.invalid(at + ".index", "must be between 0 and 5");
            }
            if (!seen.add(b.index())) {
                throw Problems.invalid(at + ".index", "BAR " + b.index() + " is given twice");
            }
            long base = Address.parse(at + ".base", b.base());
            long size = Address.parseSize(at + ".size", b.size());
            if (size < 0) {
                // sizes parse as unsigned 64-bit; a BAR stays below 2^63 (the engine's BAR windows are signed spans)
                throw Problems.invalid(at + ".size", "must be below 2^63", "EOVERFLOW");
            }
            if (size < Address.PAGE_SIZE || Long.bitCount(size) != 1) {
                throw Problems.invalid(at + ".size", "must be a power of two of at least 4096");
            }
            if ((base & (size - 1)) != 0) {
                throw Problems.invalid(at + ".base", "must be aligned to the BAR's size");
            }
            if (Long.compareUnsigned(base + size - 1, base) < 0) {
                throw Problems.invalid(at + ".size", "base + size wraps past 2^64", "EOVERFLOW");
            }
            bars.add(new Bar(b.index(), base, size));
        }
        bars.sort(java.util.Comparator.comparingInt(Bar::index));
        return bars;
    }
}
