package dev.sva.topology.fabric;

import java.util.List;

public final class GroupDerivation {
    private GroupDerivation() {
    }

    public static Derivation derive(Fabric f) {
        throw new UnsupportedOperationException("not yet");
    }
}
