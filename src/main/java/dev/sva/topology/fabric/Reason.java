package dev.sva.topology.fabric;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * One reason a group is not a single function: for {@code ACS_PATH} the bridge that lacks {@code missing}; for
 * {@code MULTIFUNCTION} the slot function that fails ACS; for {@code DMA_ALIAS} the function (or bridge) whose
 * requester id is shared. {@code detail} says it in words.
 */
public record Reason(ReasonKind kind, PciAddress bdf, Set<AcsFlag> missing, String detail) {
    public Reason {
        missing = missing == null || missing.isEmpty() ? Collections.unmodifiableSet(EnumSet.noneOf(AcsFlag.class))
                : Collections.unmodifiableSet(EnumSet.copyOf(missing));
    }
}
