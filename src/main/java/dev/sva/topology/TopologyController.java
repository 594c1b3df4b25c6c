package dev.sva.topology;

import dev.sva.topology.TopologyViews.TopologyImportResult;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.ExampleObject;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.tags.Tag;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.PutMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@Tag(name = "Topology", description = "A host's PCI fabric: IOMMU groups derived as Linux derives them, why, and what if")
class TopologyController {

    private final TopologyService topology;
    private final TopologyQueries queries;
    private final WhatIfService whatIf;

    /** An excerpt of a real `sudo lspci -vvv -nn -D` (a root port without ACS above an RTX 2080 and its audio function). */
    private static final String LSPCI_EXAMPLE = """
            {"lspci": "0000:00:02.0 PCI bridge [0604]: Advanced Micro Devices, Inc. [AMD] Family 17h (Models 00h-1fh) PCIe GPP Bridge [1022:1453] (prog-if 00 [Normal decode])\\n\\tBus: primary=00, secondary=02, subordinate=02, sec-latency=0\\n\\tCapabilities: [58] Express (v2) Root Port (Slot+), MSI 00\\n\\tKernel driver in use: pcieport\\n\\n0000:02:00.0 VGA compatible controller [0300]: NVIDIA Corporation TU104 [GeForce RTX 2080 Rev. A] [10de:1e87] (rev a1) (prog-if 00 [VGA controller])\\n\\tRegion 0: Memory at f6000000 (32-bit, non-prefetchable) [size=16M]\\n\\tRegion 1: Memory at e0000000 (64-bit, prefetchable) [size=256M]\\n\\tCapabilities: [68] Express (v2) Legacy Endpoint, MSI 00\\n\\tKernel driver in use: vfio-pci\\n\\n0000:02:00.1 Audio device [0403]: NVIDIA Corporation TU104 HD Audio Controller [10de:10f8] (rev a1)\\n\\tRegion 0: Memory at f7080000 (32-bit, non-prefetchable) [size=16K]\\n\\tCapabilities: [68] Express (v2) Endpoint, MSI 00\\n\\tKernel driver in use: snd_hda_intel\\n",
             "iommuGroups": "/sys/kernel/iommu_groups/2/devices/0000:00:02.0\\n/sys/kernel/iommu_groups/2/devices/0000:02:00.0\\n/sys/kernel/iommu_groups/2/devices/0000:02:00.1\\n"}""";

    private static final String FUNCTIONS_EXAMPLE = """
            {"functions": [
              {"bdf": "0000:00:1c.0", "vendorId": "1022", "deviceId": "1453", "type": "ROOT_PORT", "secondaryBus": 1, "subordinateBus": 1,
               "acs": {"cap": ["SV", "TB", "RR", "CR", "UF"], "ctl": ["SV", "RR", "CR", "UF"]}, "driver": "pcieport"},
              {"bdf": "0000:01:00.0", "vendorId": "10ee", "deviceId": "5000", "type": "ENDPOINT",
               "bars": [{"index": 0, "base": "0x90000000", "size": 1048576}], "pasidBits": 20, "pri": true, "ats": true, "driver": "vfio-pci"}],
             "hostGroups": [["0000:00:1c.0"], ["0000:01:00.0"]]}""";

    /** On the fabric of FUNCTIONS_EXAMPLE (Swagger UI's default import): a second function in the endpoint's slot. */
    private static final String WHAT_IF_EXAMPLE = """
            {"plug": [{"bdf": "0000:01:00.1", "type": "ENDPOINT", "vendorId": "10ee", "deviceId": "5002", "driver": "vfio-pci"}]}""";

    TopologyController(TopologyService topology, TopologyQueries queries, WhatIfService whatIf) {
        this.topology = topology;
        this.queries = queries;
        this.whatIf = whatIf;
    }

    @PutMapping("/api/v1/nodes/{name}/topology")
    @Operation(summary = "Import a host's topology",
            description = "Body: exactly one of functions (structured) or lspci (the text of `sudo lspci -vvv -nn -D`), and "
                    + "optionally the host's groups as hostGroups ([[bdf, …], …]) or iommuGroups (the text of "
                    + "`find /sys/kernel/iommu_groups/ -type l`). The node's groups become the coarser of the derivation and "
                    + "the host's report. Functions that appear are hot-plugged, those that disappear hot-unplugged; a group "
                    + "whose membership changes otherwise is re-formed: detached, its bonds revoked (TOPOLOGY_CHANGED), event "
                    + "GROUP_REFORMED. Unchanged groups keep their ids; a re-import of an unchanged host changes nothing and "
                    + "writes no event. dryRun=true answers the same plan and changes nothing. A text that cannot be parsed is "
                    + "400 VALIDATION_FAILED with line and reason; a fabric no host can have is 400 naming bdf and field.")
    TopologyImportResult importTopology(@PathVariable String name, @RequestParam(required = false) Boolean dryRun,
                     @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                             mediaType = "application/json", schema = @Schema(implementation = TopologyInput.TopologyImport.class),
                             examples = {@ExampleObject(name = "lspci", summary = "lspci -vvv -nn -D and iommu_groups text",
                                     value = LSPCI_EXAMPLE),
                                     @ExampleObject(name = "functions", summary = "structured functions and host groups",
                                             value = FUNCTIONS_EXAMPLE)}))
                     @RequestBody TopologyInput.TopologyImport body) {
        TopologyInput input = TopologyInput.of(body);
        // parsed and derived before the node's lock is taken: only the reconciliation runs under it
        Analysis analysis = Analysis.of(input.source(), input.functions(), input.hostGroups(), input.warnings());
        return topology.importTopology(name, analysis, Boolean.TRUE.equals(dryRun));
    }

    @GetMapping("/api/v1/nodes/{name}/topology")
    @Operation(summary = "The node's fabric as a tree",
            description = "Root buses, the buses below each bridge, and every function with its group; the divergences "
                    + "between the host's report and the derivation, and the warnings, of the last import that changed the "
                    + "node. 404 NOT_FOUND when the node has no topology.")
    TopologyQueries.TopologyTree topologyTree(@PathVariable String name) {
        return queries.tree(name);
    }

    @PostMapping("/api/v1/nodes/{name}/topology/what-if")
    @Operation(summary = "What a change of the fabric would do", description = "ACS control of ports, functions unplugged "
            + "or plugged: the groups before and after, which split and merge, which device binds become legal, which bonds "
            + "would be revoked, which peer-to-peer paths close or open. TopologyChanges nothing.")
    WhatIfService.WhatIfAnswer topologyWhatIf(@PathVariable String name,
                                    @io.swagger.v3.oas.annotations.parameters.RequestBody(required = true, content = @Content(
                                            mediaType = "application/json", schema = @Schema(implementation = WhatIfService.WhatIfRequest.class),
                                            examples = @ExampleObject(name = "plug a second function", value = WHAT_IF_EXAMPLE)))
                                    @RequestBody WhatIfService.WhatIfRequest body) {
        return whatIf.whatIf(name, body);
    }

    @GetMapping("/api/v1/devices/{id}/isolation")
    @Operation(summary = "Why a device is not alone in its group",
            description = "Its group and each reason (ACS_PATH, MULTIFUNCTION, DMA_ALIAS, HOST_REPORTED; DECLARED on a node "
                    + "without a topology), whether its path allows PASID (pci_enable_pasid() needs ACS RR|UF on every bridge "
                    + "above it), and the peers its DMA reaches without the IOMMU.")
    TopologyQueries.DeviceIsolation deviceIsolation(@PathVariable String id) {
        return queries.isolation(id);
    }
}
