package dev.sva.race;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.policy.Isolation;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.support.ApiTest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import tools.jackson.databind.JsonNode;

/**
 * The mixed-operation load of issue 8: {@value #THREADS} threads send 10,000 seeded
 * random operations over real HTTP to a few nodes at once — binds of devices and containers,
 * hot-plugs, attach/detach, process exits, unbinds, unplugs, driver changes, container map/unmap,
 * DMAs — and every answer must be a 2xx or a refusal the contract names (never a 5xx, never a
 * {@code 409 DUPLICATE}: every create here is unique and no bind repeats with another iopf, so a
 * DUPLICATE can only be a wedged node). Afterwards the database and the engine are checked:
 * each node's {@code last_event_seq} is its newest event's seq and its events have no gap; under
 * {@code STRICT} no bond sits on a multi-device group; a container bond's device is in a group
 * attached to that container; PASIDs are unique per node and every bond carries its address space's;
 * every node still accepts a change; and a DMA from every device agrees with what the database lists.
 * Subclasses pick the database and the policy.
 */
public abstract class MixedLoadTests extends ApiTest {

    static final int THREADS = 16;
    /** 10,000 in CI; {@code -Dsva.load.operations=N} for a shorter run while investigating. */
    static final int OPERATIONS = Integer.getInteger("sva.load.operations", 10_000);
    private static final int NODES = 3;
    private static final int SLOTS = 8;
    private static final long REGION_VA = 0x10000000L;

    @Autowired
    private JdbcTemplate jdbc;

    @Autowired
    private dev.sva.policy.SvaProperties properties;

    private final AtomicInteger bdf = new AtomicInteger();
    private final AtomicInteger pid = new AtomicInteger(1000);

    /** What the threads pick from: ids that were created on one node (some may since be gone). */
    private final class Pool {
        final String name;
        final List<String> devices = new CopyOnWriteArrayList<>();
        final List<String> groups = new CopyOnWriteArrayList<>();
        final List<String> containers = new CopyOnWriteArrayList<>();
        final List<String> processes = new CopyOnWriteArrayList<>();
        final List<String> bonds = new CopyOnWriteArrayList<>();

        Pool(String name) {
            this.name = name;
        }
    }

    @Test
    void mixedOperationsLeaveNoServerErrorAndEveryInvariantHolds() throws Exception {
        List<Pool> pools = new ArrayList<>();
        pools.add(new Pool(node));
        for (int i = 1; i < NODES; i++) {
            String extra = Api.uniqueNode();
            assertThat(api.post("/api/v1/nodes", Api.json(Map.of("name", extra))).status()).isEqualTo(201);
            pools.add(new Pool(extra));
        }
        for (Pool p : pools) {
            setUp(p);
        }

        Map<String, AtomicInteger> tally = new ConcurrentHashMap<>();
        List<String> wrong = new CopyOnWriteArrayList<>();
        AtomicInteger done = new AtomicInteger();
        ExecutorService threads = Executors.newFixedThreadPool(THREADS);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> futures = new ArrayList<>();
        long began = System.nanoTime();
        for (int t = 0; t < THREADS; t++) {
            Random random = new Random(8_000 + t);
            int count = OPERATIONS / THREADS + (t < OPERATIONS % THREADS ? 1 : 0);
            futures.add(threads.submit(() -> {
                start.await();
                for (int i = 0; i < count; i++) {
                    Pool p = pools.get(random.nextInt(pools.size()));
                    String[] op = new String[1];
                    Response r = operate(p, random, op);
                    String label = op[0] + " -> " + Race.label(r);
                    tally.computeIfAbsent(label, k -> new AtomicInteger()).incrementAndGet();
                    int n = done.incrementAndGet();
                    if (n % 1000 == 0) {
                        System.out.printf("[%s] %d operations, %d wrong answers so far%n", database(), n, wrong.size());
                    }
                    if (r.status() >= 500 || "DUPLICATE".equals(r.code())) {
                        wrong.add(op[0] + " on " + p.name + ": " + r);
                    }
                }
                return null;
            }));
        }
        start.countDown();
        try {
            for (Future<?> f : futures) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            threads.shutdownNow();
        }
        System.out.printf("[%s %s] %d operations on %d threads in %d ms: %s%n", database(), properties.isolation(), OPERATIONS,
                THREADS, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - began), new TreeMap<>(tally));

