package dev.sva.container;

import dev.sva.core.AddressRange;
import dev.sva.core.KeyedRange;
import dev.sva.core.MappedRange;
import dev.sva.core.Timestamps;
import jakarta.persistence.AttributeOverride;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * {@code [iova, iova + size) → physical} in a container ({@code VFIO_IOMMU_MAP_DMA}), its bounds
 * stored as a {@link KeyedRange}. Immutable: an unmap removes whole mappings.
 */
@Entity
@Table(name = "dma_mapping")
@AttributeOverride(name = "ownerId", column = @Column(name = "container_id", nullable = false))
public class DmaMapping extends MappedRange {

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected DmaMapping() {
    }

    public DmaMapping(long containerId, AddressRange range, long physicalAddress, boolean read, boolean write) {
        super(containerId, range, physicalAddress, read, write);
        this.createdAt = Timestamps.now();
    }

    public long iova() {
        return first();
    }

    public long containerId() {
        return ownerId();
    }
}
