package dev.sva.translation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.addressspace.AddressSpaceQueries;
import dev.sva.bond.BondService;
import dev.sva.container.ContainerQueries;
import dev.sva.core.Ids;
import dev.sva.core.StateChange;
import dev.sva.core.StateChangeCodec;
import dev.sva.core.Timestamps;
import dev.sva.device.DeviceQueries;
import dev.sva.node.Journal;
import dev.sva.node.NodeGate;
import dev.sva.node.NodeService;
import dev.sva.support.Api;
import dev.sva.support.Api.Response;
import dev.sva.topology.FabricRoutes;
import dev.sva.translation.engine.Access;
import dev.sva.translation.engine.DmaResult;
import dev.sva.translation.engine.TranslationEngine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The journal (docs/replicas.md, "The journal"): each committed change of a node is one record with its engine commands
 * in order, a rolled-back one writes nothing, and an engine fed only from the journal — from a snapshot plus the tail,
 * or reloaded from a snapshot when the records it needs were pruned — answers DMA exactly as the live one.
 */
abstract class JournalTests extends DmaTestSupport {

    @Autowired
    JdbcTemplate jdbc;

    @Autowired
    Journal journal;

    @Autowired
    JournalFeed feed;

    @Autowired
    TranslationEngine live;

    @Autowired
    NodeService nodes;

    @Autowired
    PlatformTransactionManager transactions;

    @Autowired
    DeviceQueries devices;

    @Autowired
    ContainerQueries containers;

    @Autowired
    AddressSpaceQueries spaces;

    @Autowired
    BondService bonds;

    @Autowired
    FabricRoutes fabricRoutes;

    @Autowired
    NodeGate gate;

    private long nodeId() {
        return nodes.get(node).id();
    }

    private List<String> records(long nodeId) {
        return jdbc.queryForList("select changes from journal where node_id = ? order by position", String.class, nodeId);
    }

    private long position(long nodeId) {
        return jdbc.queryForObject("select journal_position from node where id = ?", Long.class, nodeId);
    }

    @Test
    void eachChangeIsOneRecordWithItsCommandsInOrderAtGapFreePositions() {
        long n = nodeId();
        assertThat(records(n)).as("the node's creation").containsExactly(StateChangeCodec.encode(List.of(
                new StateChange.NodePut(n, 20, 48, 48))));
        String dev = dev(0, false);
        String ctr = container();
        attach(ctr, groupOf(dev));
        map(ctr, "0x10000", 4096, "0x80000000", true, true);
        map(ctr, "0x20000", 8192, "0x90000000", true, false);
        map(ctr, "0x40000", 4096, "0xa0000000", false, true);
        int before = records(n).size();
        Response unmap = api.delete("/api/v1/containers/" + ctr + "/mappings");
        assertThat(unmap.status()).as("%s", unmap).isEqualTo(200);

        List<String> all = records(n);
        assertThat(all).as("one record for the unmap of three mappings").hasSize(before + 1);
        long c = Ids.CONTAINER.parse(ctr);
        assertThat(StateChangeCodec.decode(all.get(all.size() - 1))).containsExactly(
                new StateChange.Unmapped(c, 0x10000, 4096), new StateChange.Unmapped(c, 0x20000, 8192),
                new StateChange.Unmapped(c, 0x40000, 4096));
        assertThat(jdbc.queryForList("select position from journal where node_id = ? order by position", Long.class, n))
                .containsExactlyElementsOf(IntStream.rangeClosed(1, all.size()).mapToObj(i -> (long) i).toList());
        assertThat(position(n)).isEqualTo(all.size());
        assertThat(feed.applied(n)).as("the local engine applied every record").isEqualTo(all.size());

        // a change the engine does not hold (a driver) writes no record; a refused one neither
        String other = dev(0, false);
        assertThat(api.patch("/api/v1/devices/" + other, Api.json(Map.of("driver", "nvidia"))).status()).isEqualTo(200);
        assertProblem(api.put("/api/v1/containers/" + container() + "/groups/" + groupOf(dev)), 409, "GROUP_IN_USE");
        assertThat(records(n)).hasSize(all.size() + 1);
        assertThat(StateChangeCodec.decode(records(n).get(all.size()))).singleElement()
                .isInstanceOf(StateChange.DevicePut.class)
                .satisfies(d -> assertThat(((StateChange.DevicePut) d).deviceId()).isEqualTo(Ids.DEVICE.parse(other)));
    }

