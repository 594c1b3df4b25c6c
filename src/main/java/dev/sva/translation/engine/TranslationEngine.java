package dev.sva.translation.engine;

import static dev.sva.translation.engine.IntervalTree.FLAGS;
import static dev.sva.translation.engine.IntervalTree.PAGE_MASK;
import static dev.sva.translation.engine.IntervalTree.PRESENT;
import static dev.sva.translation.engine.IntervalTree.READ;
import static dev.sva.translation.engine.IntervalTree.WRITE;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Simulated IOMMUs of many nodes: answers DMA requests as an SMMUv3 / VT-d would, from state that the control plane
 * feeds it as commands of primitives (after each commit, and in bulk to rebuild at start).
 *
 * <p>This class holds the state and the commands; its other sections live beside it: {@link Translator} (the data
 * plane), {@link PageRequests} (iopf page requests, under the lock) and {@link IotlbTags} (tags and invalidation).
 *
 * <h2>Control plane</h2>
 * Every command may be called from any thread; the engine serialises them on one lock. When a command returns, its
 * effect is visible to every translation that starts afterwards and every IOTLB invalidation it implies is complete
 * (DOMAIN rule 18). Ids are positive and assigned by the database; the engine trusts the control plane's validation
 * (alignment, no overlap, no split, widths) and throws {@link IllegalArgumentException} only for commands that would
 * corrupt its own state (unknown parent, misaligned or overlapping interval). Removing something unknown is a no-op.
 * Groups and containers come into being when first named; nodes and address spaces must be put first.
 *
 * <h2>Data plane</h2>
 * {@link #translate(DmaBatch)} and {@link #translate(long, int, long, long, Access)} take no lock, allocate nothing per
 * request (the single-request form allocates its result) and throw nothing for a faulting request. Per request: the
 * requester's route (device → group → container, or device → PASID table → bond → address space) is resolved once per
 * run of requests with the same requester and re-resolved when {@link #epoch} changes; then peer BARs, width, the
 * node's {@link Iotlb}, and on a miss a search of the space's {@link IntervalTree}.
 *
 * <h2>Threading</h2>
 * <ul>
 *   <li>{@link #lock} guards every field not marked volatile, and serialises all writers, including the page-request
 *       path of translators (a page-in is a write).</li>
 *   <li>Routing state (device states, group containers and peer tables, PASID tables, node widths) is published with
 *       release stores; then the writer increments {@link #epoch} (volatile), which makes translators drop the routes
 *       they cached.</li>
 *   <li>Mapping state is published by replacing a space's immutable tree root (volatile); then stale IOTLB entries are
 *       invalidated: page by page for at most {@value #TARGETED_MAX_PAGES} pages, else by giving the space a new tag
 *       (O(1)). Removing a route needs no IOTLB work: entries are tagged by space, not device, and are unreachable
 *       once no route leads to the space.</li>
 * </ul>
 *
 * <h2>IOTLB tags</h2>
 * Each live space has a tag unique among live spaces ({@link Space#tagged} = {@code serial << 24 | tag}); cached
 * entries are keyed by it. Retagging never reuses a tag until the 24-bit tag space wraps; then (once per 2^24
 * allocations) every live space is first set to tag 0 (not cached), every IOTLB is emptied, and fresh tags are handed
 * out. The serial lets a fill detect that the tag it walked under changed meanwhile.
 */
public final class TranslationEngine {

    /** Unmaps covering more cached pages than this retag the space instead of invalidating page by page. */
    static final int TARGETED_MAX_PAGES = 64;
    static final int TAG_FIELD_BITS = 24;
    static final long TAG_FIELD_MASK = (1L << TAG_FIELD_BITS) - 1;

    private final int iotlbEntries;
    /** Devices with fabric routes ({@link #routePeers}), by node id; guarded by {@link #lock}. */
    private final Map<Long, List<Device>> routed = new HashMap<>();
    private final int faultRingSize;

    private final Object lock = new Object();
    /** Incremented (under {@link #lock}) after every change of routing state. */
    volatile long epoch;
    volatile LongObjectTable<Device> devices = new LongObjectTable<>();
    private final Map<Long, Node> nodes = new ConcurrentHashMap<>();
    /** Pseudo-node that records faults of unknown requesters. */
    volatile Node unattributed;
    private final Map<Long, Group> groups = new HashMap<>();
    private final Map<Long, Container> containers = new HashMap<>();
    private final Map<Long, AddressSpace> spaces = new HashMap<>();
    /** The IOTLB tags of {@link #containers} and {@link #spaces}; guarded by {@link #lock}. */
    private final IotlbTags tags;
    /** Page requests of iopf bonds; pages in under {@link #lock}. */
    /** The data plane: translates batches against the snapshot the writer publishes. */
    private final Translator translator = new Translator(this, new PageRequests(lock));
    private final IntervalTree.Entries scratch = new IntervalTree.Entries();

    /**
     * @param iotlbEntriesPerNode IOTLB capacity of each node, rounded up to a power of two (at least 4); 0 disables
     *                            the IOTLB (every request walks)
     * @param faultRingSize       fault records kept per node, rounded up to a power of two
     */
    public TranslationEngine(int iotlbEntriesPerNode, int faultRingSize) {
        this(iotlbEntriesPerNode, faultRingSize, TAG_FIELD_BITS);
    }

    /** @param tagBits width of the IOTLB tag space (tests use a tiny one to exercise wrap-around) */
    TranslationEngine(int iotlbEntriesPerNode, int faultRingSize, int tagBits) {
        if (iotlbEntriesPerNode < 0) {
            throw new IllegalArgumentException("iotlbEntriesPerNode must not be negative");
        }
        if (tagBits < 1 || tagBits > TAG_FIELD_BITS) {
            throw new IllegalArgumentException("tagBits out of range");
        }
        this.iotlbEntries = iotlbEntriesPerNode;
        this.faultRingSize = faultRingSize;
        this.tags = new IotlbTags(1 << tagBits, containers, spaces, nodes);
        this.unattributed = new Node(0, 0, null, new FaultRing(faultRingSize));
    }

    // =================================================================== control plane

    /** Adds a node, or updates its widths. {@code pasidBits} 0..20, {@code iovaBits}/{@code vaBits} 12..64. */
    public void putNode(long nodeId, int pasidBits, int iovaBits, int vaBits) {
        requireId(nodeId, "nodeId");
        if (pasidBits < 0 || pasidBits > 20 || iovaBits < 12 || iovaBits > 64 || vaBits < 12 || vaBits > 64) {
            throw new IllegalArgumentException("node widths out of range");
        }
        synchronized (lock) {
            int config = Node.config(pasidBits, iovaBits, vaBits);
            Node node = nodes.get(nodeId);
            if (node == null) {
                nodes.put(nodeId, new Node(nodeId, config,
                        iotlbEntries == 0 ? null : new Iotlb(iotlbEntries), new FaultRing(faultRingSize)));
            } else {
                node.config = config;
            }
            epoch++;
        }
    }

    /**
     * Adds a device, or replaces its configuration (a hot-plug into another group, new BARs, another PASID width).
     * Its bonds are kept. The three BAR arrays are parallel (index, base, size) and copied.
     *
     * @throws IllegalArgumentException if the node is unknown or the arguments are malformed
     */
    public void putDevice(long nodeId, long deviceId, long groupId, int pasidBits, boolean pri, int[] barIndex,
                          long[] barBase, long[] barSize) {
        requireId(deviceId, "deviceId");
        requireId(groupId, "groupId");
        if (pasidBits < 0 || pasidBits > 20) {
            throw new IllegalArgumentException("pasidBits out of range: " + pasidBits);
        }
        int bars = barIndex == null ? 0 : barIndex.length;
        if (bars > 0 && (barBase == null || barSize == null || barBase.length != bars || barSize.length != bars)) {
            throw new IllegalArgumentException("BAR arrays differ in length");
        }
        for (int i = 0; i < bars; i++) {
            if (barSize[i] <= 0 || barIndex[i] < 0 || barIndex[i] > 255) {
                throw new IllegalArgumentException("malformed BAR " + barIndex[i]);
            }
        }
        int[] index = bars == 0 ? new int[0] : barIndex.clone();
        long[] base = bars == 0 ? new long[0] : barBase.clone();
        long[] size = bars == 0 ? new long[0] : barSize.clone();
        synchronized (lock) {
            Node node = requireNode(nodeId);
            Group group = groups.computeIfAbsent(groupId, Group::new);
            Device device = devices.get(deviceId);
            DeviceState state = new DeviceState(node, group, pasidBits, pri, index, base, size);
            if (device == null) {
                device = new Device(deviceId, state);
                devices.put(deviceId, device);
                group.addMember(device);
            } else {
                Group old = device.state.group;
                device.state = state;
                if (old != group) {
                    old.members.remove(device);
                    old.rebuildPeers();
                    dropIfUnused(old);
                    group.addMember(device);
                }
            }
            group.rebuildPeers();
            Container c = group.container;
            if (c != null) {
                c.addNode(node);
            }
            device.forEachBond(b -> b.space.addNode(node)); // the device may have moved to another node
            refreshRoutesTo(nodeId, deviceId);
            epoch++;
        }
    }

    /** Hot-unplug: the device, its bonds and its place in its group are gone. */
    public void removeDevice(long deviceId) {
        synchronized (lock) {
            Device device = devices.get(deviceId);
            if (device == null) {
                return;
            }
            for (Bond b : device.clearBonds()) {
                b.space.unlink(b);
            }
            devices.remove(deviceId);
            Group group = device.state.group;
            group.members.remove(device);
            group.rebuildPeers();
            dropIfUnused(group);
            long nodeId = device.state.node.id;
            List<Device> onNode = routed.get(nodeId);
            if (onNode != null) {
                onNode.remove(device);
                if (onNode.isEmpty()) {
                    routed.remove(nodeId);
                }
            }
            refreshRoutesTo(nodeId, deviceId);
            epoch++;
        }
    }

    /**
     * Fabric routing for a device of a node with a topology: its DMA reaches without the IOMMU exactly the BARs
     * {@code (peerIds[i], barIndex[i])} of devices of its node (TOPOLOGY.md "Routing follows the fabric"), instead of
     * every BAR of its group. {@code peerIds == null} restores the group rule. Peers not (yet) known, and BAR indexes a
     * peer does not have, route nothing until a {@link #putDevice} makes them known. No-op for an unknown device.
     *
     * @throws IllegalArgumentException if the arrays differ in length or a BAR index is outside 0..255
     */
    public void routePeers(long deviceId, long[] peerIds, int[] barIndex) {
        long[] reach = null;
        if (peerIds != null) {
            if (barIndex == null || barIndex.length != peerIds.length) {
                throw new IllegalArgumentException("peer arrays differ in length");
            }
            reach = new long[peerIds.length];
            for (int i = 0; i < peerIds.length; i++) {
                requireId(peerIds[i], "peerId");
                if (barIndex[i] < 0 || barIndex[i] > 255) {
                    throw new IllegalArgumentException("malformed BAR " + barIndex[i]);
                }
                reach[i] = peerIds[i] << 8 | barIndex[i];
            }
            java.util.Arrays.sort(reach);
        }
        synchronized (lock) {
            Device device = devices.get(deviceId);
            if (device == null) {
                return;
            }
            long nodeId = device.state.node.id;
            List<Device> onNode = routed.computeIfAbsent(nodeId, k -> new ArrayList<>());
            onNode.remove(device);
            device.reach = reach;
            if (reach == null) {
                device.fabricPeers = null;
                if (onNode.isEmpty()) {
                    routed.remove(nodeId);
                }
            } else {
                onNode.add(device);
                device.fabricPeers = fabricTable(device);
            }
            epoch++;
        }
    }

    /**
     * The peer table of a routed device: {@code (owner, base, last, index)} for each (peer, BAR) of its reach that
     * exists, in peer id then BAR index order. Writer only.
     */
    private long[] fabricTable(Device d) {
        long[] reach = d.reach;
        long[] out = new long[4 * reach.length];
        int k = 0;
        for (long key : reach) {
            Device peer = devices.get(key >>> 8);
            if (peer == null || peer == d || peer.state.node != d.state.node) {
                continue;
            }
            DeviceState s = peer.state;
            int bar = (int) (key & 0xff);
            for (int i = 0; i < s.barIndex.length; i++) {
                if (s.barIndex[i] == bar) {
                    out[k++] = peer.id;
                    out[k++] = s.barBase[i];
                    out[k++] = s.barBase[i] + s.barSize[i] - 1;
                    out[k++] = bar;
                }
            }
        }
        return k == out.length ? out : java.util.Arrays.copyOf(out, k);
    }

    /** Rebuilds the tables of the routed devices of {@code nodeId} that reach {@code peerId}, after it changed. Writer only. */
    private void refreshRoutesTo(long nodeId, long peerId) {
        List<Device> onNode = routed.get(nodeId);
        if (onNode == null) {
            return;
        }
        for (Device d : onNode) {
            int at = java.util.Arrays.binarySearch(d.reach, peerId << 8);
            int from = at >= 0 ? at : -at - 1;
            if (from < d.reach.length && d.reach[from] >>> 8 == peerId) {
                d.fabricPeers = fabricTable(d);
            }
        }
    }

    /** The group's devices now translate DMA without PASID through the container (detaching it from any other). */
    public void attachGroup(long groupId, long containerId) {
        requireId(groupId, "groupId");
        requireId(containerId, "containerId");
        synchronized (lock) {
            Group group = groups.computeIfAbsent(groupId, Group::new);
            Container container = containers.computeIfAbsent(containerId, this::newContainer);
            Container old = group.container;
            if (old == container) {
                return;
            }
            if (old != null) {
                old.groups.remove(group);
            }
            container.groups.add(group);
            for (Device d : group.members) {
                container.addNode(d.state.node);
            }
            group.container = container;
            epoch++;
        }
    }

    /** The group's DMA without PASID is blocked again. */
    public void detachGroup(long groupId) {
        synchronized (lock) {
            Group group = groups.get(groupId);
            if (group == null || group.container == null) {
                return;
            }
            group.container.groups.remove(group);
            group.container = null;
            dropIfUnused(group);
            epoch++;
        }
    }

    /**
     * Maps {@code [iova, iova + size)} to {@code physicalAddress} in the container (created if new).
     *
     * @throws IllegalArgumentException if misaligned, empty, wrapping, without permission, or overlapping a mapping
     */
    public void map(long containerId, long iova, long size, long physicalAddress, boolean read, boolean write) {
        requireId(containerId, "containerId");
        long last = requireRange(iova, size, physicalAddress, read, write);
        synchronized (lock) {
            Container c = containers.computeIfAbsent(containerId, this::newContainer);
            c.root = IntervalTree.insert(c.root, iova, last, payload(physicalAddress, read, write, true));
            c.intervals++;
        }
    }

    /**
     * Removes every mapping wholly inside {@code [iova, iova + size)} (the control plane guarantees none is split;
     * one that straddles the bounds is left alone) and invalidates their IOTLB entries.
     *
     * @throws IllegalArgumentException if not page aligned
     */
    public void unmap(long containerId, long iova, long size) {
        unmap(containers, containerId, iova, size, false);
    }

    /** Drops the container and its mappings; groups still attached are detached. */
    public void removeContainer(long containerId) {
        synchronized (lock) {
            Container c = containers.remove(containerId);
            if (c == null) {
                return;
            }
            for (Group g : new ArrayList<>(c.groups)) {
                g.container = null;
                dropIfUnused(g);
            }
            c.groups.clear();
            tags.retire(c);
            epoch++;
        }
    }

    /** Adds a process address space of the node (no-op if it exists). */
    public void putAddressSpace(long nodeId, long addressSpaceId) {
        requireId(addressSpaceId, "addressSpaceId");
        synchronized (lock) {
            requireNode(nodeId);
            if (!spaces.containsKey(addressSpaceId)) {
                AddressSpace as = new AddressSpace(addressSpaceId, nodeId);
                as.tagged = tags.next();
                spaces.put(addressSpaceId, as);
            }
        }
    }

    /**
     * Maps a VA region. {@code pinned=false} makes it demand-paged: its pages are not present until a page request
     * brings them in.
     *
     * @throws IllegalArgumentException if the address space is unknown, or the region is malformed or overlaps one
     */
    public void mapRegion(long addressSpaceId, long va, long size, long physicalAddress, boolean read, boolean write,
                          boolean pinned) {
        long last = requireRange(va, size, physicalAddress, read, write);
        synchronized (lock) {
            AddressSpace as = requireSpace(addressSpaceId);
            as.root = IntervalTree.insert(as.root, va, last, payload(physicalAddress, read, write, pinned));
            as.intervals++;
        }
    }

    /**
     * munmap: removes {@code [va, va + size)} from every region it touches (splitting them) with its pages.
     *
     * @throws IllegalArgumentException if not page aligned
     */
    public void unmapRegion(long addressSpaceId, long va, long size) {
        unmap(spaces, addressSpaceId, va, size, true);
    }

    /** Process exit: the address space, its regions and every bond to it are gone. */
    public void removeAddressSpace(long addressSpaceId) {
        synchronized (lock) {
            AddressSpace as = spaces.remove(addressSpaceId);
            if (as == null) {
                return;
            }
            for (Bond b = as.bonds; b != null; b = b.next) {
                if (b.device.bond(b.pasid) == b) {
                    b.device.setBond(b.pasid, null);
                }
            }
            as.bonds = null;
            tags.retire(as);
            epoch++;
        }
    }

    /**
     * Binds {@code pasid} (0..2^20-1) of the device to the address space, replacing any bond of that PASID.
     * {@code iopf}: translation and permission faults of this PASID become page requests.
     *
     * @throws IllegalArgumentException if the device or address space is unknown or the PASID too wide
     */
    public void bind(long deviceId, int pasid, long addressSpaceId, boolean iopf) {
        if (pasid < 0 || pasid > Device.MAX_PASID) {
            throw new IllegalArgumentException("pasid out of range: " + pasid);
        }
        synchronized (lock) {
            Device device = devices.get(deviceId);
            if (device == null) {
                throw new IllegalArgumentException("unknown device " + deviceId);
            }
            AddressSpace as = requireSpace(addressSpaceId);
            Bond bond = new Bond(device, pasid, as, iopf);
            as.addNode(device.state.node);
            Bond old = device.setBond(pasid, bond);
            if (old != null) {
                old.space.unlink(old);
            }
            as.link(bond);
            epoch++;
        }
    }

    /** Removes the bond of {@code pasid} on the device, if any. */
    public void unbind(long deviceId, int pasid) {
        if (pasid < 0 || pasid > Device.MAX_PASID) {
            return;
        }
        synchronized (lock) {
            Device device = devices.get(deviceId);
            if (device == null) {
                return;
            }
            Bond old = device.setBond(pasid, null);
            if (old != null) {
                old.space.unlink(old);
                epoch++;
            }
        }
    }

    /**
     * Drops the node's state but keeps the node (its widths, fault records and counters): its devices with their
     * bonds and fabric routes, its address spaces, every container one of its groups is attached to and the
     * containers named in {@code containerIds}, and so the groups. The control plane then puts the node's state
     * again from the database, when it cannot tell whether a change it did not feed was committed. A container
     * with no group attached cannot be told apart by node here, so the caller names the node's containers.
     */
    public void forgetNodeState(long nodeId, long[] containerIds) {
        synchronized (lock) {
            List<Long> nodeDevices = new ArrayList<>();
            java.util.Set<Long> nodeContainers = new java.util.HashSet<>();
            for (long c : containerIds) {
                nodeContainers.add(c);
            }
            devices.forEach(d -> {
                if (d.state.node.id == nodeId) {
                    nodeDevices.add(d.id);
                    if (d.state.group.container != null) {
                        nodeContainers.add(d.state.group.container.id);
                    }
                }
            });
            List<Long> nodeSpaces = new ArrayList<>();
            for (AddressSpace as : spaces.values()) {
                if (as.nodeId == nodeId) {
                    nodeSpaces.add(as.id);
                }
            }
            for (long d : nodeDevices) {
                removeDevice(d);
            }
            for (long c : nodeContainers) {
                removeContainer(c);
            }
            for (long as : nodeSpaces) {
                removeAddressSpace(as);
            }
            routed.remove(nodeId);
            epoch++;
        }
    }

    /** Drops every node, device, group, container, address space, bond, fault record and counter. */
    public void clear() {
        synchronized (lock) {
            routed.clear();
            for (Container c : containers.values()) {
                tags.retire(c);
            }
            for (AddressSpace as : spaces.values()) {
                tags.retire(as);
            }
            devices = new LongObjectTable<>();
            nodes.clear();
            groups.clear();
            containers.clear();
            spaces.clear();
            unattributed = new Node(0, 0, null, new FaultRing(faultRingSize));
            epoch++;
        }
    }

    // =================================================================== queries

    /**
     * The most recent faults of the node, newest first; {@code deviceIdOrZero} filters by requester. Node 0 holds
     * the faults of unknown requesters ({@code UNKNOWN_DEVICE}). An unknown node has none.
     */
    public List<FaultRecord> recentFaults(long nodeId, long deviceIdOrZero, int limit) {
        Node node = nodeId == 0 ? unattributed : nodes.get(nodeId);
        return node == null || limit <= 0 ? List.of() : node.faults.recent(nodeId, deviceIdOrZero, limit);
    }

    /** The node of a device the engine knows; 0 for a device it does not know. Lock-free. */
    public long nodeOf(long deviceId) {
        Device d = devices.get(deviceId);
        return d == null ? 0 : d.state.node.id;
    }

    /** Counters of one node (node 0: requests from unknown requesters); all zero for an unknown node. */
    public Stats stats(long nodeId) {
        long[] sums = new long[NodeStats.COUNTERS];
        Node node = nodeId == 0 ? unattributed : nodes.get(nodeId);
        if (node != null) {
            node.stats.addTo(sums);
        }
        return NodeStats.toStats(sums);
    }

    /** Counters summed over every node, including requests from unknown requesters. */
    public Stats stats() {
        long[] sums = new long[NodeStats.COUNTERS];
        for (Node node : nodes.values()) {
            node.stats.addTo(sums);
        }
        unattributed.stats.addTo(sums);
        return NodeStats.toStats(sums);
    }

    // =================================================================== data plane

    /**
     * Translates one request (allocates its result; for the REST boundary). See {@link #translate(DmaBatch)}.
     *
     * @param pasid -1 (any negative) for DMA without PASID
     * @param size  bytes accessed, at least 1
     */
    public DmaResult translate(long deviceId, int pasid, long address, long size, Access access) {
        DmaBatch batch = new DmaBatch(1);
        batch.add(deviceId, pasid, address, size, access);
        translate(batch);
        return batch.result(0);
    }

    /**
     * Translates every request of the batch, in order, and stores the results in it. Lock-free (except a page
     * request, which pages in under the engine lock) and allocation-free once the batch's segment arrays are large
     * enough. Faults are appended to the requesters' nodes' fault logs, and counters added, once per run of
     * requests of the same node (at the latest when the batch ends).
     */
    public void translate(DmaBatch b) {
        translator.translate(b);
    }

    // =================================================================== writer helpers (hold the lock)

    private Container newContainer(long id) {
        Container c = new Container(id);
        c.tagged = tags.next();
        return c;
    }

    /** Unmaps {@code [start, start + size)} from the space {@code id} of {@code of}, if it exists; see {@link #unmapWalk}. */
    private void unmap(Map<Long, ? extends Space> of, long id, long start, long size, boolean split) {
        requireAligned(start, size);
        synchronized (lock) {
            Space sp = of.get(id);
            if (sp == null || size == 0) { // sizes are unsigned: 2^63 and above are negative longs
                return;
            }
            unmapWalk(sp, start, lastOf(start, size), split);
        }
    }

    /**
     * The one unmap walk, of a container (VFIO: {@code split=false}, only the intervals wholly inside
     * {@code [lo, hi]} go; the control plane guarantees none is cut) and of an address space (munmap:
     * {@code split=true}, every interval touched loses its part inside, keeping its head and tail). The new root is
     * published before the IOTLB entries of the removed present pages are invalidated. Writer only.
     */
    private void unmapWalk(Space sp, long lo, long hi, boolean split) {
        IntervalTree.Entries found = scratch;
        found.clear();
        IntervalTree.collect(sp.root, lo, hi, found);
        Object root = sp.root;
        long pages = 0;
        int removed = 0;
        for (int i = 0; i < found.size; i++) {
            long s = found.start(i);
            long l = found.last(i);
            long p = found.payload(i);
            boolean head = Long.compareUnsigned(s, lo) < 0;
            boolean tail = Long.compareUnsigned(l, hi) > 0;
            if (!split && (head || tail)) {
                continue;
            }
            root = IntervalTree.remove(root, s);
            sp.intervals--;
            if (head) {
                root = IntervalTree.insert(root, s, lo - 1, p);
                sp.intervals++;
            }
            if (tail) {
                root = IntervalTree.insert(root, hi + 1, l, shift(p, hi + 1 - s));
                sp.intervals++;
            }
            if ((p & PRESENT) != 0) {
                long rs = head ? lo : s;
                long rl = tail ? hi : l;
                pages += ((rl - rs) >>> 12) + 1;
                found.data[3 * removed] = rs;
                found.data[3 * removed + 1] = rl;
                removed++;
            }
        }
        found.size = removed;
        sp.root = root;
        tags.invalidate(sp, found, pages);
    }

    private void dropIfUnused(Group g) {
        if (g.members.isEmpty() && g.container == null) {
            groups.remove(g.id);
        }
    }

    private Node requireNode(long nodeId) {
        Node node = nodes.get(nodeId);
        if (node == null) {
            throw new IllegalArgumentException("unknown node " + nodeId);
        }
        return node;
    }

    private AddressSpace requireSpace(long id) {
        AddressSpace as = spaces.get(id);
        if (as == null) {
            throw new IllegalArgumentException("unknown address space " + id);
        }
        return as;
    }

    private static void requireId(long id, String what) {
        if (id <= 0) {
            throw new IllegalArgumentException(what + " must be positive: " + id);
        }
    }

    private static long requireRange(long start, long size, long pa, boolean read, boolean write) {
        if (((start | size | pa) & ~PAGE_MASK) != 0 || size == 0) {
            throw new IllegalArgumentException("not page aligned, or empty");
        }
        long last = start + size - 1;
        if (Long.compareUnsigned(last, start) < 0) {
            throw new IllegalArgumentException("range wraps past 2^64");
        }
        if (!read && !write) {
            throw new IllegalArgumentException("no permission");
        }
        return last;
    }

    private static void requireAligned(long start, long size) {
        if (((start | size) & ~PAGE_MASK) != 0) {
            throw new IllegalArgumentException("not page aligned");
        }
    }

    private static long lastOf(long start, long size) {
        long last = start + size - 1;
        return Long.compareUnsigned(last, start) < 0 ? -1L : last;
    }

    private static long payload(long pa, boolean read, boolean write, boolean present) {
        return pa | (read ? READ : 0) | (write ? WRITE : 0) | (present ? PRESENT : 0);
    }

    /** The payload of the same fragment advanced by {@code delta} bytes (page multiple). */
    static long shift(long payload, long delta) {
        return ((payload & PAGE_MASK) + delta) | (payload & FLAGS);
    }

    // =================================================================== introspection for tests and benchmarks

    int intervals(long spaceId, boolean container) {
        synchronized (lock) {
            Space s = container ? containers.get(spaceId) : spaces.get(spaceId);
            return s == null ? 0 : s.intervals;
        }
    }

    /** The writer lock, so a test can hold writers (and page requests) back at a chosen moment. */
    Object writerLock() {
        return lock;
    }

    Iotlb iotlb(long nodeId) {
        Node node = nodes.get(nodeId);
        return node == null ? null : node.iotlb;
    }
}
