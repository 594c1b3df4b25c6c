package dev.sva.policy;

/** How the service treats IOMMU groups of more than one device when binding address spaces. */
public enum Isolation {
    /**
     * Multi-device groups never carry a bond (Kevin Tian's position; the 2018 VFIO patch: "Multi-device
     * groups aren't supported for SVA"). Container binds covering one are refused, and a hot-plug that
     * makes a bound group multi-device revokes its bonds.
     */
    STRICT,
    /**
     * A container bind covers every device of every attached group, as the seed's {@code bind_group()}
     * does: the caller treats the group as one device. Bonds survive a hot-plug.
     */
    GROUP_AWARE
}
