package dev.sva.translation.engine;

/**
 * A device bound to an address space under a PASID ({@code struct iommu_sva}). Immutable for translators (final
 * fields, published through the device's PASID table with release); {@link #prev}/{@link #next} link the bonds of one
 * address space and belong to the engine writer.
 */
final class Bond {

    final Device device;
    final int pasid;
    final AddressSpace space;
    final boolean iopf;
    Bond prev;
    Bond next;

    Bond(Device device, int pasid, AddressSpace space, boolean iopf) {
        this.device = device;
        this.pasid = pasid;
        this.space = space;
        this.iopf = iopf;
    }
}
