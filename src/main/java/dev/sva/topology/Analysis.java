package dev.sva.topology;

import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.topology.fabric.Derivation;
import dev.sva.topology.fabric.DerivedGroup;
import dev.sva.topology.fabric.Enforced;
import dev.sva.topology.fabric.Fabric;
import dev.sva.topology.fabric.FabricException;
import dev.sva.topology.fabric.GroupDerivation;
import dev.sva.topology.fabric.HostReport;
import dev.sva.topology.fabric.PciAddress;
import dev.sva.topology.fabric.PciFunction;
import dev.sva.topology.fabric.Warning;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * A host's fabric with its groups worked out: derived as {@code pci_device_group()} does, then made the coarser of the
 * derivation and the host's own report ({@link HostReport#enforce}). Pure; computed outside any lock. {@code warnings}
 * are every warning (the input's first); {@code inputWarnings} those about the input text alone, which only an import
 * can know and the store keeps.
 */
record Analysis(String source, Fabric fabric, List<List<PciAddress>> hostGroups, Enforced enforced, List<Warning> warnings,
                List<Warning> inputWarnings) {

    /**
     * @throws ProblemException {@code 400 VALIDATION_FAILED} naming the function ({@code bdf}), the {@code field} and
     *         the {@code reason} when no host can have this fabric (duplicate BDFs, bus loops, bad ranges, …)
     */
    static Analysis of(String source, List<PciFunction> functions, List<List<PciAddress>> hostGroups, List<Warning> inputWarnings) {
        try {
            Fabric fabric = Fabric.of(functions);
            Derivation derivation = GroupDerivation.derive(fabric);
            Enforced enforced = HostReport.enforce(derivation, hostGroups);
            LinkedHashSet<Warning> warnings = new LinkedHashSet<>(inputWarnings);
            warnings.addAll(derivation.warnings());
            warnings.addAll(enforced.warnings());
            return new Analysis(source, fabric, normalise(hostGroups), enforced, List.copyOf(warnings),
                    List.copyOf(inputWarnings));
        } catch (FabricException e) {
            throw invalid(e);
        }
    }

    static ProblemException invalid(FabricException e) {
        ProblemException p = new ProblemException(ProblemType.VALIDATION_FAILED,
                (e.bdf() == null ? "" : e.bdf() + " ") + e.field() + ": " + e.reason())
                .with("field", e.field())
                .with("reason", e.reason());
        if (e.bdf() != null) {
            p.with("bdf", e.bdf());
        }
        return p;
    }

    /** The members of each enforced group, in the enforced order. */
    List<List<PciAddress>> groups() {
        return enforced.groups().stream().map(DerivedGroup::members).toList();
    }

    /** Host groups in a canonical order (members sorted, groups by first member), so two reports compare equal. */
    static List<List<PciAddress>> normalise(List<List<PciAddress>> groups) {
        List<List<PciAddress>> out = new ArrayList<>();
        for (List<PciAddress> g : groups) {
            if (!g.isEmpty()) {
                out.add(g.stream().sorted().toList());
            }
        }
        out.sort(Comparator.comparing(g -> g.get(0)));
        return List.copyOf(out);
    }
}
