package dev.sva.device;

import dev.sva.core.RevokeReason;
import dev.sva.node.Node;
import java.util.Collection;
import java.util.Map;

/**
 * What devices and groups need of the bonds on them: a port this package owns and {@code bond}
 * implements ({@code BondService}), so {@code device} does not depend on {@code bond}, which depends
 * on it. Called inside the caller's transaction, with the node locked.
 */
public interface DeviceBonds {

    /** Revokes every bond on these devices, each with a {@code BOND_REVOKED} event naming {@code reason}. */
    void revokeOnDevices(Node node, Collection<Long> deviceIds, RevokeReason reason);

    /** How many bonds these devices hold. */
    long countOnDevices(Collection<Long> deviceIds);

    /** The number of bonds on each of these groups' devices, by group id; groups without bonds are absent. */
    Map<Long, Long> countByGroups(Collection<Long> groupIds);
}
