package dev.sva.translation.engine;

/**
 * Why a DMA request faulted, with the SMMUv3 event that reports it (DOMAIN.md "Translation"). The VT-d fault reason
 * depends on the request as well, so it is carried by each fault ({@link FaultRecord#vtdReason()}), see
 * {@link #vtdReason(Access, boolean)}.
 */
public enum FaultReason {
    /** Requester id not known: no context entry for it (VT-d scalable mode 0x41). */
    UNKNOWN_DEVICE("C_BAD_STREAMID", 0x02, 0x41, 0x41),
    /** DMA without PASID from a group attached to no container (no VT-d reason: a simulator convention). */
    BLOCKED("C_BAD_STE", 0x04, 0, 0),
    /** PASID-tagged DMA from a device without PASID support (0x45), or a PASID at or above {@code 2^pasidBits} (0x46). */
    PASID_UNSUPPORTED("C_BAD_SUBSTREAMID", 0x08, 0x45, 0x46),
    /** PASID not bound on this device. */
    PASID_NOT_BOUND("C_BAD_CD", 0x0a, 0x59, 0x59),
    /** Some byte of the access lies beyond the input address width of the node. */
    ADDRESS_SIZE("F_ADDR_SIZE", 0x11, 0x83, 0x83),
    /** No mapping, or a page of a demand-paged region that is not present. */
    TRANSLATION("F_TRANSLATION", 0x10, 0x71, 0x71),
    /** Mapped, but the mapping does not allow the access: a read (0x86) or a write (0x85). */
    PERMISSION("F_PERMISSION", 0x13, 0x86, 0x85);

    private static final FaultReason[] VALUES = values();

    private final String smmuEvent;
    private final int smmuCode;
    /**
     * The one VT-d table (scalable-mode reasons of {@code dma_remap_sm_fault_reasons[]},
     * {@code drivers/iommu/intel/dmar.c}); 0 where VT-d has none this simulator reports. {@link #vtdOther} is the
     * reason of the other variant: a PASID too wide rather than none supported, a write rather than a read.
     */
    final int vtd;
    final int vtdOther;

    FaultReason(String smmuEvent, int smmuCode, int vtd, int vtdOther) {
        this.smmuEvent = smmuEvent;
        this.smmuCode = smmuCode;
        this.vtd = vtd;
        this.vtdOther = vtdOther;
    }

    /** SMMUv3 event name, e.g. {@code F_TRANSLATION}. */
    public String smmuEvent() {
        return smmuEvent;
    }

    /** SMMUv3 event number, e.g. {@code 0x10}. */
    public int smmuCode() {
        return smmuCode;
    }

    /**
     * VT-d fault reason for this fault, or {@code null} where VT-d has none that this simulator reports
     * ({@code BLOCKED}).
     *
     * @param access             the faulting access (selects 0x85 write / 0x86 read for {@code PERMISSION})
     * @param pasidOutOfRange    for {@code PASID_UNSUPPORTED}: {@code true} when the device supports PASIDs but the
     *                           PASID is too wide (0x46), {@code false} when it supports none (0x45)
     */
    public Integer vtdReason(Access access, boolean pasidOutOfRange) {
        int code = this == PERMISSION ? vtdPermission(access.ordinal()) : pasidOutOfRange ? vtdOther : vtd;
        return code == 0 ? null : code;
    }

    /** The VT-d reason of a permission fault of the access (its ordinal): 0x85 write, 0x86 read. */
    static int vtdPermission(int access) {
        return access == Access.WRITE.ordinal() ? PERMISSION.vtdOther : PERMISSION.vtd;
    }

    static FaultReason of(int ordinal) {
        return VALUES[ordinal];
    }
}
