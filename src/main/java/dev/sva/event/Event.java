package dev.sva.event;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;

/** One recorded change of a node. Immutable once written. */
@Entity
@Table(name = "event")
@IdClass(Event.Key.class)
public class Event {

    public record Key(long nodeId, long seq) implements Serializable {
        public Key() {
            this(0, 0);
        }
    }

    @Id
    @Column(name = "node_id")
    private long nodeId;

    @Id
    private long seq;

    @Column(name = "occurred_at", nullable = false)
    private Instant time;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false)
    private EventType type;

    @Column(name = "subject_kind", nullable = false)
    private String subjectKind;

    @Column(name = "subject_id", nullable = false)
    private String subjectId;

    @Column(nullable = false)
    private String data;

    @Column(name = "actor_subject", nullable = false)
    private String actorSubject;

    @Column(name = "actor_role")
    private String actorRole;

    @Column(name = "actor_tenant")
    private String actorTenant;

    /** The tenant whose object the event is about, fixed when it is written; {@code null}: no tenant's. */
    private String tenant;

    protected Event() {
    }

    Event(long nodeId, long seq, Instant time, EventType type, String subjectKind, String subjectId, String data,
          String actorSubject, String actorRole, String actorTenant, String tenant) {
        this.tenant = tenant;
        this.nodeId = nodeId;
        this.seq = seq;
        this.time = time;
        this.type = type;
        this.subjectKind = subjectKind;
        this.subjectId = subjectId;
        this.data = data;
        this.actorSubject = actorSubject;
        this.actorRole = actorRole;
        this.actorTenant = actorTenant;
    }

    public long nodeId() {
        return nodeId;
    }

    public long seq() {
        return seq;
    }

    public Instant time() {
        return time;
    }

    public EventType type() {
        return type;
    }

    public String subjectKind() {
        return subjectKind;
    }

    public String subjectId() {
        return subjectId;
    }

    /** Who made the change: a token's subject, or {@code system} for the service's own work. */
    public String actorSubject() {
        return actorSubject;
    }

    /** The actor's role scope ({@code sva:admin}, ...), {@code null} for {@code system}. */
    public String actorRole() {
        return actorRole;
    }

    /** The actor's tenant, when its role has one. */
    public String actorTenant() {
        return actorTenant;
    }

    /** The event's {@code data} object as JSON text. */
    public String data() {
        return data;
    }
}
