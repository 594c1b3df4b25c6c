package dev.sva.topology.fabric;

import java.util.List;

public final class HostReport {
    private HostReport() {
    }

    public static Enforced enforce(Derivation d, List<List<PciAddress>> hostGroups) {
        throw new UnsupportedOperationException("not yet");
    }
}
