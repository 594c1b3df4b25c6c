package dev.sva.translation.engine;

/**
 * Why a DMA request faulted, with the SMMUv3 event that reports it (DOMAIN.md "Translation"). The VT-d fault reason
 * depends on the request as well, so it is carried by each fault ({@link FaultRecord#vtdReason()}), see
 * {@link #vtdReason(Access, boolean)}.
 */
public enum FaultReason {
    /** Requester id not known: no context entry for it (VT-d scalable mode 0x41). */
    UNKNOWN_DEVICE("C_BAD_STREAMID", 0x02),
    /** DMA without PASID from a group attached to no container. */
    BLOCKED("C_BAD_STE", 0x04),
    /** PASID-tagged DMA from a device without PASID support, or a PASID at or above {@code 2^pasidBits}. */
    PASID_UNSUPPORTED("C_BAD_SUBSTREAMID", 0x08),
    /** PASID not bound on this device. */
    PASID_NOT_BOUND("C_BAD_CD", 0x0a),
    /** Some byte of the access lies beyond the input address width of the node. */
    ADDRESS_SIZE("F_ADDR_SIZE", 0x11),
    /** No mapping, or a page of a demand-paged region that is not present. */
    TRANSLATION("F_TRANSLATION", 0x10),
    /** Mapped, but the mapping does not allow the access. */
    PERMISSION("F_PERMISSION", 0x13);

    private static final FaultReason[] VALUES = values();

    // The one VT-d table (scalable-mode reasons of dma_remap_sm_fault_reasons[], drivers/iommu/intel/dmar.c):
    // the engine and vtdReason below read these.
    /** "SM: Present bit in Context Entry is clear": the IOMMU holds no context for the requester. */
    static final int VTD_NO_CONTEXT = 0x41;
    /** A PASID request from a device that supports none. */
    static final int VTD_PASID_NONE = 0x45;
    /** A PASID wider than the device supports. */
    static final int VTD_PASID_WIDTH = 0x46;
    /** No PASID table entry: the PASID is not bound. */
    static final int VTD_NOT_BOUND = 0x59;
    /** The address is beyond the input address width. */
    static final int VTD_ADDRESS_SIZE = 0x83;
    /** No translation for the address. */
    static final int VTD_TRANSLATION = 0x71;
    static final int VTD_WRITE_DENIED = 0x85;
    static final int VTD_READ_DENIED = 0x86;

    private final String smmuEvent;
    private final int smmuCode;

    FaultReason(String smmuEvent, int smmuCode) {
        this.smmuEvent = smmuEvent;
        this.smmuCode = smmuCode;
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
     * VT-d fault reason for this fault (scalable mode, {@code dma_remap_sm_fault_reasons[]} of
     * {@code drivers/iommu/intel/dmar.c}), or {@code null} where VT-d has none that this simulator
     * reports ({@code BLOCKED}, a simulator convention).
     *
     * @param access             the faulting access (selects 0x85 write / 0x86 read for {@code PERMISSION})
     * @param pasidOutOfRange    for {@code PASID_UNSUPPORTED}: {@code true} when the device supports PASIDs but the
     *                           PASID is too wide (0x46), {@code false} when it supports none (0x45)
     */
    public Integer vtdReason(Access access, boolean pasidOutOfRange) {
        int code = vtdCode(this, access, pasidOutOfRange);
        return code == 0 ? null : code;
    }

    static int vtdCode(FaultReason reason, Access access, boolean pasidOutOfRange) {
        switch (reason) {
            case UNKNOWN_DEVICE:
                return VTD_NO_CONTEXT;
            case PASID_UNSUPPORTED:
                return pasidOutOfRange ? VTD_PASID_WIDTH : VTD_PASID_NONE;
            case PASID_NOT_BOUND:
                return VTD_NOT_BOUND;
            case ADDRESS_SIZE:
                return VTD_ADDRESS_SIZE;
            case TRANSLATION:
                return VTD_TRANSLATION;
            case PERMISSION:
                return vtdPermission(access.ordinal());
            default:
                return 0;
        }
    }

    /** The VT-d reason of a permission fault of the access (its ordinal): 0x85 write, 0x86 read. */
    static int vtdPermission(int access) {
        return access == Access.WRITE.ordinal() ? VTD_WRITE_DENIED : VTD_READ_DENIED;
    }

    static FaultReason of(int ordinal) {
        return VALUES[ordinal];
    }
}
