package dev.sva.event;

/** The kinds of change a node's event stream carries (API.md "Events"). */
public enum EventType {
    DEVICE_ADDED, DEVICE_REMOVED, DEVICE_UPDATED,
    GROUP_CREATED, GROUP_REMOVED,
    CONTAINER_CREATED, CONTAINER_DELETED,
    GROUP_ATTACHED, GROUP_DETACHED,
    MAPPING_ADDED, MAPPING_REMOVED,
    ADDRESS_SPACE_CREATED, ADDRESS_SPACE_EXITED,
    BOND_CREATED,
    /** A device's own bond taken over by a container bind (rule 10): {@code data.containerId} is now set. */
    BOND_UPDATED,
    BOND_REMOVED, BOND_REVOKED,
    ISOLATION_WARNING,
    /** A node's fabric was imported and changed something (TOPOLOGY.md); an unchanged re-import writes none. */
    TOPOLOGY_IMPORTED,
    /** A group whose membership a topology import changed other than by plug or unplug: detached, bonds revoked. */
    GROUP_REFORMED,
    /** A group allocated, whole, to a tenant (rule 19): {@code data.tenant}. */
    GROUP_ALLOCATED,
    /** A group's allocation ended: by an admin, or by a hot-plug or merge that mixed tenants ({@code data.reason}). */
    GROUP_RELEASED
}
