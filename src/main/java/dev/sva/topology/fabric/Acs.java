package dev.sva.topology.fabric;

import java.util.Collections;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;

/**
 * A function's ACS extended capability: the flags it implements ({@code cap}) and those enabled ({@code ctl}). A
 * function without the capability has {@code acs == null} in {@link PciFunction}.
 */
public record Acs(Set<AcsFlag> cap, Set<AcsFlag> ctl) {
    public Acs {
        cap = copy(cap);
        ctl = copy(ctl);
    }

    private static Set<AcsFlag> copy(Set<AcsFlag> s) {
        Objects.requireNonNull(s, "ACS flags");
        return s.isEmpty() ? Collections.unmodifiableSet(EnumSet.noneOf(AcsFlag.class))
                : Collections.unmodifiableSet(EnumSet.copyOf(s));
    }

    public int capMask() {
        return AcsFlag.mask(cap);
    }

    public int ctlMask() {
        return AcsFlag.mask(ctl);
    }
}
