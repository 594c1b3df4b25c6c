/**
 * VFIO-style containers (an iommufd IOAS): the groups attached to them and the IOVA→physical DMA
 * mappings all their devices share, under the VFIO type1 v2 / iommufd rules (4 KiB granularity, no
 * overlap, no split on unmap, 65,535 entries).
 */
package dev.sva.container;
