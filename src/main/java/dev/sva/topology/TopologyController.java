package dev.sva.topology;

import dev.sva.topology.TopologyViews.ImportResult;
import io.swagger.v3.oas.annotations.Operation;
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
    ImportResult put(@PathVariable String name, @RequestParam(required = false) Boolean dryRun,
                     @RequestBody TopologyInput.Body body) {
        TopologyInput input = TopologyInput.of(body);
        // parsed and derived before the node's lock is taken: only the reconciliation runs under it
        Analysis analysis = Analysis.of(input.source(), input.functions(), input.hostGroups(), input.warnings());
        return topology.importTopology(name, analysis, Boolean.TRUE.equals(dryRun));
    }

    @GetMapping("/api/v1/nodes/{name}/topology")
    @Operation(summary = "The node's fabric as a tree",
            description = "Root buses, the buses below each bridge, and every function with its group. 404 NOT_FOUND when the "
                    + "node has no topology.")
    TopologyQueries.TreeView get(@PathVariable String name) {
        return queries.tree(name);
    }

    @PostMapping("/api/v1/nodes/{name}/topology/what-if")
    @Operation(summary = "What a change of the fabric would do", description = "ACS control of ports, functions unplugged "
            + "or plugged: the groups before and after, which split and merge, which device binds become legal, which bonds "
            + "would be revoked, which peer-to-peer paths close or open. Changes nothing.")
    WhatIfService.WhatIfView whatIf(@PathVariable String name, @RequestBody WhatIfService.Body body) {
        return whatIf.whatIf(name, body);
    }

    @GetMapping("/api/v1/devices/{id}/isolation")
    @Operation(summary = "Why a device is not alone in its group",
            description = "Its group and each reason (ACS_PATH, MULTIFUNCTION, DMA_ALIAS, HOST_REPORTED; DECLARED on a node "
                    + "without a topology), whether its path allows PASID (pci_enable_pasid() needs ACS RR|UF on every bridge "
                    + "above it), and the peers its DMA reaches without the IOMMU.")
    TopologyQueries.IsolationView isolation(@PathVariable String id) {
        return queries.isolation(id);
    }
}
