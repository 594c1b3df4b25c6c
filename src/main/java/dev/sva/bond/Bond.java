package dev.sva.bond;

import dev.sva.core.Ids;
import dev.sva.core.NodeEntity;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/**
 * A device bound to an address space. Invariants: one bond per (device, address space) (rule 10, a
 * unique constraint); {@code pasid} is the address space's PASID and fits the device; written only
 * under the node's lock.
 */
@Entity
@Table(name = "bond")
public class Bond extends NodeEntity {

    @Column(name = "device_id", nullable = false)
    private long deviceId;

    @Column(name = "address_space_id", nullable = false)
    private long addressSpaceId;

    @Column(name = "container_id")
    private Long containerId;

    @Column(nullable = false)
    private int pasid;

    @Column(nullable = false)
    private boolean iopf;

    @Column(name = "driver_data")
    private String driverData;

    /** Its address space's tenant, copied at bind time (an address space's tenant never changes). */
    private String tenant;

    protected Bond() {
    }

    Bond(long nodeId, long deviceId, long addressSpaceId, Long containerId, int pasid, boolean iopf, String driverData,
         String tenant) {
        super(nodeId);
        this.tenant = tenant;
        this.deviceId = deviceId;
        this.addressSpaceId = addressSpaceId;
        this.containerId = containerId;
        this.pasid = pasid;
        this.iopf = iopf;
        this.driverData = driverData;
    }

    /** A container bind covering a device already bound to the address space takes the bond over. */
    void adoptBy(long container) {
        this.containerId = container;
    }

    public String publicId() {
        return Ids.BOND.format(id());
    }

    public long deviceId() {
        return deviceId;
    }

    public long addressSpaceId() {
        return addressSpaceId;
    }

    public Long containerId() {
        return containerId;
    }

    public int pasid() {
        return pasid;
    }

    public boolean iopf() {
        return iopf;
    }

    public String driverData() {
        return driverData;
    }

    public String tenant() {
        return tenant;
    }
}
