package dev.sva.addressspace;

import dev.sva.core.Ids;
import dev.sva.core.NodeEntity;
import dev.sva.core.RangeRules;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/**
 * A live process. Invariants: its PASID, once allocated, never changes while it lives and is unique
 * on its node (rule 8; a unique constraint backs the node lock); written only under the node's lock.
 */
@Entity
@Table(name = "address_space")
public class AddressSpace extends NodeEntity {

    @Column(nullable = false)
    private int pid;

    private String name;

    private Integer pasid;

    /** The tenant that made it; {@code null}: made by an admin, no tenant's. Never changes. */
    private String tenant;

    /** How many regions the process holds: kept with them under the node lock, for the region limit. */
    @Column(name = "region_count", nullable = false)
    private int regionCount;

    protected AddressSpace() {
    }

    public AddressSpace(long nodeId, int pid, String name, String tenant) {
        super(nodeId);
        this.tenant = tenant;
        this.pid = pid;
        this.name = name;
    }

    /** Gives this address space its PASID; it keeps it until it exits. */
    void assignPasid(int pasid) {
        if (this.pasid != null) {
            throw new IllegalStateException("address space " + publicId() + " already has PASID " + this.pasid);
        }
        this.pasid = pasid;
    }

    public String publicId() {
        return Ids.ADDRESS_SPACE.format(id());
    }

    public int pid() {
        return pid;
    }

    public String name() {
        return name;
    }

    public Integer pasid() {
        return pasid;
    }

    public int regionCount() {
        return regionCount;
    }

    /** Counts regions added ({@code delta > 0}) or removed; only with the rows, under the node lock. */
    void countRegions(int delta) {
        regionCount = RangeRules.counted(regionCount, delta, "address space " + publicId(), "regions");
    }

    public String tenant() {
        return tenant;
    }
}
