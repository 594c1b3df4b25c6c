package dev.sva.topology;

import dev.sva.topology.fabric.PciAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * How a node's devices and groups must change to match a new set of enforced groups (TOPOLOGY.md "Reconciling a node
 * with a new topology"), computed without touching anything, so an import, its dry run and a what-if answer the same
 * plan. Functions match by BDF. A group is kept (same id) when the devices it keeps are exactly the devices the new
 * group already had: only plugs and unplugs touched it. Every other group that keeps a device is re-formed; groups
 * that keep no device are removed.
 */
final class Reconciliation {

    /** A current device: its key, BDF and group. */
    record Current(long deviceId, PciAddress bdf, long groupId) {
    }

    /**
     * One enforced group and where its devices come from: {@code keptGroupId} when it continues an existing group,
     * else null (a new group); {@code plugged} are BDFs no device has yet; {@code moved} are devices of re-formed
     * groups that join it.
     */
    record Target(List<PciAddress> members, Long keptGroupId, List<PciAddress> plugged, List<Current> moved) {
    }

    /**
     * The plan: targets in the order of the enforced groups; devices to unplug; groups re-formed (with the BDFs they
     * held); groups removed without being re-formed (their devices all unplugged, or empty).
     */
    record Plan(List<Target> targets, List<Current> unplugged, Map<Long, List<PciAddress>> reformed, List<Long> emptied) {

        boolean changesGroups() {
            return !unplugged.isEmpty() || !reformed.isEmpty() || !emptied.isEmpty()
                    || targets.stream().anyMatch(t -> t.keptGroupId() == null || !t.plugged().isEmpty() || !t.moved().isEmpty());
        }
    }

    private Reconciliation() {
    }

    static Plan plan(List<Current> devices, List<Long> groupIds, List<List<PciAddress>> enforced) {
        Map<PciAddress, Current> byBdf = new HashMap<>();
        for (Current c : devices) {
            byBdf.put(c.bdf(), c);
        }
        Set<PciAddress> next = new HashSet<>();
        for (List<PciAddress> g : enforced) {
            next.addAll(g);
        }
        // what each existing group keeps: its devices still on the host
        Map<Long, Set<PciAddress>> survivors = new LinkedHashMap<>();
        for (long g : groupIds) {
            survivors.put(g, new TreeSet<>());
        }
        List<Current> unplugged = new ArrayList<>();
        for (Current c : devices) {
            if (next.contains(c.bdf())) {
                survivors.computeIfAbsent(c.groupId(), k -> new TreeSet<>()).add(c.bdf());
            } else {
                unplugged.add(c);
            }
        }
        Map<Set<PciAddress>, Long> bySurvivors = new HashMap<>();
        survivors.forEach((g, s) -> {
            if (!s.isEmpty()) {
                bySurvivors.put(s, g);
            }
        });
        Set<Long> kept = new HashSet<>();
        List<Target> targets = new ArrayList<>();
        for (List<PciAddress> members : enforced) {
            TreeSet<PciAddress> existing = new TreeSet<>();
            List<PciAddress> plugged = new ArrayList<>();
            for (PciAddress a : members) {
                if (byBdf.containsKey(a)) {
                    existing.add(a);
                } else {
                    plugged.add(a);
                }
            }
            Long keep = existing.isEmpty() ? null : bySurvivors.get(existing);
            List<Current> moved = new ArrayList<>();
            if (keep != null) {
                kept.add(keep);
            } else {
                for (PciAddress a : existing) {
                    moved.add(byBdf.get(a));
                }
            }
            targets.add(new Target(List.copyOf(members), keep, plugged, moved));
        }
        Map<Long, List<PciAddress>> reformed = new LinkedHashMap<>();
        List<Long> emptied = new ArrayList<>();
        survivors.forEach((g, s) -> {
            if (kept.contains(g)) {
                return;
            }
            if (s.isEmpty()) {
                emptied.add(g);
            } else {
                List<PciAddress> before = new ArrayList<>();
                for (Current c : devices) {
                    if (c.groupId() == g) {
                        before.add(c.bdf());
                    }
                }
                before.sort(PciAddress::compareTo);
                reformed.put(g, before);
            }
        });
        return new Plan(targets, unplugged, reformed, emptied);
    }
}