    @Test
    void aRolledBackChangeWritesNoRecordAndTellsNoHook() {
        long n = nodeId();
        long at = position(n);
        TransactionTemplate tx = new TransactionTemplate(transactions);
        tx.executeWithoutResult(status -> {
            nodes.lock(node);
            journal.append(n, List.of(new StateChange.DeviceRemoved(999_999_999L)));
            status.setRollbackOnly();
        });
        try {
            tx.executeWithoutResult(status -> {
                nodes.lock(node);
                journal.append(n, List.of(new StateChange.DeviceRemoved(999_999_999L)));
                throw new IllegalStateException("refused after the append");
            });
        } catch (IllegalStateException expected) {
            // rolled back
        }
        assertThat(position(n)).isEqualTo(at);
        assertThat(records(n)).hasSize((int) at);
        assertThat(feed.applied(n)).isEqualTo(at);
    }

    @Test
    void aTransactionTooLongForOneRecordIsWrittenAsConsecutiveRecords() {
        long n = nodeId();
        long at = position(n);
        List<StateChange> many = new ArrayList<>();
        for (int i = 0; i < 30_000; i++) {
            many.add(new StateChange.DeviceRemoved(1_000_000_000L + i)); // unknown to the engine: a no-op there
        }
        new TransactionTemplate(transactions).executeWithoutResult(status -> {
            nodes.lock(node);
            journal.append(n, many);
        });
        long last = position(n);
        assertThat(last).as("more than one record").isGreaterThan(at + 1);
        List<StateChange> back = new ArrayList<>();
        jdbc.queryForList("select changes from journal where node_id = ? and position > ? order by position", String.class, n, at)
                .forEach(text -> {
                    assertThat(text.length()).isLessThanOrEqualTo(256 * 1024);
                    back.addAll(StateChangeCodec.decode(text));
                });
        assertThat(back).containsExactlyElementsOf(many);
        assertThat(feed.applied(n)).isEqualTo(last);
    }

    /** A second engine, fed only from the journal as another replica's would be. */
    private Follower follower() {
        TranslationEngine engine = new TranslationEngine(64, 64);
        JournalFeed f = new JournalFeed(engine, journal, transactions, nodes, devices, containers, spaces, bonds, fabricRoutes, gate);
        f.afterSingletonsInstantiated();
        return new Follower(engine, f);
    }

    private record Follower(TranslationEngine engine, JournalFeed feed) {
    }

    @Test
    void anEngineLoadedFromASnapshotAndFedTheTailAnswersAsTheLiveOne() {
        Fixture x = fixture();
        Follower second = follower();
        long n = nodeId();
        assertThat(second.feed.applied(n)).isEqualTo(position(n));
        assertThat(answers(second.engine, x)).isEqualTo(answers(live, x));

        changeEverything(x);
        second.feed.catchUp(n, position(n));
        assertThat(second.feed.applied(n)).isEqualTo(position(n));
        assertThat(second.feed.snapshots()).as("the tail was read from the journal").isEqualTo(0);
        assertThat(answers(second.engine, x)).isEqualTo(answers(live, x));
    }

    @Test
    void aFollowerBehindPrunedRecordsReloadsTheNodeFromASnapshot() {
        Fixture x = fixture();
        Follower second = follower();
        long n = nodeId();
        changeEverything(x);
        int deleted = new TransactionTemplate(transactions).execute(status ->
                journal.prune(0, Timestamps.now().plus(Duration.ofMinutes(1))));
        assertThat(deleted).isPositive();
        assertThat(records(n)).as("every record of the node pruned").isEmpty();
        assertThat(answers(second.engine, x)).as("the follower is behind").isNotEqualTo(answers(live, x));

        second.feed.catchUp(n, position(n));
        assertThat(second.feed.snapshots()).isEqualTo(1);
        assertThat(second.feed.applied(n)).isEqualTo(position(n));
        assertThat(answers(second.engine, x)).isEqualTo(answers(live, x));

        // and it follows the records written after the pruning from the journal again
        map(x.ctr, "0x300000", 4096, "0xb0000000", true, true);
        second.feed.catchUp(n, position(n));
        assertThat(second.feed.snapshots()).isEqualTo(1);
        assertThat(answers(second.engine, x)).isEqualTo(answers(live, x));
    }

