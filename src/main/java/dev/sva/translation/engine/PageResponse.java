package dev.sva.translation.engine;

/**
 * Response to a PCIe page request group, as {@code iommu_sva_handle_mm()} answers it: {@code SUCCESS} when every
 * faulting page lay in a region allowing the access (and was paged in), {@code INVALID} at the first that did not.
 */
public enum PageResponse {
    SUCCESS,
    INVALID
}
