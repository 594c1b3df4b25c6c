package dev.sva.race;

import static dev.sva.race.Race.assertAnswers;
import static org.assertj.core.api.Assertions.assertThat;

import dev.sva.bond.BondApiTest;
import dev.sva.race.Race.Outcome;
import dev.sva.support.Api.Response;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/**
 * The bond rules under real concurrent HTTP requests, under the default policy {@code STRICT}. Each
 * test fires hundreds of requests from a pool of threads, the ones meant to collide in rounds that
 * start together, accepts only 2xx or the refusals the contract names for that interleaving (never
 * a 5xx: a {@code 503 BUSY} would mean lock timeouts), then reads the state back through the API and
 * checks every invariant of the rules against it. Randomised choices use a fixed seed.
 */
public abstract class BondRaceTests extends BondApiTest {

    private static final int THREADS = 16;

    // ---- rules 1 and 5: a device bind racing a hot-plug into the same group ----

    @Test
    void deviceBindRacingAHotplugNeverLeavesABondOnAMultiDeviceGroup() throws Exception {
        int groups = 80;
        List<String> procs = IntStream.range(0, 8).mapToObj(i -> proc()).toList();
        List<String> devices = IntStream.range(0, groups).mapToObj(i -> dev(20, false)).toList();
        Map<String, String> groupOf = new HashMap<>();
        devices.forEach(d -> groupOf.put(d, groupOf(d)));

        Race race = new Race(THREADS);
        for (int i = 0; i < groups; i++) {
            String d = devices.get(i);
            race.add("bind", d, () -> bind(d, procs.get(0)));
            race.add("hotplug", groupOf.get(d), () -> hotplug(groupOf.get(d), 20, false));
            String other = procs.get(1 + (i % 7));
            race.add("bind", d, () -> bind(d, other));
            race.round();
        }
        List<Outcome> outcomes = race.run();
        System.out.printf("[%s] device bind vs hot-plug: %s%n", database(), Race.tally(outcomes));

        assertAnswers(outcomes, "bind", Set.of("201", "409 GROUP_NOT_SINGLETON"));
        assertAnswers(outcomes, "hotplug", Set.of("201"));
        outcomes.stream().filter(o -> !o.ok()).forEach(o -> assertThat(o.response().str("errno")).isEqualTo("EINVAL"));

        // every group now has two devices, so no bond may remain on any of them
        assertThat(bonds("")).as("bonds left on multi-device groups").isEmpty();
        for (String g : new HashSet<>(groupOf.values())) {
            JsonNode group = group(g);
            assertThat(group.path("devices")).hasSize(2);
            assertThat(group.path("bondCount").asInt()).isZero();
        }
        // each bind that won was undone by the hot-plug that followed it, and said so
        Set<String> won = outcomes.stream().filter(o -> o.kind().equals("bind") && o.ok())
                .map(o -> o.response().str("id")).collect(Collectors.toSet());
        for (String bond : won) {
            assertProblem(api.get("/api/v1/bonds/" + bond), 404, "NOT_FOUND");
        }
        List<JsonNode> revoked = events("BOND_REVOKED");
        assertThat(revoked).extracting(e -> e.path("subject").path("id").asString()).containsExactlyInAnyOrderElementsOf(won);
        assertThat(revoked).extracting(e -> e.path("data").path("reason").asString()).containsOnly("GROUP_NO_LONGER_SINGLETON");
        assertOnePasidPerProcess();
    }

    // ---- rule 8: PASID allocation ----

    @Test
    void concurrentBindsOfDifferentProcessesNeverShareAPasid() throws Exception {
        int processes = 150;
        List<String> devices = IntStream.range(0, 8).mapToObj(i -> dev(20, false)).toList();
        List<String> procs = IntStream.range(0, processes).mapToObj(i -> proc()).toList();
        Random random = new Random(8);

        // four processes (twelve binds) to a round: first binds allocating PASIDs collide with each other
        Race race = new Race(THREADS);
        for (int i = 0; i < processes; i++) {
            String p = procs.get(i);
            List<String> shuffled = new ArrayList<>(devices);
            Collections.shuffle(shuffled, random);
            for (String d : shuffled.subList(0, 3)) {
                race.add("bind", p, () -> bind(d, p));
            }
            if (i % 4 == 3) {
                race.round();
            }
        }
        List<Outcome> outcomes = race.run();
        System.out.printf("[%s] PASID allocation: %s%n", database(), Race.tally(outcomes));

        assertAnswers(outcomes, "bind", Set.of("201"));
        List<JsonNode> all = bonds("");
        assertThat(all).hasSize(processes * 3);
        Map<String, Integer> pasids = assertOnePasidPerProcess();
        assertThat(pasids).hasSize(processes);
        assertThat(new TreeSet<>(pasids.values())).as("the lowest free PASIDs, each once")
                .containsExactlyElementsOf(IntStream.rangeClosed(1, processes).boxed().toList());
        for (Outcome o : outcomes) {
            assertThat(o.response().body().path("pasid").asInt()).isEqualTo(pasids.get(o.key()));
        }
    }

