package dev.sva.topology.fabric;

public final class WhatIf {
    private WhatIf() {
    }

    public static GroupDiff compare(Fabric before, Enforced groupsBefore, Fabric after, Enforced groupsAfter) {
        throw new UnsupportedOperationException("not yet");
    }
}
