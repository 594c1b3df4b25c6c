package dev.sva.translation.engine;

/**
 * A process address space (mm): VA regions, pinned or demand-paged, translated for PASID-tagged DMA of the devices
 * bound to it. A demand-paged region is held as fragments that are present or not; a successful page request splits
 * a non-present fragment and merges the now-present pages with present neighbours that continue them, so memory stays
 * O(regions + page requests).
 *
 * <p>Threading: {@link #bonds} (an intrusive list through {@link Bond#next}) is written and read by the engine writer
 * only; see {@link Space} for the rest.
 */
final class AddressSpace extends Space {

    final long nodeId;
    /** Head of the list of bonds to this address space. */
    Bond bonds;

    AddressSpace(long id, long nodeId) {
        super(id);
        this.nodeId = nodeId;
    }

    void link(Bond b) {
        b.prev = null;
        b.next = bonds;
        if (bonds != null) {
            bonds.prev = b;
        }
        bonds = b;
    }

    void unlink(Bond b) {
        if (b.prev != null) {
            b.prev.next = b.next;
        } else if (bonds == b) {
            bonds = b.next;
        }
        if (b.next != null) {
            b.next.prev = b.prev;
        }
        b.prev = null;
        b.next = null;
    }
}
