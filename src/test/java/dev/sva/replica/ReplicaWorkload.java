package dev.sva.replica;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.replica.HistoryChecker.Kind;
import dev.sva.replica.HistoryChecker.Write;
import dev.sva.support.Api;
import dev.sva.support.ReplicaCluster;
import dev.sva.support.ReplicaCluster.Replica;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Writers and DMA readers on random replicas of a {@link ReplicaCluster}, recorded in a {@link HistoryChecker}.
 * Each writer owns a device, a container holding its group, on one of a few nodes, and a handful of IOVA slots
 * (one page each) that it maps and unmaps in turn, each map to a physical address of its own (slot and version
 * encoded), sending each write to a random replica; after an acknowledged write it sends, half the time, a DMA of
 * the slot to another random replica (read your writes, invalidation everywhere). Readers send DMAs of random
 * slots to random replicas. A slot whose write has an unknown outcome is retired and replaced by a fresh one.
 */
final class ReplicaWorkload {

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int ACTIVE_SLOTS = 6;
    private static final long IOVA_BASE = 0x100000L;
    private static final long PA_BASE = 0x1_0000_0000L;

    private final ReplicaCluster cluster;
    private final HistoryChecker history = new HistoryChecker(System.nanoTime());
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(3)).build();
    private final Duration timeout;
    private final Random seeds;
    private final List<Owner> owners = new ArrayList<>();
    /** Global slot id to what a DMA of it sends. */
    private final Map<Integer, Target> targets = new ConcurrentHashMap<>();
    private final List<Integer> slotIds = new CopyOnWriteArrayList<>();
    private final List<String> unexpected = new CopyOnWriteArrayList<>();
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong operations = new AtomicLong();
    private final AtomicLong checked = new AtomicLong();
    /** Per replica index: writes acknowledged and DMAs answered 200. */
    private final Map<Integer, AtomicLong> answered = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();

    private record Target(String device, long iova) {
    }

    /** One writer's objects and slots. */
    private static final class Owner {
        final String node;
        final String device;
        final String container;
        final List<Integer> active = new ArrayList<>();
        final Map<Integer, Integer> versions = new ConcurrentHashMap<>();
        int nextPage;

        Owner(String node, String device, String container) {
            this.node = node;
            this.device = device;
            this.container = container;
        }
    }

    ReplicaWorkload(ReplicaCluster cluster, long seed, Duration timeout) {
        this.cluster = cluster;
        this.seeds = new Random(seed);
        this.timeout = timeout;
    }

    HistoryChecker history() {
        return history;
    }

    /** Writes and DMAs sent so far (answered or not). */
    long operations() {
        return operations.get();
    }

    /** Answers no correct replica gives (a 4xx to a valid write, a 500): each is a failure of the test. */
    List<String> unexpected() {
        return unexpected;
    }

    /** Makes {@code writers} owners over {@code nodes} nodes, through replica 0. */
    void setUp(int nodes, int writers) {
        Api api = cluster.replica(0).api();
        List<String> names = new ArrayList<>();
        for (int n = 0; n < nodes; n++) {
            String name = Api.uniqueNode();
            assertThat(api.post("/api/v1/nodes", Api.json(Map.of("name", name))).status()).isEqualTo(201);
            names.add(name);
        }
        for (int w = 0; w < writers; w++) {
            String node = names.get(w % nodes);
            Api.Response dev = api.post("/api/v1/devices", Api.json(Map.of("node", node,
                    "bdf", String.format("0000:%02x:00.0", w + 1), "driver", "vfio-pci", "pasidBits", 20)));
            assertThat(dev.status()).as("%s", dev).isEqualTo(201);
            Api.Response ctr = api.post("/api/v1/containers", Api.json(Map.of("node", node)));
            assertThat(ctr.status()).as("%s", ctr).isEqualTo(201);
            Api.Response attach = api.put("/api/v1/containers/" + ctr.str("id") + "/groups/" + dev.str("groupId"));
            assertThat(attach.status()).as("%s", attach).isEqualTo(201);
            Owner owner = new Owner(node, dev.str("id"), ctr.str("id"));
            for (int s = 0; s < ACTIVE_SLOTS; s++) {
                owner.active.add(newSlot(owner));
            }
            owners.add(owner);
        }
    }

    private int newSlot(Owner owner) {
        int id = history.newSlot();
        targets.put(id, new Target(owner.device, IOVA_BASE + 0x1000L * owner.nextPage++));
        owner.versions.put(id, 0);
        slotIds.add(id);
        return id;
    }

    /** Starts one thread per writer and {@code readers} reader threads. */
    void start(int readers) {
        for (Owner owner : owners) {
            long seed = seeds.nextLong();
            threads.add(started("writer-" + owners.indexOf(owner), () -> write(owner, new Random(seed))));
        }
        for (int r = 0; r < readers; r++) {
            long seed = seeds.nextLong();
            threads.add(started("reader-" + r, () -> read(new Random(seed))));
        }
    }

    private static Thread started(String name, Runnable work) {
        Thread t = new Thread(work, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    /**
     * Waits until {@code n} operations entered the history — writes acknowledged or of unknown outcome, DMA
     * answers — (or {@code max} passed); returns whether they did.
     */
    boolean awaitChecked(long n, Duration max) throws InterruptedException {
        long until = System.nanoTime() + max.toNanos();
        while (checked.get() < n && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        return checked.get() >= n;
    }

    /** Writes the replica acknowledged and DMAs it answered 200, so far. */
    long answeredBy(Replica r) {
        return answered.computeIfAbsent(r.index(), i -> new AtomicLong()).get();
    }

    /** Operations in the history so far (see {@link #awaitChecked}). */
    long checked() {
        return checked.get();
    }

    void stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(timeout.toMillis() * 3);
            assertThat(t.isAlive()).as("%s ended", t.getName()).isFalse();
        }
        threads.clear();
    }

    private void write(Owner owner, Random random) {
        while (!stop.get()) {
            int index = random.nextInt(owner.active.size());
            int slot = owner.active.get(index);
            Long mapped = history.mappedTo(slot);
            int version = owner.versions.merge(slot, 1, Integer::sum);
            if (version >= 4096) {
                owner.active.set(index, newSlot(owner));
                continue;
            }
            Target t = targets.get(slot);
            Replica replica = pick(random, null);
            Kind kind = mapped == null ? Kind.MAP : Kind.UNMAP;
            long pa = kind == Kind.MAP ? PA_BASE + ((long) slot << 24) + ((long) version << 12) : 0;
            Write w = history.invoke(slot, kind, pa, name(replica), System.nanoTime());
            Answer a = kind == Kind.MAP
                    ? send(replica, "POST", "/api/v1/containers/" + owner.container + "/mappings", Api.json(Map.of(
                            "iova", hex(t.iova()), "size", "0x1000", "physicalAddress", hex(pa), "read", true, "write", true)))
                    : send(replica, "DELETE", "/api/v1/containers/" + owner.container + "/mappings?iova=" + hex(t.iova())
                            + "&size=0x1000", null);
            long answered = System.nanoTime();
            operations.incrementAndGet();
            switch (a.writeOutcome()) {
                case ACKNOWLEDGED -> {
                    history.acknowledged(w, answered);
                    checked.incrementAndGet();
                    if (kind == Kind.UNMAP && a.body().path("unmappedCount").asLong() != 1) {
                        unexpected.add(w + " answered " + a);
                    }
                    if (random.nextBoolean()) {
                        dma(slot, pick(random, replica));
                    }
                }
                case NOT_APPLIED -> history.notApplied(w);
                case UNKNOWN -> {
                    history.unknown(w);
                    checked.incrementAndGet();
                    if (a.status() / 100 == 4 || a.status() == 500) {
                        unexpected.add(w + " answered " + a);
                    }
                    owner.active.set(index, newSlot(owner));
                }
            }
        }
    }

    private void read(Random random) {
        while (!stop.get()) {
            int slot = slotIds.get(random.nextInt(slotIds.size()));
            dma(slot, pick(random, null));
        }
    }

    /** The ids of every slot so far. */
    List<Integer> slots() {
        return List.copyOf(slotIds);
    }

    /** One DMA of the slot on the replica, recorded; its answer. */
    Answer dma(int slot, Replica replica) {
        Target t = targets.get(slot);
        long sent = System.nanoTime();
        Answer a = send(replica, "POST", "/api/v1/dma", Api.json(Map.of("deviceId", t.device(), "address", hex(t.iova()),
                "size", 8, "access", "READ")));
        long received = System.nanoTime();
        operations.incrementAndGet();
        if (a.status() == 200) {
            String outcome = a.body().path("outcome").asString();
            if (outcome.equals("TRANSLATED")) {
                history.read(slot, name(replica), sent, received, Long.parseUnsignedLong(
                        a.body().path("physicalAddress").asString().substring(2), 16));
                checked.incrementAndGet();
            } else if (outcome.equals("FAULT")) {
                history.read(slot, name(replica), sent, received, null);
                checked.incrementAndGet();
            } else {
                unexpected.add("DMA of slot " + slot + " on " + name(replica) + " answered " + a);
            }
        } else if (a.status() == 503) {
            history.noAnswer("503 " + a.body().path("code").asString());
            if (a.header("Retry-After") == null) {
                unexpected.add("DMA of slot " + slot + " on " + name(replica) + " answered 503 without Retry-After: " + a);
            }
            pause(50);
        } else if (a.status() == -1) {
            history.noAnswer(a.reason());
        } else {
            history.noAnswer(a.status() + " " + a.body().path("code").asString());
            unexpected.add("DMA of slot " + slot + " on " + name(replica) + " answered " + a);
        }
        return a;
    }

    /** After the run, with every replica up and no writer left: every slot read on every replica. */
    void readEverySlotEverywhere() {
        for (int slot : slotIds) {
            for (Replica r : cluster.replicas()) {
                dma(slot, r);
            }
        }
    }

    /**
     * Every acknowledged write is in the database, as the replica lists it: a slot whose last write is acknowledged
     * holds exactly that write's mapping (or none after an unmap). Returns the slots that do not.
     */
    List<String> acknowledgedWritesMissing(Replica on) {
        List<String> missing = new ArrayList<>();
        Api api = on.api();
        for (Owner owner : owners) {
            Map<Long, Long> listed = new java.util.HashMap<>();
            String cursor = null;
            do {
                Api.Response r = api.get("/api/v1/containers/" + owner.container + "/mappings?limit=1000"
                        + (cursor == null ? "" : "&cursor=" + cursor));
                assertThat(r.status()).as("%s", r).isEqualTo(200);
                for (JsonNode m : r.body().path("items")) {
                    listed.put(Long.parseUnsignedLong(m.path("iova").asString().substring(2), 16),
                            Long.parseUnsignedLong(m.path("physicalAddress").asString().substring(2), 16));
                }
                cursor = r.str("nextCursor");
            } while (cursor != null);
            for (int slot : owner.versions.keySet()) {
                if (history.retired(slot)) {
                    continue;
                }
                Long expected = history.mappedTo(slot);
                Long actual = listed.get(targets.get(slot).iova());
                if (!java.util.Objects.equals(expected, actual)) {
                    missing.add("slot " + slot + ": acknowledged " + (expected == null ? "unmapped" : hex(expected))
                            + ", database holds " + (actual == null ? "nothing" : hex(actual)));
                }
            }
        }
        return missing;
    }

    private Replica pick(Random random, Replica not) {
        List<Replica> all = cluster.replicas();
        if (not == null || all.size() == 1) {
            return all.get(random.nextInt(all.size()));
        }
        Replica r;
        do {
            r = all.get(random.nextInt(all.size()));
        } while (r == not);
        return r;
    }

    private static String name(Replica r) {
        return "replica " + r.index();
    }

    enum WriteOutcome { ACKNOWLEDGED, NOT_APPLIED, UNKNOWN }

    /** An HTTP answer, or status -1 and why there was none. */
    record Answer(int status, JsonNode body, HttpResponse<String> raw, String reason) {
        String header(String name) {
            return raw == null ? null : raw.headers().firstValue(name).orElse(null);
        }

        WriteOutcome writeOutcome() {
            if (status / 100 == 2) {
                return WriteOutcome.ACKNOWLEDGED;
            }
            if (status == -1) {
                return reason.equals("connection refused") ? WriteOutcome.NOT_APPLIED : WriteOutcome.UNKNOWN;
            }
            String code = body.path("code").asString("");
            if (status == 503 && (code.equals("BUSY") || body.path("outcome").asString("").equals("NOT_APPLIED"))) {
                return WriteOutcome.NOT_APPLIED;
            }
            return WriteOutcome.UNKNOWN;
        }

        @Override
        public String toString() {
            return status == -1 ? reason : status + " " + raw.body();
        }
    }

    private Answer send(Replica replica, String method, String path, String json) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + replica.port() + path))
                .timeout(timeout).header("Authorization", "Bearer " + Api.ADMIN_TOKEN);
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        b.method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() / 100 == 2) {
                answered.computeIfAbsent(replica.index(), i -> new AtomicLong()).incrementAndGet();
            }
            JsonNode body = r.body() == null || r.body().isBlank() ? JSON.missingNode() : parse(r.body());
            return new Answer(r.statusCode(), body, r, null);
        } catch (java.net.http.HttpConnectTimeoutException e) {
            return new Answer(-1, JSON.missingNode(), null, "connection refused"); // never sent
        } catch (HttpTimeoutException e) {
            return new Answer(-1, JSON.missingNode(), null, "timeout");
        } catch (ConnectException e) {
            return new Answer(-1, JSON.missingNode(), null, "connection refused");
        } catch (IOException e) {
            return new Answer(-1, JSON.missingNode(), null, "connection lost");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Answer(-1, JSON.missingNode(), null, "interrupted");
        }
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (RuntimeException e) {
            return JSON.getNodeFactory().stringNode(body);
        }
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
