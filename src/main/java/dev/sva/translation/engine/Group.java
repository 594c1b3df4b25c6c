package dev.sva.translation.engine;

import java.util.ArrayList;
import java.util.List;

/**
 * An IOMMU group: the devices the fabric cannot isolate from each other, and the container they translate through.
 *
 * <p>Threading: {@link #members} is written and read by the engine writer only. {@link #container} and
 * {@link #peerBars} are volatile, written by the writer and read by translators.
 *
 * <p>Invariants: {@link #members} is sorted by device id; {@link #peerBars} is null unless the group has at least two
 * members, else it lists every member's BARs as {@code (owner id, base, last)} triples plus the BAR index, in member
 * order then BAR order (so a translator scanning it finds the lowest-id peer first).
 */
final class Group {

    final long id;
    volatile Container container;
    volatile long[] peerBars;
    final List<Device> members = new ArrayList<>(1);

    Group(long id) {
        this.id = id;
    }

    /** Recomputes {@link #peerBars}, and each fabric-routed member's own table, from the members' current state. Writer only. */
    void rebuildPeers() {
        for (Device d : members) {
            if (d.reach != null) {
                d.fabricPeers = reachable(d);
            }
        }
        if (members.size() < 2) {
            peerBars = null;
            return;
        }
        int count = 0;
        for (Device d : members) {
            count += d.state.barIndex.length;
        }
        long[] bars = new long[4 * count];
        int k = 0;
        for (Device d : members) {
            DeviceState s = d.state;
            for (int i = 0; i < s.barIndex.length; i++) {
                bars[k++] = d.id;
                bars[k++] = s.barBase[i];
                bars[k++] = s.barBase[i] + s.barSize[i] - 1;
                bars[k++] = s.barIndex[i];
            }
        }
        peerBars = bars;
    }

    /**
     * The BARs of the members that {@code requester}'s {@link Device#reach} names, as {@code (owner, base, last, index)}
     * in member order then BAR order. A reachable peer outside the group is not routed: the fabric's derivation puts
     * every peer a DMA can reach in the requester's group, and the engine routes only within it. Writer only.
     */
    long[] reachable(Device requester) {
        long[] reach = requester.reach;
        long[] out = new long[0];
        int k = 0;
        for (Device d : members) {
            if (d == requester) {
                continue;
            }
            DeviceState s = d.state;
            for (int i = 0; i < s.barIndex.length; i++) {
                long key = d.id << 8 | s.barIndex[i];
                if (java.util.Arrays.binarySearch(reach, key) >= 0) {
                    if (k == out.length) {
                        out = java.util.Arrays.copyOf(out, Math.max(4, out.length * 2));
                    }
                    out[k++] = d.id;
                    out[k++] = s.barBase[i];
                    out[k++] = s.barBase[i] + s.barSize[i] - 1;
                    out[k++] = s.barIndex[i];
                }
            }
        }
        return k == out.length ? out : java.util.Arrays.copyOf(out, k);
    }

    void addMember(Device d) {
        int i = 0;
        while (i < members.size() && members.get(i).id < d.id) {
            i++;
        }
        members.add(i, d);
    }
}
