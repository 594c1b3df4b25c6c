package dev.sva.node;

import dev.sva.core.JournalCommitHook;
import dev.sva.core.StateChange;
import dev.sva.core.StateChangeCodec;
import dev.sva.core.Timestamps;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Propagation;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The journal (docs/replicas.md): per node, the translation engine's commands of every committed change, in commit
 * order, in table {@code journal}. Every replica's engine is fed only from it.
 *
 * <p>Writers: a change hands its commands to {@link #append} (through {@code EventLog.record}, with the event they
 * come with) inside its transaction, which holds the node's lock. The commands a transaction appends are collected in
 * order and written just before it commits, as one record at the node's next position ({@code node.journal_position},
 * advanced in the locked row like the event seq); then each {@link JournalCommitHook} is told, in {@code @Order},
 * {@code beforeCommit(node, position)}, and after the commit — on the committing thread, still inside the node's gate
 * — {@code afterCommit(node, position)}. A transaction that rolls back writes nothing and tells nobody. A record
 * whose text would exceed {@value #MAX_RECORD_CHARS} characters (a topology import of thousands of devices) is
 * written as several consecutive records of the one transaction; the hooks are told its last position.
 *
 * <p>Readers: {@link #read}, {@link #position}, {@link #lockedPosition} run inside the caller's transaction.
 * The records this process committed last for each node are kept in memory ({@link #committedHere}), so that the
 * local engine applies its own writes without reading them back. Threading: the per-transaction state is bound to
 * the transaction; {@link #lastCommitted} is a concurrent map replaced per node after each commit.
 */
@Component
public class Journal {

    /** Largest text of one record: a transaction with more commands is written as consecutive records. */
    static final int MAX_RECORD_CHARS = 256 * 1024;

    private static final Object PENDING = new Object();

    private final JdbcTemplate jdbc;
    private final NodeRepository nodes;
    private final ObjectProvider<JournalCommitHook> hookProvider;
    private volatile List<JournalCommitHook> hooks;
    /** By node: the records of the last transaction this process committed on it. */
    private final Map<Long, List<Record>> lastCommitted = new ConcurrentHashMap<>();

    Journal(JdbcTemplate jdbc, NodeRepository nodes, ObjectProvider<JournalCommitHook> hooks) {
        this.jdbc = jdbc;
        this.nodes = nodes;
        this.hookProvider = hooks;
    }

    /** One journal record: the engine commands of (part of) one committed transaction on one node. */
    public record Record(long nodeId, long position, List<StateChange> changes) {
    }

    /**
     * Appends {@code changes} to what the current transaction will write to the node's journal when it commits, after
     * the commands it appended before. The caller holds the node's lock.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public void append(Node node, StateChange... changes) {
        append(node.id(), Arrays.asList(changes));
    }

    /** As {@link #append(Node, StateChange...)}, by node id. */
    @Transactional(propagation = Propagation.MANDATORY)
    public void append(long nodeId, List<? extends StateChange> changes) {
        if (changes.isEmpty()) {
            return;
        }
        pending().computeIfAbsent(nodeId, id -> new ArrayList<>()).addAll(changes);
    }

    @SuppressWarnings("unchecked")
    private Map<Long, List<StateChange>> pending() {
        Map<Long, List<StateChange>> pending = (Map<Long, List<StateChange>>) TransactionSynchronizationManager.getResource(PENDING);
        if (pending != null) {
            return pending;
        }
        Map<Long, List<StateChange>> fresh = new LinkedHashMap<>();
        Map<Long, List<Record>> written = new LinkedHashMap<>();
        TransactionSynchronizationManager.bindResource(PENDING, fresh);
        TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
            @Override
            public void beforeCommit(boolean readOnly) {
                for (Map.Entry<Long, List<StateChange>> e : fresh.entrySet()) {
                    List<Record> records = write(e.getKey(), e.getValue());
                    written.put(e.getKey(), records);
                    long last = records.get(records.size() - 1).position();
                    for (JournalCommitHook hook : hooks()) {
                        hook.beforeCommit(e.getKey(), last);
                    }
                }
            }

            @Override
            public void afterCommit() {
                written.forEach(lastCommitted::put);
                for (Map.Entry<Long, List<Record>> e : written.entrySet()) {
                    long last = e.getValue().get(e.getValue().size() - 1).position();
                    for (JournalCommitHook hook : hooks()) {
                        hook.afterCommit(e.getKey(), last);
                    }
                }
            }

            @Override
            public void afterCompletion(int status) {
                TransactionSynchronizationManager.unbindResourceIfPossible(PENDING);
            }
        });
        return fresh;
    }

    /** Writes the node's commands as its next record(s), in the locked row's transaction; answers them. */
    private List<Record> write(long nodeId, List<StateChange> changes) {
        List<List<StateChange>> parts = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        StringBuilder text = new StringBuilder("[");
        int from = 0;
        for (int i = 0; i < changes.size(); i++) {
            String command = StateChangeCodec.encodeCommand(changes.get(i));
            if (i > from && text.length() + command.length() + 1 > MAX_RECORD_CHARS) {
                parts.add(changes.subList(from, i));
                texts.add(text.append(']').toString());
                text = new StringBuilder("[");
                from = i;
            }
            text.append(i > from ? "," : "").append(command);
        }
        parts.add(changes.subList(from, changes.size()));
        texts.add(text.append(']').toString());
        nodes.advanceJournalPosition(nodeId, parts.size());
        long last = nodes.journalPosition(nodeId).orElseThrow(() -> new IllegalStateException("node " + nodeId + " vanished"));
        OffsetDateTime at = OffsetDateTime.ofInstant(Timestamps.now(), ZoneOffset.UTC);
        long first = last - parts.size() + 1;
        List<Object[]> rows = new ArrayList<>(parts.size());
        List<Record> records = new ArrayList<>(parts.size());
        for (int i = 0; i < parts.size(); i++) {
            rows.add(new Object[]{nodeId, first + i, at, texts.get(i)});
            records.add(new Record(nodeId, first + i, List.copyOf(parts.get(i))));
        }
        jdbc.batchUpdate("insert into journal (node_id, position, committed_at, changes) values (?, ?, ?, ?)", rows);
        return records;
    }

    private List<JournalCommitHook> hooks() {
        List<JournalCommitHook> h = hooks;
        if (h == null) {
            h = hookProvider.orderedStream().toList();
            hooks = h;
        }
        return h;
    }

    /**
     * The record at {@code position} of the node if this process committed it in the node's last transaction here
     * (so it needs no read from the database), else {@code null}.
     */
    public Record committedHere(long nodeId, long position) {
        List<Record> last = lastCommitted.get(nodeId);
        if (last == null) {
            return null;
        }
        long first = last.get(0).position();
        return position >= first && position < first + last.size() ? last.get((int) (position - first)) : null;
    }

    /**
     * The node's records with {@code after < position <= upTo}, in position order, at most {@code limit}; inside the
     * caller's transaction. A caller that finds the first one is not {@code after + 1} knows the ones between were
     * pruned.
     */
    @Transactional(propagation = Propagation.MANDATORY, readOnly = true)
    public List<Record> read(long nodeId, long after, long upTo, int limit) {
        return jdbc.query("select position, changes from journal where node_id = ? and position > ? and position <= ?"
                        + " order by position limit ?",
                (rs, i) -> new Record(nodeId, rs.getLong(1), StateChangeCodec.decode(rs.getString(2))),
                nodeId, after, upTo, limit);
    }

    /** The position of the node's last record as the database holds it now (0: none, or no such node). */
    @Transactional(propagation = Propagation.MANDATORY, readOnly = true)
    public long position(long nodeId) {
        return nodes.journalPosition(nodeId).orElse(0L);
    }

    /** Every node's last position, by node id. */
    @Transactional(propagation = Propagation.MANDATORY, readOnly = true)
    public Map<Long, Long> positions() {
        Map<Long, Long> out = new LinkedHashMap<>();
        jdbc.query("select id, journal_position from node order by id", rs -> {
            out.put(rs.getLong(1), rs.getLong(2));
        });
        return out;
    }

    /**
     * Locks the node's row for the rest of the caller's transaction (as a change does, without the gate: no change
     * of the node can commit until it ends, on any replica) and answers its last position; empty when there is no
     * such node.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public java.util.Optional<Long> lockedPosition(long nodeId) {
        if (nodes.lockRow(nodeId).isEmpty()) {
            return java.util.Optional.empty();
        }
        return nodes.journalPosition(nodeId);
    }

    /**
     * Deletes every record that is older than {@code before} and not among the newest {@code keep} of its node;
     * answers how many went. A follower behind what is left reloads the node from a snapshot.
     */
    @Transactional(propagation = Propagation.MANDATORY)
    public int prune(long keep, Instant before) {
        return jdbc.update("delete from journal where committed_at < ? and position <= "
                        + "(select n.journal_position from node n where n.id = journal.node_id) - ?",
                OffsetDateTime.ofInstant(before, ZoneOffset.UTC), keep);
    }
}
