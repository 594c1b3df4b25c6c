package dev.sva.core;

/** Why a bond went without its owner asking: carried by {@code BOND_REVOKED} events. */
public enum RevokeReason {
    PROCESS_EXIT,
    DEVICE_REMOVED,
    GROUP_DETACHED,
    CONTAINER_DELETED,
    GROUP_NO_LONGER_SINGLETON,
    /** A topology import re-formed the device's group (split or merge): TOPOLOGY.md "Reconciling". */
    TOPOLOGY_CHANGED,
    /** The device's group was released from its tenant: by a forced release, or a change that mixed tenants (rule 22). */
    GROUP_RELEASED
}
