package dev.sva.device;

import dev.sva.core.Ids;
import dev.sva.core.NodeEntity;
import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Table;

/**
 * An IOMMU group ({@code struct iommu_group}). Invariant: attached to at most one container
 * (rule 7); written only under its node's lock.
 */
@Entity
@Table(name = "iommu_group")
public class IommuGroup extends NodeEntity {

    @Column(name = "container_id")
    private Long containerId;

    /** The tenant the group is allocated to, whole; {@code null} while unallocated (rule 19). */
    private String tenant;

    protected IommuGroup() {
    }

    public IommuGroup(long nodeId) {
        super(nodeId);
    }

    /**
     * Attaches this group to {@code container}; {@code 409 GROUP_IN_USE} when another container holds
     * it ({@code VFIO_GROUP_SET_CONTAINER} answers {@code -EINVAL}). Returns false when already
     * attached to this one.
     */
    boolean attachTo(long container) {
        if (containerId != null) {
            if (containerId == container) {
                return false;
            }
            throw new ProblemException(ProblemType.GROUP_IN_USE, "group " + publicId() + " is attached to container "
                    + Ids.CONTAINER.format(containerId))
                    .with("groupId", publicId())
                    .with("containerId", Ids.CONTAINER.format(containerId));
        }
        containerId = container;
        return true;
    }

    void detach() {
        containerId = null;
    }

    public String tenant() {
        return tenant;
    }

    public boolean isAllocated() {
        return tenant != null;
    }

    /** Allocates the group to {@code tenant}, or releases it ({@code null}); the caller checked the rules. */
    public void allocateTo(String tenant) {
        this.tenant = tenant;
    }

    public String publicId() {
        return Ids.GROUP.format(id());
    }

    public Long containerId() {
        return containerId;
    }

    public boolean isAttached() {
        return containerId != null;
    }
}
