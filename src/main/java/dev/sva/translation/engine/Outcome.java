package dev.sva.translation.engine;

/** What happened to one DMA request. */
public enum Outcome {
    /** The IOMMU translated every byte of the access. */
    TRANSLATED,
    /** The fabric delivered the access to a BAR of a peer in the requester's group; the IOMMU never saw it. */
    PEER_TO_PEER,
    /** The IOMMU (or the absence of a requester context) refused the access. */
    FAULT
}