    @Test
    void pruningKeepsTheNewestRecordsOfEachNode() {
        String ctr = container();
        attach(ctr, groupOf(dev(0, false)));
        for (int i = 0; i < 5; i++) {
            map(ctr, "0x" + Long.toHexString(0x100000L + i * 0x1000L), 4096, "0x80000000", true, true);
        }
        long n = nodeId();
        long last = position(n);
        new TransactionTemplate(transactions).execute(status -> journal.prune(3, Timestamps.now().plus(Duration.ofMinutes(1))));
        assertThat(jdbc.queryForList("select position from journal where node_id = ? order by position", Long.class, n))
                .containsExactly(last - 2, last - 1, last);
        // records younger than the retention stay whatever their number
        map(ctr, "0x200000", 4096, "0x80000000", true, true);
        new TransactionTemplate(transactions).execute(status -> journal.prune(0, Timestamps.now().minus(Duration.ofHours(1))));
        assertThat(records(n)).hasSize(4);
    }

    // ---- a node with every kind of state, and DMA probes over it ----

    private record Fixture(String a, String b, String solo, String ctr, String proc, int pasid) {
    }

    private Fixture fixture() {
        String a = deviceWithBar(nextBdf(), null, 20, false, "0xfe000000", 0x10000);
        String group = groupOf(a);
        String b = deviceWithBar(nextBdf(), group, 20, false, "0xfe100000", 0x10000);
        String solo = dev(20, false);
        String ctr = container();
        attach(ctr, group);
        map(ctr, "0x10000", 8192, "0x80000000", true, false);
        map(ctr, "0x20000", 4096, "0x81000000", true, true);
        String proc = process(4242);
        region(proc, "0x7000000", 8192, "0x90000000", true, true, true);
        int pasid = bond(solo, proc, false).body().path("pasid").asInt();
        return new Fixture(a, b, solo, ctr, proc, pasid);
    }

    /** Unmap, map, munmap, a new bond and an unplug: every kind of change after the snapshot. */
    private void changeEverything(Fixture x) {
        assertThat(api.delete("/api/v1/containers/" + x.ctr + "/mappings?iova=0x10000&size=8192").status()).isEqualTo(200);
        map(x.ctr, "0x30000", 4096, "0x82000000", false, true);
        assertThat(api.delete("/api/v1/address-spaces/" + x.proc + "/mappings?va=0x7001000&size=4096").status()).isEqualTo(200);
        region(x.proc, "0x8000000", 4096, "0x91000000", true, false, false);
        assertThat(api.delete("/api/v1/devices/" + x.b).status()).isEqualTo(204);
    }

    private static List<String> answers(TranslationEngine engine, Fixture x) {
        List<String> out = new ArrayList<>();
        for (String dev : List.of(x.a, x.b, x.solo)) {
            long d = Ids.DEVICE.parse(dev);
            for (long address : new long[]{0x10010, 0x11ff0, 0x20000, 0x30010, 0x7000010, 0x7001010, 0x8000010, 0xfe000100L,
                    0xfe100100L}) {
                for (int pasid : new int[]{-1, x.pasid}) {
                    for (Access access : new Access[]{Access.READ, Access.WRITE}) {
                        DmaResult r = engine.translate(d, pasid, address, 32, access);
                        out.add(dev + " " + pasid + " " + Long.toHexString(address) + " " + access + ": " + r.outcome() + " "
                                + Long.toHexString(r.physicalAddress()) + " " + r.peer()
                                + " " + (r.fault() == null ? null : r.fault().reason()));
                    }
                }
            }
        }
        return out;
    }
}
