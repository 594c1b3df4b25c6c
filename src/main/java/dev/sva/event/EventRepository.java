package dev.sva.event;

import java.util.List;
import org.springframework.data.domain.Pageable;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;

interface EventRepository extends JpaRepository<Event, Event.Key> {

    /** Events after a seq; about objects of {@code tenant} only, unless it is {@code null}. */
    @Query("select e from Event e where e.nodeId = :nodeId and e.seq > :after and (:tenant is null or e.tenant = :tenant) order by e.seq")
    List<Event> after(long nodeId, long after, String tenant, Pageable pageable);

    @Query("""
            select e from Event e where e.nodeId = :nodeId and e.seq > :after and e.type in :types
              and (:tenant is null or e.tenant = :tenant) order by e.seq""")
    List<Event> afterOfTypes(long nodeId, long after, java.util.Collection<EventType> types, String tenant, Pageable pageable);

    @Query("select min(e.seq) from Event e where e.nodeId = :nodeId")
    Long oldestSeq(long nodeId);

    @Modifying
    @Query("delete from Event e where e.time < :before")
    int deleteOlderThan(java.time.Instant before);

    @Modifying
    @Query("delete from Event e where e.nodeId = :nodeId and e.seq < :seq")
    int deleteBefore(long nodeId, long seq);
}
