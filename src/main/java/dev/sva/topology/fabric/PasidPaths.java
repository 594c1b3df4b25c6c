package dev.sva.topology.fabric;

import java.util.List;

public final class PasidPaths {
    private PasidPaths() {
    }

    public static PasidPath check(Fabric f, PciAddress a) {
        throw new UnsupportedOperationException("not yet");
    }
}
