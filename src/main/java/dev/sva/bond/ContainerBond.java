package dev.sva.bond;

import dev.sva.core.SequencedEntity;
import dev.sva.core.Timestamps;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;
import java.time.Instant;

/**
 * An address space bound to a container (the 2018 VFIO {@code VFIO_IOMMU_BIND_PROCESS}): what is
 * replayed onto the devices of a group attached later. Lives until the container unbinds it, the
 * container is deleted or the process exits.
 */
@Entity
@Table(name = "container_bond")
public class ContainerBond extends SequencedEntity {

    @Column(name = "container_id", nullable = false)
    private long containerId;

    @Column(name = "address_space_id", nullable = false)
    private long addressSpaceId;

    @Column(nullable = false)
    private boolean iopf;

    @Column(name = "driver_data")
    private String driverData;

    @Column(name = "created_at", nullable = false)
    private Instant createdAt;

    protected ContainerBond() {
    }

    ContainerBond(long containerId, long addressSpaceId, boolean iopf, String driverData) {
        this.containerId = containerId;
        this.addressSpaceId = addressSpaceId;
        this.iopf = iopf;
        this.driverData = driverData;
        this.createdAt = Timestamps.now();
    }

    public long containerId() {
        return containerId;
    }

    public long addressSpaceId() {
        return addressSpaceId;
    }

    public boolean iopf() {
        return iopf;
    }

    public String driverData() {
        return driverData;
    }

    public Instant createdAt() {
        return createdAt;
    }
}