        assertThat(wrong).as("answers that are a 5xx or a DUPLICATE no request here can cause (%d)", wrong.size())
                .isEmpty();
        for (Pool p : pools) {
            checkInvariants(p);
        }
    }

    // ---- the load ----

    private void setUp(Pool p) {
        for (int i = 0; i < 6; i++) {
            String d = created(plug(p, null));
            p.devices.add(d);
            p.groups.add(api.get("/api/v1/devices/" + d).str("groupId"));
        }
        for (int g = 0; g < 2; g++) {
            String first = created(plug(p, null));
            String group = api.get("/api/v1/devices/" + first).str("groupId");
            p.devices.add(first);
            p.devices.add(created(plug(p, group)));
            p.groups.add(group);
        }
        for (int c = 0; c < 3; c++) {
            p.containers.add(created(api.post("/api/v1/containers", Api.json(Map.of("node", p.name)))));
        }
        for (int i = 0; i < 6; i++) {
            p.processes.add(spawn(p));
        }
    }

    private Response plug(Pool p, String group) {
        int n = bdf.getAndIncrement();
        Map<String, Object> body = new HashMap<>(Map.of("node", p.name, "bdf",
                String.format("0000:%02x:%02x.%d", n / 256, (n / 8) % 32, n % 8), "driver", "vfio-pci", "pasidBits", 20));
        if (group != null) {
            body.put("groupId", group);
        }
        return api.post("/api/v1/devices", Api.json(body));
    }

    /** A new process with one pinned region at {@link #REGION_VA}; its id, or null when refused. */
    private String spawn(Pool p) {
        int n = pid.getAndIncrement();
        Response r = api.post("/api/v1/address-spaces", Api.json(Map.of("node", p.name, "pid", n)));
        assertThat(r.status()).as("spawn: %s", r).isEqualTo(201);
        String id = r.str("id");
        Response m = api.post("/api/v1/address-spaces/" + id + "/mappings", Api.json(Map.of("va", hex(REGION_VA), "size", 4096,
                "physicalAddress", hex(0x7000_0000L + 0x1000L * n), "read", true, "write", true)));
        // the process may have exited already (another thread picked it): only a 404 may then answer
        assertThat(m.status()).as("region: %s", m).isIn(201, 404);
        return id;
    }

    private Response operate(Pool p, Random random, String[] op) {
        int roll = random.nextInt(100);
        String dev = pick(p.devices, random);
        String grp = pick(p.groups, random);
        String ctr = pick(p.containers, random);
        String proc = pick(p.processes, random);
        if (roll < 14) {
            op[0] = "bind";
            Response r = api.post("/api/v1/devices/" + dev + "/bonds", Api.json(Map.of("addressSpaceId", proc)));
            if (r.status() / 100 == 2) {
                p.bonds.add(r.str("id"));
            }
            return r;
        }
        if (roll < 22) {
            op[0] = "bindContainer";
            Response r = api.post("/api/v1/containers/" + ctr + "/bonds", Api.json(Map.of("addressSpaceId", proc)));
            if (r.status() / 100 == 2) {
                r.body().path("bonds").forEach(b -> p.bonds.add(b.path("id").asString()));
            }
            return r;
        }
        if (roll < 26) {
            op[0] = "unbindContainer";
            return api.delete("/api/v1/containers/" + ctr + "/bonds/" + proc);
        }
        if (roll < 33) {
            op[0] = "unbind";
            String bond = pick(p.bonds, random);
            return bond == null ? api.get("/api/v1/policy") : api.delete("/api/v1/bonds/" + bond);
        }
        if (roll < 38) {
            op[0] = "hotplug";
            Response r = plug(p, random.nextInt(4) == 0 ? null : grp);
            if (r.status() == 201) {
                p.devices.add(r.str("id"));
                p.groups.add(r.str("groupId"));
            }
            return r;
        }
        if (roll < 42) {
            op[0] = "unplug";
            return api.delete("/api/v1/devices/" + dev);
        }
        if (roll < 49) {
            op[0] = "attach";
            return api.put("/api/v1/containers/" + ctr + "/groups/" + grp);
        }
        if (roll < 55) {
            op[0] = "detach";
            return api.delete("/api/v1/containers/" + ctr + "/groups/" + grp);
        }
        if (roll < 61) {
            op[0] = "driver";
            String[] drivers = {"vfio-pci", "vfio-pci", "nvme", null};
            Map<String, Object> body = new HashMap<>();
            body.put("driver", drivers[random.nextInt(drivers.length)]);
            return api.patch("/api/v1/devices/" + dev, Api.json(body));
        }
        if (roll < 65) {
            op[0] = "exit";
            Response r = api.delete("/api/v1/address-spaces/" + proc);
            if (r.status() == 204) {
                p.processes.remove(proc);
                p.processes.add(spawn(p));
            }
            return r;
        }
        long iova = 0x100000L * (1 + random.nextInt(SLOTS));
        if (roll < 77) {
            op[0] = "map";
            return api.post("/api/v1/containers/" + ctr + "/mappings", Api.json(Map.of("iova", hex(iova), "size", 4096,
                    "physicalAddress", hex(0x4000_0000L + iova), "read", true, "write", true)));
        }
        if (roll < 89) {
            op[0] = "unmap";
            return api.delete("/api/v1/containers/" + ctr + "/mappings?iova=" + hex(iova) + "&size=4096");
        }
        op[0] = "dma";
        return api.post("/api/v1/dma", Api.json(Map.of("deviceId", dev, "address", hex(iova), "access", "READ")));
    }

    private static String pick(List<String> from, Random random) {
        int n = from.size();
        return n == 0 ? null : from.get(random.nextInt(n));
    }

    // ---- the checks afterwards ----

    private void checkInvariants(Pool p) {
        long nodeId = jdbc.queryForObject("select id from node where name = ?", Long.class, p.name);
        long last = jdbc.queryForObject("select last_event_seq from node where id = ?", Long.class, nodeId);
        Map<String, Object> seqs = jdbc.queryForMap("select count(*) as n, min(seq) as lo, max(seq) as hi from event where node_id = ?",
                nodeId);
        long count = ((Number) seqs.get("n")).longValue();
        long lo = seqs.get("lo") == null ? 1 : ((Number) seqs.get("lo")).longValue();
        long hi = seqs.get("hi") == null ? 0 : ((Number) seqs.get("hi")).longValue();
        assertThat(last).as("node %s: last_event_seq against max(seq)", p.name).isEqualTo(hi);
        assertThat(count).as("node %s: events %d..%d have no gap", p.name, lo, hi).isEqualTo(hi - lo + 1);

        if (properties.isolation() == Isolation.STRICT) {
            assertThat(jdbc.queryForList("select b.id from bond b join device d on d.id = b.device_id where b.node_id = ?"
                    + " and (select count(*) from device o where o.group_id = d.group_id) > 1", Long.class, nodeId))
                    .as("node %s: bonds on multi-device groups under STRICT", p.name).isEmpty();
        }
        assertThat(jdbc.queryForList("select b.id from bond b join device d on d.id = b.device_id join iommu_group g on g.id = d.group_id"
                + " where b.node_id = ? and b.container_id is not null and (g.container_id is null or g.container_id <> b.container_id)",
                Long.class, nodeId)).as("node %s: container bonds on devices whose group left the container", p.name).isEmpty();
        assertThat(jdbc.queryForList("select g.id from iommu_group g join container c on c.id = g.container_id where g.node_id = ?"
                + " and c.node_id <> g.node_id", Long.class, nodeId)).as("node %s: groups in another node's container", p.name).isEmpty();
        assertThat(jdbc.queryForList("select pasid from address_space where node_id = ? and pasid is not null group by pasid"
                + " having count(*) > 1", Integer.class, nodeId)).as("node %s: a PASID held by two address spaces", p.name).isEmpty();
        assertThat(jdbc.queryForList("select b.id from bond b join address_space a on a.id = b.address_space_id where b.node_id = ?"
                + " and (a.pasid is null or a.pasid <> b.pasid)", Long.class, nodeId))
                .as("node %s: bonds whose PASID is not their address space's", p.name).isEmpty();
        assertThat(jdbc.queryForList("select h.id from device h join iommu_group g on g.id = h.group_id where h.node_id = ?"
                + " and g.container_id is not null and h.driver is not null and h.driver <> 'vfio-pci'", Long.class, nodeId))
                .as("node %s: host drivers on devices of attached groups", p.name).isEmpty();

        // the node still takes changes: a wedged counter answers every one of them 409 DUPLICATE
        Response probe = api.post("/api/v1/address-spaces", Api.json(Map.of("node", p.name, "pid", pid.getAndIncrement())));
        assertThat(probe.status()).as("node %s takes a change after the load: %s", p.name, probe).isEqualTo(201);

        checkDma(p, nodeId);
    }

    /** Every device's DMA, through containers and bonds, agrees with the rows of the database. */
    private void checkDma(Pool p, long nodeId) {
        Map<Long, Set<Long>> mapped = new HashMap<>();
        jdbc.query("select m.container_id, m.first_key from dma_mapping m join container c on c.id = m.container_id where c.node_id = ?",
                rs -> {
                    mapped.computeIfAbsent(rs.getLong(1), k -> new HashSet<>()).add(rs.getLong(2) ^ Long.MIN_VALUE);
                }, nodeId);
        Map<Long, Integer> pasidOf = new HashMap<>();
        jdbc.query("select a.id, a.pasid from address_space a where a.node_id = ? and a.pasid is not null"
                + " and exists (select 1 from region r where r.address_space_id = a.id)",
                rs -> {
                    pasidOf.put(rs.getLong(1), rs.getInt(2));
                }, nodeId);
        Set<String> bonded = new HashSet<>();
        jdbc.query("select device_id, address_space_id from bond where node_id = ?",
                rs -> {
                    bonded.add(rs.getLong(1) + "/" + rs.getLong(2));
                }, nodeId);
        int checked = 0;
        for (JsonNode d : all("/api/v1/devices?node=" + p.name)) {
            String deviceId = d.path("id").asString();
            long deviceKey = jdbc.queryForObject("select d.id from device d where d.node_id = ? and d.bdf = ?", Long.class,
                    nodeId, d.path("bdf").asString());
            Long container = jdbc.queryForObject("select g.container_id from device d join iommu_group g on g.id = d.group_id"
                    + " where d.id = ?", Long.class, deviceKey);
            for (int k = 1; k <= SLOTS; k++) {
                long iova = 0x100000L * k;
                boolean expected = container != null && mapped.getOrDefault(container, Set.of()).contains(iova);
                Response dma = api.post("/api/v1/dma", Api.json(Map.of("deviceId", deviceId, "address", hex(iova), "access", "READ")));
                assertThat(dma.str("outcome")).as("node %s: DMA of %s at %s (container %s, mapped %s): %s", p.name, deviceId,
                        hex(iova), container, expected, dma).isEqualTo(expected ? "TRANSLATED" : "FAULT");
                checked++;
            }
            for (Map.Entry<Long, Integer> space : pasidOf.entrySet()) {
                boolean expected = bonded.contains(deviceKey + "/" + space.getKey());
                Response dma = api.post("/api/v1/dma", Api.json(Map.of("deviceId", deviceId, "pasid", space.getValue(),
                        "address", hex(REGION_VA + 16), "access", "READ")));
                assertThat(dma.str("outcome")).as("node %s: DMA of %s with PASID %d (bonded %s): %s", p.name, deviceId,
                        space.getValue(), expected, dma).isEqualTo(expected ? "TRANSLATED" : "FAULT");
                checked++;
            }
        }
        assertThat(checked).as("DMAs checked on node %s", p.name).isPositive();
    }

    private static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
