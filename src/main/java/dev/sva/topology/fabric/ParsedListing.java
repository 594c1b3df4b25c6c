package dev.sva.topology.fabric;

import java.util.List;

/** A parsed {@code lspci -vvv -nn}: the functions, the host's groups from {@code IOMMU group:} lines, warnings. */
public record ParsedListing(List<PciFunction> functions, List<List<PciAddress>> hostGroups, List<Warning> warnings) {
    public ParsedListing {
        functions = List.copyOf(functions);
        hostGroups = hostGroups.stream().map(List::copyOf).toList();
        warnings = List.copyOf(warnings);
    }
}
