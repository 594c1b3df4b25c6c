package dev.sva.container;

import dev.sva.core.RevokeReason;
import dev.sva.device.Device;
import dev.sva.node.Node;
import java.util.Collection;
import java.util.List;

/**
 * What a container needs of the bonds it made (rule 13): a port this package owns and {@code bond}
 * implements ({@code BondService}), so {@code container} does not depend on {@code bond}, which depends
 * on it. Called inside the caller's transaction, with the node locked.
 */
public interface ContainerBonds {

    /** Revokes the bonds this container made on these devices (a detach, the container's deletion). */
    void revokeContainerBonds(Node node, long containerId, Collection<Long> deviceIds, RevokeReason reason);

    /** Forgets a deleted container's binds; its device bonds were revoked by the detaches before. */
    void forgetContainer(Node node, long containerId);

    /** Whether the container holds a bind. */
    boolean containerHasBonds(long containerId);

    /**
     * Replays the container's binds onto the devices of a group being attached: every device takes
     * every bind, or a problem naming the devices is thrown and the attach fails.
     */
    void replayOnAttach(Node node, long containerId, List<Device> members);
}