    @Test
    void concurrentBindsOfTheSameDeviceAndProcessMakeOneBond() throws Exception {
        int pairs = 24;
        int copies = 16;
        List<String> procs = IntStream.range(0, 8).mapToObj(i -> proc()).toList();
        List<String> devices = IntStream.range(0, pairs).mapToObj(i -> dev(20, true)).toList();

        Race race = new Race(THREADS);
        for (int i = 0; i < pairs; i++) {
            String d = devices.get(i);
            String p = procs.get(i % procs.size());
            for (int k = 0; k < copies; k++) {
                race.add("bind", d + "/" + p, () -> bind(d, p, true, "same"));
            }
            race.round();
        }
        List<Outcome> outcomes = race.run();
        System.out.printf("[%s] idempotent bind: %s%n", database(), Race.tally(outcomes));

        assertAnswers(outcomes, "bind", Set.of("201", "200"));
        Map<String, List<Outcome>> byPair = outcomes.stream()
                .collect(Collectors.groupingBy(Outcome::key, LinkedHashMap::new, Collectors.toList()));
        assertThat(byPair).hasSize(pairs);
        Map<String, Integer> pasids = assertOnePasidPerProcess();
        byPair.forEach((pair, answers) -> {
            assertThat(answers).filteredOn(o -> o.status() == 201).as("one creation for %s", pair).hasSize(1);
            assertThat(answers).filteredOn(o -> o.status() == 200).hasSize(copies - 1);
            assertThat(answers).extracting(o -> o.response().str("id")).as("one bond for %s", pair).containsOnly(
                    answers.get(0).response().str("id"));
            String[] dp = pair.split("/");
            List<JsonNode> listed = bonds("&deviceId=" + dp[0] + "&addressSpaceId=" + dp[1]);
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).path("id").asString()).isEqualTo(answers.get(0).response().str("id"));
            assertThat(answers).extracting(o -> o.response().body().path("pasid").asInt()).containsOnly(pasids.get(dp[1]));
        });
        assertThat(bonds("")).hasSize(pairs);
        assertThat(events("BOND_CREATED")).hasSize(pairs);
        assertThat(new TreeSet<>(pasids.values())).containsExactlyElementsOf(IntStream.rangeClosed(1, procs.size()).boxed().toList());
    }

    // ---- rules 2, 5 and 13: a container bind racing an attach and a hot-plug ----

    @Test
    void containerBindRacingAttachAndHotplugNeverHalfBindsAContainer() throws Exception {
        int scenarios = 48;
        record Scenario(String container, String groupA, String groupB, String p, String q) {
        }
        List<Scenario> all = new ArrayList<>();
        for (int i = 0; i < scenarios; i++) {
            String c = container();
            String a = dev(20, false);
            attach(c, groupOf(a));
            all.add(new Scenario(c, groupOf(a), groupOf(dev(20, false)), proc(), proc()));
        }

        Race race = new Race(THREADS);
        for (int i = 0; i < scenarios; i++) {
            Scenario s = all.get(i);
            race.add("bind", s.container() + "/" + s.p(), () -> bindContainer(s.container(), s.p()));
            race.add("attach", s.container() + "/" + s.groupB(), () -> attachAnswer(s.container(), s.groupB()));
            race.add("bind", s.container() + "/" + s.q(), () -> bindContainer(s.container(), s.q()));
            switch (i % 3) {
                case 0 -> race.add("hotplug", s.groupB(), () -> hotplug(s.groupB(), 20, false));
                case 1 -> race.add("hotplug", s.groupA(), () -> hotplug(s.groupA(), 20, false));
                default -> { } // no hot-plug: both groups stay singletons
            }
            race.round();
        }
        List<Outcome> outcomes = race.run();
        System.out.printf("[%s] container bind vs attach vs hot-plug: %s%n", database(), Race.tally(outcomes));

        assertAnswers(outcomes, "bind", Set.of("201", "409 UNSAFE_GROUP_BIND"));
        assertAnswers(outcomes, "attach", Set.of("201", "409 UNSAFE_GROUP_BIND"));
        assertAnswers(outcomes, "hotplug", Set.of("201"));
        Map<String, Outcome> byKey = outcomes.stream().filter(o -> !o.kind().equals("hotplug"))
                .collect(Collectors.toMap(Outcome::key, o -> o));

        Map<String, String> groupByDevice = groupByDevice();
        Map<String, Long> groupSize = groupByDevice.values().stream()
                .collect(Collectors.groupingBy(g -> g, Collectors.counting()));
        List<JsonNode> bonds = bonds("");
        // STRICT: no bond at all on a group of several devices
        assertThat(bonds).filteredOn(b -> groupSize.get(groupByDevice.get(b.path("deviceId").asString())) > 1)
                .as("bonds on multi-device groups").isEmpty();
        Map<String, Integer> pasids = assertOnePasidPerProcess();

        for (Scenario s : all) {
            List<String> attached = new ArrayList<>();
            api.get("/api/v1/containers/" + s.container()).body().path("groups").forEach(g -> attached.add(g.asString()));
            boolean attachWon = byKey.get(s.container() + "/" + s.groupB()).ok();
            assertThat(attached.contains(s.groupB())).as("group B attached iff its attach succeeded").isEqualTo(attachWon);
            // the devices a complete bind of this container covers now: those of its singleton groups
            Set<String> expected = groupByDevice.entrySet().stream()
                    .filter(e -> attached.contains(e.getValue()) && groupSize.get(e.getValue()) == 1)
                    .map(Map.Entry::getKey).collect(Collectors.toSet());
            for (String p : List.of(s.p(), s.q())) {
                boolean bound = byKey.get(s.container() + "/" + p).ok();
                Set<String> covered = bonds.stream()
                        .filter(b -> s.container().equals(b.path("containerId").asString())
                                && p.equals(b.path("addressSpaceId").asString()))
                        .map(b -> b.path("deviceId").asString()).collect(Collectors.toSet());
                assertThat(covered).as("devices of container %s bound to %s (bind %s, groups %s)",
                        s.container(), p, byKey.get(s.container() + "/" + p).response(), attached)
                        .isEqualTo(bound ? expected : Set.of());
                bonds.stream().filter(b -> p.equals(b.path("addressSpaceId").asString()))
                        .forEach(b -> assertThat(b.path("pasid").asInt()).isEqualTo(pasids.get(p)));
                // the container remembers exactly the binds that succeeded
                Response unbind = api.delete("/api/v1/containers/" + s.container() + "/bonds/" + p);
                if (bound) {
                    assertThat(unbind.status()).as("%s", unbind).isEqualTo(204);
                } else {
                    assertProblem(unbind, 404, "NOT_FOUND", "ESRCH");
                }
            }
        }
        assertThat(bonds("")).as("the container unbinds removed every bond").isEmpty();
    }

    // ---- rule 12: exits racing binds ----

    @Test
    void exitsRacingBindsLeaveNoBondForAnExitedProcess() throws Exception {
        List<String> devices = IntStream.range(0, 6).mapToObj(i -> dev(20, false)).toList();
        String c = container();
        attach(c, groupOf(dev(20, false)));
        attach(c, groupOf(dev(20, false)));
        List<String> procs = IntStream.range(0, 60).mapToObj(i -> proc()).toList();
        Random random = new Random(12);

        Race race = new Race(THREADS);
        List<String[]> plans = new ArrayList<>();
        for (int i = 0; i < procs.size(); i++) {
            String p = procs.get(i);
            String d1 = devices.get(random.nextInt(devices.size()));
            String d2 = devices.get((devices.indexOf(d1) + 1 + random.nextInt(devices.size() - 1)) % devices.size());
            plans.add(new String[] {p, d1, d2, i % 2 == 0 ? "exit" : "live"});
        }
        // binds and exits of a process in one round, processes interleaved at random
        Collections.shuffle(plans, random);
        for (String[] plan : plans) {
            String p = plan[0];
            race.add("bind", p, () -> bind(plan[1], p));
            race.add("bind", p, () -> bind(plan[2], p));
            race.add("containerBind", p, () -> bindContainer(c, p));
            if (plan[3].equals("exit")) {
                race.add("exit", p, () -> api.delete("/api/v1/address-spaces/" + p));
            }
            if (random.nextBoolean()) {
                // a new process takes a PASID while others are being freed
                race.add("newProcess", "", () -> {
                    Response created = newProcess();
                    return created.status() == 201 ? bind(plan[1], created.str("id")) : created;
                });
            }
            race.round();
        }
        List<Outcome> outcomes = race.run();
        System.out.printf("[%s] exit vs bind: %s%n", database(), Race.tally(outcomes));

        assertAnswers(outcomes, "bind", Set.of("201", "404 NOT_FOUND"));
        assertAnswers(outcomes, "containerBind", Set.of("201", "404 NOT_FOUND"));
        assertAnswers(outcomes, "exit", Set.of("204"));
        assertAnswers(outcomes, "newProcess", Set.of("201"));
        Set<String> exited = outcomes.stream().filter(o -> o.kind().equals("exit")).map(Outcome::key).collect(Collectors.toSet());
        assertThat(exited).hasSize(30);

        List<JsonNode> left = bonds("");
        assertThat(left).extracting(b -> b.path("addressSpaceId").asString()).as("bonds of exited processes")
                .doesNotContainAnyElementsOf(exited);
        for (String p : exited) {
            assertProblem(api.get("/api/v1/address-spaces/" + p), 404, "NOT_FOUND");
            assertProblem(api.delete("/api/v1/containers/" + c + "/bonds/" + p), 404, "NOT_FOUND", "ESRCH");
        }
        Map<String, Integer> pasids = assertOnePasidPerProcess();
        // every bond created is still there or was revoked by its process's exit, and no other way
        List<JsonNode> createdEvents = events("BOND_CREATED");
        List<JsonNode> revokedEvents = events("BOND_REVOKED");
        assertThat(revokedEvents).extracting(e -> e.path("data").path("reason").asString()).containsOnly("PROCESS_EXIT");
        assertThat(revokedEvents).extracting(e -> e.path("data").path("addressSpaceId").asString()).allMatch(exited::contains);
        Set<String> createdIds = createdEvents.stream().map(e -> e.path("subject").path("id").asString()).collect(Collectors.toSet());
        Set<String> gone = revokedEvents.stream().map(e -> e.path("subject").path("id").asString()).collect(Collectors.toSet());
        Set<String> kept = left.stream().map(b -> b.path("id").asString()).collect(Collectors.toSet());
        assertThat(gone).doesNotContainAnyElementsOf(kept);
        Set<String> union = new HashSet<>(gone);
        union.addAll(kept);
        assertThat(union).isEqualTo(createdIds);
        createdEvents.stream().filter(e -> exited.contains(e.path("data").path("addressSpaceId").asString()))
                .forEach(e -> assertThat(gone).contains(e.path("subject").path("id").asString()));

        // the freed PASIDs are free: the next process gets the lowest one no live process holds
        int lowestFree = IntStream.iterate(1, i -> i + 1).filter(i -> !pasids.containsValue(i)).findFirst().orElseThrow();
        String late = proc();
        assertThat(bound(devices.get(0), late).path("pasid").asInt()).isEqualTo(lowestFree);
    }

    // ---- helpers ----

    /**
     * Checks rule 8 across the node: every live process's bonds carry its PASID, and no PASID belongs
     * to two live processes. Answers the PASID of each live process that has one.
     */
    protected Map<String, Integer> assertOnePasidPerProcess() {
        Map<String, Integer> pasids = new HashMap<>();
        for (JsonNode as : all("/api/v1/address-spaces?node=" + node)) {
            if (!as.path("pasid").isNull()) {
                pasids.put(as.path("id").asString(), as.path("pasid").asInt());
            }
        }
        assertThat(new HashSet<>(pasids.values())).as("PASIDs of live processes are distinct: %s", pasids)
                .hasSize(pasids.size());
        assertThat(pasids.values()).allMatch(p -> p >= 1);
        for (JsonNode b : bonds("")) {
            String as = b.path("addressSpaceId").asString();
            assertThat(pasids).as("bond %s of a live process with a PASID", b).containsKey(as);
            assertThat(b.path("pasid").asInt()).as("bond %s carries its process's PASID", b).isEqualTo(pasids.get(as));
        }
        return pasids;
    }
}
