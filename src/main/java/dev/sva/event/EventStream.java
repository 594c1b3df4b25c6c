package dev.sva.event;

import dev.sva.core.ProblemException;
import dev.sva.core.ProblemType;
import dev.sva.node.Node;
import dev.sva.security.CurrentCaller;
import io.micrometer.core.instrument.Gauge;
import jakarta.annotation.PreDestroy;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Serves {@code GET /events/stream}: one sender thread per client reads the node's events from the
 * database after the client's cursor and writes them as SSE, woken after each commit that wrote
 * events ({@link #committed}) and at least once a second, so events written by another replica
 * arrive too. Nothing is buffered per client beyond one batch and the socket's buffers: the backlog
 * of a slow client stays in the database, and a client whose socket stops taking writes is
 * disconnected by the server's write timeout ({@code server.tomcat.connection-timeout}); it resumes
 * with {@code Last-Event-ID}, or learns from {@code 410} that its point has expired.
 *
 * <p>Threading: {@code latest} and the clients map are written by committing request threads and
 * read by sender threads; each client's emitter is written only by its own sender thread.
 */
@Component
public class EventStream implements SmartLifecycle {

    private static final Logger log = LoggerFactory.getLogger(EventStream.class);
    private static final int BATCH = 256;

    private final EventService events;
    private final EventProperties properties;
    private final JsonMapper json;
    private final ExecutorService senders = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "sse-sender");
        t.setDaemon(true);
        return t;
    });
    private final Map<Long, AtomicLong> latest = new ConcurrentHashMap<>();
    private final Set<Client> clients = ConcurrentHashMap.newKeySet();
    private final AtomicInteger dropped = new AtomicInteger();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition written = lock.newCondition();
    private volatile boolean closed;

    EventStream(EventService events, EventProperties properties, JsonMapper json, MeterRegistry meters) {
        this.events = events;
        this.properties = properties;
        this.json = json;
        Gauge.builder("sva.events.stream.clients", clients, Set::size)
                .description("Clients connected to the event stream").register(meters);
        Gauge.builder("sva.events.stream.dropped", dropped, AtomicInteger::get)
                .description("Stream connections ended by a failed write: the client went away or stopped reading").register(meters);
    }

    /**
     * Opens a stream of the node's events after {@code after}; {@code 410 EVENTS_EXPIRED} when that
     * point is no longer kept, {@code 503 BUSY} when the service serves {@code maxClients} already
     * or is shutting down, {@code 429 TOO_MANY_STREAMS} when {@code address} holds
     * {@code maxClientsPerAddress} streams already.
     */
    /**
     * The answer to a {@code HEAD} of the stream: the same checks and head as {@link #open}, and no
     * stream — the emitter is complete before it is returned, so the connection is free again at once.
     */
    public SseEmitter head(Node node, long after, String field) {
        events.requireKept(node, after, field);
        SseEmitter emitter = new SseEmitter(0L);
        emitter.complete();
        return emitter;
    }

    public SseEmitter open(Node node, long after, String field, String address) {
        events.requireKept(node, after, field);
        if (closed) {
            throw new ProblemException(ProblemType.BUSY, "the service is shutting down; reconnect to another instance or later");
        }
        SseEmitter emitter = new SseEmitter(0L);
        Client client = new Client(node, after, emitter, address, CurrentCaller.tenantScope());
        emitter.onCompletion(() -> client.open = false);
        emitter.onTimeout(() -> client.open = false);
        emitter.onError(e -> client.open = false);
        admit(client);
        senders.execute(client::run);
        return emitter;
    }

    /**
     * Counts the client in, or refuses it: one address may hold {@code maxClientsPerAddress} of the
     * {@code maxClients} streams, so that a single client cannot take every slot. Checked and added
     * under one lock, so concurrent opens cannot overshoot either limit.
     */
    private void admit(Client client) {
        synchronized (clients) {
            if (clients.size() >= properties.maxClients()) {
                throw new ProblemException(ProblemType.BUSY, "the event stream serves " + properties.maxClients()
                        + " clients already; retry later");
            }
            long mine = clients.stream().filter(c -> c.address.equals(client.address)).count();
            if (mine >= properties.maxClientsPerAddress()) {
                throw new ProblemException(ProblemType.TOO_MANY_STREAMS, "this client holds " + mine
                        + " event streams already; close one or resume it with Last-Event-ID")
                        .with("limit", properties.maxClientsPerAddress());
            }
            clients.add(client);
        }
    }

    /** Called after a transaction that wrote events of {@code nodeId}, up to {@code seq}, committed. */
    void committed(long nodeId, long seq) {
        latest.computeIfAbsent(nodeId, k -> new AtomicLong()).accumulateAndGet(seq, Math::max);
        lock.lock();
        try {
            written.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public int clientCount() {
        return clients.size();
    }

    /**
     * Accepts clients again after a {@link #stop}: a context can be stopped and started without being
     * closed (Spring's test framework pauses cached contexts that way), and a stream that stayed
     * refused after that answered every client {@code 503} "shutting down" for good.
     */
    @Override
    public void start() {
        closed = false;
    }

    @Override
    public boolean isRunning() {
        return !closed;
    }

    /**
     * Ends every stream when the service shuts down, before the web server's graceful shutdown
     * (a lower phase) waits for open requests: a stream never ends by itself, so it would hold the
     * shutdown for the whole grace period. Clients reconnect with {@code Last-Event-ID}.
     */
    @Override
    public int getPhase() {
        return SmartLifecycle.DEFAULT_PHASE;
    }

    @Override
    public void stop() {
        closed = true;
        for (Client c : clients) {
            c.open = false;
        }
        committed(-1, 0);
        // wait for the senders to end their streams; the pool itself lives until the bean is destroyed,
        // so that a restarted stream can serve clients again
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (!clients.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    @PreDestroy
    void destroy() {
        senders.shutdownNow();
    }

    private final class Client {
        final Node node;
        final SseEmitter emitter;
        /** The remote address the stream was opened from. */
        final String address;
        /** The tenant whose objects' events alone this client is sent; {@code null}: every event (rule 24). */
        final String tenant;
        long cursor;
        volatile boolean open = true;

        Client(Node node, long cursor, SseEmitter emitter, String address, String tenant) {
            this.node = node;
            this.tenant = tenant;
            this.address = address;
            this.cursor = cursor;
            this.emitter = emitter;
        }

        void run() {
            long lastWrite = System.nanoTime();
            try {
                // An immediate comment lets the client see the stream is open before any event.
                emitter.send(SseEmitter.event().comment("stream of node " + node.name() + " after " + cursor));
                while (open && !closed) {
                    long known = latest.getOrDefault(node.id(), new AtomicLong()).get();
                    List<Event> batch;
                    try {
                        batch = events.after(node, cursor, "after", null, BATCH, tenant);
                    } catch (ProblemException expired) {
                        emitter.send(SseEmitter.event().comment("events after " + cursor + " expired; resynchronise"));
                        break;
                    }
                    for (Event e : batch) {
                        // event: names the type, so a browser EventSource can listen per type
                        emitter.send(SseEmitter.event().id(Long.toString(e.seq())).name(e.type().name())
                                .data(json.writeValueAsString(EventView.of(e, node.name())), MediaType.APPLICATION_JSON));
                        cursor = e.seq();
                        lastWrite = System.nanoTime();
                    }
                    if (batch.size() == BATCH) {
                        continue;
                    }
                    if (tenant != null) {
                        // every event up to known committed before the read: none of them is this tenant's
                        // beyond what was sent, so the cursor passes them and a prune of them is no gap
                        cursor = Math.max(cursor, known);
                    }
                    if (System.nanoTime() - lastWrite >= properties.heartbeat().toNanos()) {
                        emitter.send(SseEmitter.event().comment("heartbeat"));
                        lastWrite = System.nanoTime();
                    }
                    awaitWrite(known);
                }
                emitter.complete();
            } catch (IOException | IllegalStateException e) {
                // the client went away, or its socket stopped taking writes
                dropped.incrementAndGet();
                emitter.completeWithError(e);
            } catch (RuntimeException e) {
                log.warn("event stream of node {} failed", node.name(), e);
                emitter.completeWithError(e);
            } finally {
                clients.remove(this);
            }
        }

        private void awaitWrite(long known) {
            lock.lock();
            try {
                if (latest.getOrDefault(node.id(), new AtomicLong()).get() == known && open && !closed) {
                    written.await(1, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                open = false;
            } finally {
                lock.unlock();
            }
        }
    }
}
