package dev.sva.container;

import dev.sva.core.AddressRange;
import dev.sva.core.Timestamps;
import dev.sva.core.KeyedRange;
import jakarta.persistence.Column;
import jakarta.persistence.Embedded;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * {@code [iova, iova + size) → physical} in a container ({@code VFIO_IOMMU_MAP_DMA}), its bounds
 * stored as a {@link KeyedRange}. Immutable: an unmap removes whole mappings.
 */
@Entity
@Table(name = "dma_mapping")
public class DmaMapping {

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "dma_mapping_seq")
    @SequenceGenerator(name = "dma_mapping_seq", sequenceName = "dma_mapping_seq", allocationSize = 50)
    private Long id;

    @Column(name = "container_id", nullable = false)
    private long containerId;

    @Embedded
    private KeyedRange range;

    @Column(name = "physical_address", nullable = false)
    private long physicalAddress;

    @Column(name = "can_read", nullable = false)
    private boolean read;

    @Column(name = "can_write", nullable = false)
    private boolean write;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected DmaMapping() {
    }

    public DmaMapping(long containerId, AddressRange range, long physicalAddress, boolean read, boolean write) {
        this.containerId = containerId;
        this.range = new KeyedRange(range);
        this.physicalAddress = physicalAddress;
        this.read = read;
        this.write = write;
        this.createdAt = Timestamps.now();
    }

    public AddressRange range() {
        return range.range();
    }

    public long iova() {
        return range.first();
    }

    public long size() {
        return range.size();
    }

    public long containerId() {
        return containerId;
    }

    public long physicalAddress() {
        return physicalAddress;
    }

    public boolean read() {
        return read;
    }

    public boolean write() {
        return write;
    }
}
