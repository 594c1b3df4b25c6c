package dev.sva.policy;

/** Limits of the host the service enforces and {@code GET /policy} tells clients before they hit them. */
public final class Limits {

    /** {@code dma_entry_limit} of VFIO type1: mappings one container may hold (rule 17). */
    public static final int DMA_ENTRY_LIMIT = 65_535;

    private Limits() {
    }
}
