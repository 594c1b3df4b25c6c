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

    protected Event() {
    }

    Event(long nodeId, long seq, Instant time, EventType type, String subjectKind, String subjectId, String data) {
        this.nodeId = nodeId;
        this.seq = seq;
        this.time = time;
        this.type = type;
        this.subjectKind = subjectKind;
        this.subjectId = subjectId;
        this.data = data;
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

    /** The event's {@code data} object as JSON text. */
    public String data() {
        return data;
    }
}
