package dev.sva.topology.fabric;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/** Whether {@code pci_enable_pasid()} would succeed: else the first bridge on the path and the flags it lacks. */
public record PasidPath(boolean isolated, PciAddress bridge, Set<AcsFlag> missing) {
    public PasidPath {
        missing = missing == null || missing.isEmpty() ? Collections.unmodifiableSet(EnumSet.noneOf(AcsFlag.class))
                : Collections.unmodifiableSet(EnumSet.copyOf(missing));
    }
}
