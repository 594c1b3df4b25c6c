package dev.sva.core;

import org.springframework.http.HttpStatus;

/**
 * The catalogue of every error the API answers: stable {@code code}, HTTP status, and the errno a
 * kernel would return for the same misuse. One place, like the "General ioctl format" section of
 * {@code include/uapi/linux/iommufd.h}; {@link ProblemHandler} is the only place that renders them.
 */
public enum ProblemType {
    VALIDATION_FAILED(HttpStatus.BAD_REQUEST, "EINVAL", "Request is not valid"),
    NOT_FOUND(HttpStatus.NOT_FOUND, "ENOENT", "No such object"),
    /** No bearer token, or one that is not valid (signature, time, issuer, audience, claim types). */
    UNAUTHENTICATED(HttpStatus.UNAUTHORIZED, "EACCES", "Authentication required"),
    /** A valid token whose role may not make this request; {@code scope} names the scopes that may. */
    FORBIDDEN(HttpStatus.FORBIDDEN, "EPERM", "Not permitted for this role"),
    METHOD_NOT_ALLOWED(HttpStatus.METHOD_NOT_ALLOWED, "EINVAL", "Method not allowed"),
    NOT_ACCEPTABLE(HttpStatus.NOT_ACCEPTABLE, "EINVAL", "Not acceptable"),
    UNSUPPORTED_MEDIA_TYPE(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "EINVAL", "Unsupported media type"),
    /** A body past {@code sva.limits.max-body-size}: like an ioctl argument larger than the kernel reads (E2BIG). */
    PAYLOAD_TOO_LARGE(HttpStatus.CONTENT_TOO_LARGE, "E2BIG", "Request body too large"),
    DUPLICATE(HttpStatus.CONFLICT, "EEXIST", "Already exists"),
    CROSS_NODE(HttpStatus.UNPROCESSABLE_CONTENT, "EXDEV", "Objects belong to different nodes"),
    GROUP_OWNED(HttpStatus.CONFLICT, "EBUSY", "Group is owned by a container"),
    GROUP_BUSY(HttpStatus.CONFLICT, "EBUSY", "Group still has devices"),
    GROUP_NOT_VIABLE(HttpStatus.CONFLICT, "EPERM", "Group is not viable"),
    GROUP_IN_USE(HttpStatus.CONFLICT, "EINVAL", "Group is attached to another container"),
    /** A group allocated to one tenant meeting another's container or address space, or an admin's (rule 20). */
    GROUP_NOT_ALLOCATED(HttpStatus.CONFLICT, "EPERM", "Group is not allocated to this tenant"),
    TOPOLOGY_MANAGED(HttpStatus.CONFLICT, "EBUSY", "Node's groups come from its topology"),
    GROUP_NOT_SINGLETON(HttpStatus.CONFLICT, "EINVAL", "Device shares its IOMMU group"),
    UNSAFE_GROUP_BIND(HttpStatus.CONFLICT, "EINVAL", "Binding would cover a multi-device group"),
    CONTAINER_EMPTY(HttpStatus.CONFLICT, "EINVAL", "Container has no device"),
    BOND_OF_CONTAINER(HttpStatus.CONFLICT, "EBUSY", "Bond belongs to a container bind; unbind the container"),
    SVA_UNSUPPORTED(HttpStatus.UNPROCESSABLE_CONTENT, "EOPNOTSUPP", "Device cannot take a PASID"),
    IOPF_UNSUPPORTED(HttpStatus.UNPROCESSABLE_CONTENT, "EINVAL", "Device cannot take I/O page faults"),
    PASID_OUT_OF_RANGE(HttpStatus.CONFLICT, "EOVERFLOW", "PASID does not fit the device"),
    PASID_EXHAUSTED(HttpStatus.CONFLICT, "ENOSPC", "No free PASID"),
    OUT_OF_RANGE(HttpStatus.UNPROCESSABLE_CONTENT, "EINVAL", "Address beyond the node's width"),
    MAPPING_OVERLAP(HttpStatus.CONFLICT, "EEXIST", "Range overlaps an existing mapping"),
    MAPPING_LIMIT(HttpStatus.CONFLICT, "ENOSPC", "Too many mappings"),
    MAPPING_SPLIT(HttpStatus.CONFLICT, "EINVAL", "Range would split a mapping"),
    EVENTS_EXPIRED(HttpStatus.GONE, "ENOENT", "Events no longer kept"),
    CONFLICT(HttpStatus.CONFLICT, "EBUSY", "Conflicts with the current state"),
    BUSY(HttpStatus.SERVICE_UNAVAILABLE, "EAGAIN", "Node is busy, retry"),
    DATABASE_UNAVAILABLE(HttpStatus.SERVICE_UNAVAILABLE, "EAGAIN", "Database unavailable, retry"),
    /**
     * A DMA this replica may not answer: it cannot prove its engine holds every acknowledged change (it lost
     * its database or its change feed, fell behind, or is still catching up after a start). It has fenced
     * itself; another replica answers, or this one once it has caught up (docs/replicas.md).
     */
    REPLICA_NOT_CURRENT(HttpStatus.SERVICE_UNAVAILABLE, "EAGAIN", "Replica is not current, retry"),
    /**
     * The change collided with an event already in the node's log: the node's stored event counter was
     * behind its log (a database written by an older version). Nothing was changed, the counter has
     * been healed, and a retry goes through.
     */
    EVENT_LOG_REPAIRED(HttpStatus.SERVICE_UNAVAILABLE, "EAGAIN", "Node's event log was repaired, retry"),
    /**
     * One client holds {@code sva.events.max-clients-per-address} streams already: the per-process
     * open-file limit (EMFILE), where the service-wide limit is {@link #BUSY}.
     */
    TOO_MANY_STREAMS(HttpStatus.TOO_MANY_REQUESTS, "EMFILE", "Too many event streams from this client"),
    INTERNAL(HttpStatus.INTERNAL_SERVER_ERROR, "EIO", "Internal error");

    private final HttpStatus status;
    private final String errno;
    private final String title;

    ProblemType(HttpStatus status, String errno, String title) {
        this.status = status;
        this.errno = errno;
        this.title = title;
    }

    public HttpStatus status() {
        return status;
    }

    /** The kernel's analogue, unless an instance names a more precise one. */
    public String errno() {
        return errno;
    }

    public String title() {
        return title;
    }

    /** The problem's {@code type} URI. */
    public String uri() {
        return "urn:sva:problem:" + name();
    }
}
