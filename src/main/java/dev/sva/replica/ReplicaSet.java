package dev.sva.replica;

import com.zaxxer.hikari.HikariDataSource;
import dev.sva.core.DmaAdmission;
import dev.sva.core.JournalFollower;
import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import java.net.InetAddress;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * This process as a member of the replica set (docs/replicas.md, "Replicas"). Alone (H2, or
 * {@code sva.replicas.enabled=false}) it does nothing and admits every DMA.
 *
 * <p>On PostgreSQL one thread, the listener, owns a dedicated connection (not from the pool): it
 * {@code LISTEN}s on the journal's wake-ups and the replicas' acknowledgements, and renews the lease on
 * that same connection every {@code sva.replicas.heartbeat}, so a renewal proves the connection that
 * delivers the wake-ups is up. It renews only while the replica is current: not past its local fence
 * time, and every node's journal position read at the previous renewal applied. The wake-ups of other
 * replicas' writes are handed to a second thread, the applier, which catches the node up through the
 * {@link JournalFollower} and then acknowledges ({@code sva_applied}).
 *
 * <p>Joining (at start, after a lost connection, or once the lease may have lapsed): the listener
 * {@code LISTEN}s first, then marks the row ready with a fresh lease, and only then reads the positions
 * to catch up to and catches up — so a write committed before the join is in what it reads, and one
 * committed after it waits for this replica's acknowledgement. Until then, and whenever the local
 * monotonic clock passes (time the last renewal was sent + lease - margin), DMA is answered
 * {@code 503 REPLICA_NOT_CURRENT}: the replica fences itself before the database deems its lease
 * expired and writers stop waiting for it.
 *
 * <p>Threading: the state the request threads read ({@link #fenceAt}, {@link #current}, {@link #epoch},
 * {@link #listening}) is volatile and written by the listener thread only; {@link #pending} is guarded
 * by itself.
 */
@Component
public class ReplicaSet implements DmaAdmission, SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(ReplicaSet.class);

    static final String JOURNAL = "sva_journal";
    static final String APPLIED = "sva_applied";
    /** The channel's name in this connection's schema: the base name in {@code public}, else suffixed with it. */
    static final String CHANNEL_SQL = "(? || case when current_schema() = 'public' then '' else ':' || current_schema() end)";
    /** Acknowledgement payloads stay below PostgreSQL's 8000 bytes. */
    private static final int MAX_PAYLOAD = 7000;

    private final ReplicaProperties properties;
    private final DataSource dataSource;
    private final ObjectProvider<JournalFollower> followers;
    private final boolean enabled;
    private final String id;
    private final String host;
    private final Acks acks = new Acks();

    /** Joined, caught up, and {@link #fenceAt} is meaningful. */
    private volatile boolean current;
    /** Monotonic time (System.nanoTime) from which this replica fences itself unless renewed. */
    private volatile long fenceAt;
    /** Whether the listener connection is up and listening. */
    private volatile boolean listening;
    /** Counts listener connections: a writer that saw it change re-announces what it waits for. */
    private volatile int epoch;
    /** Since when (System.nanoTime) the listener is down; meaningful while {@link #listening} is false. */
    private volatile long downSince = System.nanoTime();
    /** Why the replica is not current, for readiness and logs. */
    private volatile String notCurrentBecause = "starting";

    private final Map<Long, Long> pending = new HashMap<>();
    private volatile boolean running;
    private volatile Thread listener;
    private volatile Thread applier;
    private volatile Connection connection;
    private volatile String journalChannel;
    private volatile String appliedChannel;
    private JournalFollower follower;
    private Map<Long, Long> positionsAtLastRenewal = Map.of();
    private int beats;

    ReplicaSet(ReplicaProperties properties, DataSource dataSource, ObjectProvider<JournalFollower> followers, Environment env) {
        this.properties = properties;
        this.dataSource = dataSource;
        this.followers = followers;
        boolean postgres = env.getProperty("spring.datasource.url", "").startsWith("jdbc:postgresql:");
        if (Boolean.TRUE.equals(properties.enabled()) && !postgres) {
            throw new IllegalStateException("sva.replicas.enabled=true needs PostgreSQL: the embedded H2 database serves "
                    + "one process (README, \"Several replicas\")");
        }
        this.enabled = properties.enabled() == null ? postgres : properties.enabled();
        this.id = "r-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        this.host = hostName() + ":" + env.getProperty("local.server.port", env.getProperty("server.port", "?"));
    }

    /** Whether this process is one of a replica set (PostgreSQL) rather than alone. */
    public boolean enabled() {
        return enabled;
    }

    /** This process's replica id, the key of its {@code replica} row. */
    public String id() {
        return id;
    }

    /** Whether DMA may be answered now: alone, or joined, caught up, and within the lease. */
    public boolean current() {
        return !enabled || (current && System.nanoTime() - fenceAt < 0);
    }

    /** Why the replica is not current ({@code null} when it is). */
    public String notCurrentBecause() {
        if (current()) {
            return null;
        }
        return current ? "lease not renewed in time" : notCurrentBecause;
    }

    boolean listening() {
        return listening;
    }

    int epoch() {
        return epoch;
    }

    /** How long the listener has been down (0 while it is up). */
    long listenerDownNanos() {
        return listening ? 0 : System.nanoTime() - downSince;
    }

    Acks acks() {
        return acks;
    }

    ReplicaProperties properties() {
        return properties;
    }

    @Override
    public void admit(long nodeId) {
        if (!current()) {
            throw new ProblemException(ProblemType.REPLICA_NOT_CURRENT, "this replica cannot prove it holds every "
                    + "acknowledged change (" + notCurrentBecause() + "); retry, here or on another replica");
        }
    }

    // ---- lifecycle ----

    /** Before the web server starts (and stops after it): the start waits for the first join. */
    @Override
    public int getPhase() {
        return 0;
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public void start() {
        running = true;
        if (!enabled) {
            return;
        }
        follower = followers.getIfAvailable();
        if (follower == null) {
            throw new IllegalStateException("replicas need a journal follower (translation engine fed from the journal)");
        }
        register();
        applier = daemon("sva-replica-applier", this::applyLoop);
        listener = daemon("sva-replica-listener", this::listenLoop);
        long until = System.nanoTime() + properties.startWait().toNanos();
        while (!current() && System.nanoTime() - until < 0) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (current()) {
            log.info("replica {} joined the replica set and caught up", id);
        } else {
            log.warn("replica {} has not caught up yet ({}): it answers DMA 503 REPLICA_NOT_CURRENT and readiness "
                    + "OUT_OF_SERVICE until it has", id, notCurrentBecause);
        }
    }

    @Override
    public void stop() {
        if (!running) {
            return;
        }
        running = false;
        current = false;
        notCurrentBecause = "stopping";
        if (!enabled) {
            return;
        }
        for (Thread t : new Thread[]{listener, applier}) {
            if (t != null) {
                t.interrupt();
            }
        }
        closeQuietly(connection);
        // writers stop waiting for this replica at once rather than when its lease expires
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement("DELETE FROM replica WHERE id = ?")) {
            s.setString(1, id);
            s.executeUpdate();
        } catch (SQLException | RuntimeException e) {
            log.warn("replica {} could not remove its row ({}); its lease expires by itself", id, e.toString());
        }
        for (Thread t : new Thread[]{listener, applier}) {
            if (t != null) {
                try {
                    t.join(2000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    /** The row, not ready yet: it shows the replica starting; writers wait only for ready rows. */
    private void register() {
        try (Connection c = dataSource.getConnection(); PreparedStatement s = c.prepareStatement(
                "INSERT INTO replica (id, host, started_at, lease_until, ready) VALUES (?, ?, now(), now(), false)")) {
            s.setString(1, id);
            s.setString(2, host);
            s.executeUpdate();
        } catch (SQLException e) {
            log.warn("replica {} could not register yet: {}", id, e.toString());
        }
    }

    // ---- the listener thread: wake-ups, acknowledgements, lease ----

    private void listenLoop() {
        long backoff = 50;
        boolean failing = false;
        while (running) {
            try (Connection c = connect()) {
                connection = c;
                PGConnection pg = c.unwrap(PGConnection.class);
                listen(c);
                listening = true;
                epoch++;
                acks.signal();
                backoff = 50;
                join(c);
                if (failing) {
                    log.info("replica {}: listener connection back", id);
                    failing = false;
                }
                long nextBeat = System.nanoTime() + properties.heartbeat().toNanos();
                while (running) {
                    long wait = Math.max(1, (nextBeat - System.nanoTime()) / 1_000_000);
                    PGNotification[] ns = pg.getNotifications((int) Math.min(wait, Integer.MAX_VALUE));
                    if (ns != null && ns.length > 0) {
                        dispatch(ns);
                    }
                    if (System.nanoTime() - nextBeat >= 0) {
                        nextBeat = System.nanoTime() + properties.heartbeat().toNanos();
                        heartbeat(c);
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (running && !failing) {
                    log.warn("replica {}: listener connection lost or refused ({}); fenced until it has reconnected and "
                            + "caught up", id, e.toString());
                } else if (running) {
                    log.debug("replica {}: listener connection still refused: {}", id, e.toString());
                }
                failing = true;
            } finally {
                connection = null;
                if (listening) {
                    downSince = System.nanoTime();
                }
                listening = false;
                current = false;
                notCurrentBecause = "no connection to the journal's notifications";
                acks.signal();
            }
            sleep(backoff);
            backoff = Math.min(backoff * 2, properties.heartbeat().toMillis());
        }
    }

    /** A connection of its own (not the pool's), with the pool's settings and a socket timeout of a lease. */
    private Connection connect() throws SQLException {
        HikariDataSource pool = dataSource.unwrap(HikariDataSource.class);
        Properties props = new Properties();
        props.putAll(pool.getDataSourceProperties());
        if (pool.getUsername() != null) {
            props.setProperty("user", pool.getUsername());
        }
        if (pool.getPassword() != null) {
            props.setProperty("password", pool.getPassword());
        }
        long leaseSeconds = Math.max(1, properties.lease().toSeconds());
        props.setProperty("socketTimeout", Long.toString(leaseSeconds));
        props.setProperty("connectTimeout", Long.toString(leaseSeconds));
        props.setProperty("tcpKeepAlive", "true");
        props.setProperty("ApplicationName", "sva-replica-" + id);
        Connection c = DriverManager.getConnection(pool.getJdbcUrl(), props);
        c.setAutoCommit(true);
        return c;
    }

    private void listen(Connection c) throws SQLException {
        journalChannel = channel(c, JOURNAL);
        appliedChannel = channel(c, APPLIED);
        try (Statement s = c.createStatement()) {
            s.execute("LISTEN \"" + journalChannel.replace("\"", "\"\"") + "\"");
            s.execute("LISTEN \"" + appliedChannel.replace("\"", "\"\"") + "\"");
        }
    }

    private static String channel(Connection c, String base) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT " + CHANNEL_SQL)) {
            s.setString(1, base);
            try (ResultSet rs = s.executeQuery()) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    private void dispatch(PGNotification[] ns) {
        boolean acked = false;
        for (PGNotification n : ns) {
            String[] parts = n.getParameter().split(":");
            try {
                if (n.getName().equals(journalChannel) && parts.length == 3) {
                    // node:position:replica — another replica's commit; this one's own engine was fed by its writer
                    if (!parts[2].equals(id)) {
                        enqueue(Long.parseLong(parts[0]), Long.parseLong(parts[1]));
                    }
                } else if (n.getName().equals(appliedChannel)) {
                    // replica:node:position[,node:position]...
                    int colon = n.getParameter().indexOf(':');
                    String replica = n.getParameter().substring(0, colon);
                    if (!replica.equals(id)) {
                        for (String np : n.getParameter().substring(colon + 1).split(",")) {
                            int c = np.indexOf(':');
                            acks.record(replica, Long.parseLong(np.substring(0, c)), Long.parseLong(np.substring(c + 1)));
                        }
                        acked = true;
                    }
                }
            } catch (RuntimeException e) {
                log.warn("replica {}: ignoring a malformed notification on {}: {}", id, n.getName(), n.getParameter());
            }
        }
        if (acked) {
            acks.signal();
        }
    }

    /**
     * Renews the lease if this replica is still current; joins again if it may have lapsed. Not renewing
     * is how a replica that cannot keep up leaves the writers' waits: its lease expires.
     */
    private void heartbeat(Connection c) throws SQLException {
        if (++beats % 10 == 0) {
            forgetStale(c);
        }
        // taken before the check: a pause between the check and the renewal leaves the replica fenced (its fence
        // time counts from here), never unfenced by a renewal of a lease that lapsed during the pause
        long sent = System.nanoTime();
        if (!current || sent - fenceAt >= 0) {
            join(c);
            return;
        }
        String behind = behind(positionsAtLastRenewal);
        if (behind != null) {
            log.warn("replica {} is behind ({}): not renewing its lease; it fences itself and joins again", id, behind);
            return;
        }
        if (renew(c) == 0) {
            log.warn("replica {}: its row was removed (deemed stale); joining again", id);
            join(c);
            return;
        }
        if (System.nanoTime() - fenceAt >= 0) {
            // the renewal landed after the old lease may have expired in the database: a writer may have stopped
            // waiting for this replica meanwhile, so it catches up (joins) before it answers again
            log.warn("replica {}: its lease renewal took past its fence time; joining again", id);
            join(c);
            return;
        }
        fenceAt = sent + properties.lease().minus(properties.margin()).toNanos();
        positionsAtLastRenewal = positions(c);
    }

    /**
     * Joins: ready with a fresh lease first, then catches every node up to the positions the database holds
     * after that, acknowledges them, and is current if the lease it took still holds locally.
     */
    private void join(Connection c) throws SQLException {
        current = false;
        notCurrentBecause = "catching up";
        long sent = System.nanoTime();
        try (PreparedStatement s = c.prepareStatement("INSERT INTO replica (id, host, started_at, lease_until, ready) "
                + "VALUES (?, ?, now(), now() + make_interval(secs => ?), true) "
                + "ON CONFLICT (id) DO UPDATE SET lease_until = EXCLUDED.lease_until, ready = true")) {
            s.setString(1, id);
            s.setString(2, host);
            s.setDouble(3, properties.lease().toMillis() / 1000.0);
            s.executeUpdate();
        }
        // the positions to reach are read once, after the row says ready: a write committed before this read is
        // among them, and the writer of any later one sees this replica ready and waits for its acknowledgement
        Map<Long, Long> positions = positions(c);
        positions.forEach(follower::catchUp);
        acknowledgeAll(c, positions.keySet());
        String behind = behind(positions);
        long fence = sent + properties.lease().minus(properties.margin()).toNanos();
        if (behind == null && System.nanoTime() - fence < 0) {
            positionsAtLastRenewal = positions;
            fenceAt = fence;
            current = true;
            notCurrentBecause = null;
        } else {
            notCurrentBecause = behind == null ? "catching up took longer than the lease" : "behind: " + behind;
        }
    }

    private int renew(Connection c) throws SQLException {
        try (PreparedStatement s = c.prepareStatement(
                "UPDATE replica SET lease_until = now() + make_interval(secs => ?), ready = true WHERE id = ?")) {
            s.setDouble(1, properties.lease().toMillis() / 1000.0);
            s.setString(2, id);
            return s.executeUpdate();
        }
    }

    private static Map<Long, Long> positions(Connection c) throws SQLException {
        Map<Long, Long> positions = new HashMap<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery("SELECT id, journal_position FROM node")) {
            while (rs.next()) {
                positions.put(rs.getLong(1), rs.getLong(2));
            }
        }
        return positions;
    }

    /** The first node whose position the engine has not applied, as {@code node <id> at <applied> of <position>}. */
    private String behind(Map<Long, Long> positions) {
        for (Map.Entry<Long, Long> p : positions.entrySet()) {
            long applied = follower.applied(p.getKey());
            if (applied < p.getValue()) {
                return "node " + p.getKey() + " at " + applied + " of " + p.getValue();
            }
        }
        return null;
    }

    private void forgetStale(Connection c) throws SQLException {
        List<String> gone = new ArrayList<>();
        try (PreparedStatement s = c.prepareStatement(
                "DELETE FROM replica WHERE lease_until < now() - make_interval(secs => ?) RETURNING id")) {
            s.setDouble(1, properties.forgetAfter().toMillis() / 1000.0);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    gone.add(rs.getString(1));
                }
            }
        }
        for (String r : gone) {
            acks.forget(r);
            log.info("replica {}: removed the row of replica {}, whose lease expired over {} ago", id, r, properties.forgetAfter());
        }
    }

    /** Acknowledges what the engine applied of every node (after a join: writers may wait for a wake-up it missed). */
    private void acknowledgeAll(Connection c, Iterable<Long> nodes) throws SQLException {
        Map<Long, Long> applied = new LinkedHashMap<>();
        for (Long n : nodes) {
            applied.put(n, follower.applied(n));
        }
        for (String payload : ackPayloads(applied)) {
            notify(c, APPLIED, payload);
        }
    }

    // ---- the applier thread: other replicas' changes, then acknowledgements ----

    private void enqueue(long node, long position) {
        synchronized (pending) {
            pending.merge(node, position, Math::max);
            pending.notifyAll();
        }
    }

    private void applyLoop() {
        while (running) {
            Map<Long, Long> work;
            synchronized (pending) {
                while (pending.isEmpty() && running) {
                    try {
                        pending.wait(1000);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                work = new LinkedHashMap<>(pending);
                pending.clear();
            }
            Map<Long, Long> done = new LinkedHashMap<>();
            for (Map.Entry<Long, Long> w : work.entrySet()) {
                try {
                    follower.catchUp(w.getKey(), w.getValue());
                    done.put(w.getKey(), w.getValue());
                } catch (RuntimeException e) {
                    log.warn("replica {}: could not catch node {} up to {} yet: {}", id, w.getKey(), w.getValue(), e.toString());
                    enqueue(w.getKey(), w.getValue());
                }
            }
            if (!done.isEmpty()) {
                try (Connection c = dataSource.getConnection()) {
                    for (String payload : ackPayloads(done)) {
                        notify(c, APPLIED, payload);
                    }
                } catch (SQLException | RuntimeException e) {
                    // the writers re-announce what they wait for when their wait for this lease runs long
                    log.warn("replica {}: could not acknowledge {}: {}", id, done, e.toString());
                }
            }
            if (done.size() < work.size()) {
                sleep(100);
            }
        }
    }

    private List<String> ackPayloads(Map<Long, Long> applied) {
        List<String> payloads = new ArrayList<>();
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Long, Long> a : applied.entrySet()) {
            if (sb.length() > MAX_PAYLOAD) {
                payloads.add(sb.toString());
                sb.setLength(0);
            }
            sb.append(sb.isEmpty() ? id + ":" : ",").append(a.getKey()).append(':').append(a.getValue());
        }
        if (!sb.isEmpty()) {
            payloads.add(sb.toString());
        }
        return payloads;
    }

    /** {@code pg_notify} on a channel of this connection's schema; in autocommit it is delivered at once. */
    static void notify(Connection c, String base, String payload) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("SELECT pg_notify(" + CHANNEL_SQL + ", ?)")) {
            s.setString(1, base);
            s.setString(2, payload);
            s.execute();
        }
    }

    private static Thread daemon(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException | RuntimeException ignored) {
                // closing a broken connection
            }
        }
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "unknown";
        }
    }
}
