package dev.sva.container;

import dev.sva.core.Ids;
import dev.sva.core.NodeEntity;
import dev.sva.core.RangeRules;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/**
 * A VFIO container / iommufd IOAS. Written only under its node's lock; {@code mappingCount} always
 * equals the number of its {@code dma_mapping} rows, changed in the transaction that adds or removes them.
 */
@Entity
@Table(name = "container")
public class Container extends NodeEntity {

    private String name;

    /** The tenant that made it; {@code null}: made by an admin, no tenant's. Never changes. */
    private String tenant;

    /** How many mappings the container holds: kept with them under the node lock (dma_entry_limit, rule 17). */
    @Column(name = "mapping_count", nullable = false)
    private int mappingCount;

    protected Container() {
    }

    public Container(long nodeId, String name, String tenant) {
        super(nodeId);
        this.name = name;
        this.tenant = tenant;
    }

    public String publicId() {
        return Ids.CONTAINER.format(id());
    }

    public String name() {
        return name;
    }

    public int mappingCount() {
        return mappingCount;
    }

    /** Counts mappings added ({@code delta > 0}) or removed; only with the rows, under the node lock. */
    void countMappings(int delta) {
        mappingCount = RangeRules.counted(mappingCount, delta, "container " + publicId(), "mappings");
    }

    public String tenant() {
        return tenant;
    }
}
