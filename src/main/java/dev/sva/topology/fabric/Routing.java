package dev.sva.topology.fabric;

import java.util.List;
import java.util.Optional;

public final class Routing {
    private Routing() {
    }

    public static List<PeerPath> reachablePeers(Fabric f, PciAddress requester) {
        throw new UnsupportedOperationException("not yet");
    }

    public static Optional<PeerPath> route(Fabric f, PciAddress requester, long address) {
        throw new UnsupportedOperationException("not yet");
    }
}
