package dev.sva.translation.engine;

import static dev.sva.translation.engine.IntervalTree.PAGE_MASK;
import static dev.sva.translation.engine.IntervalTree.PRESENT;
import static dev.sva.translation.engine.IntervalTree.READ;
import static dev.sva.translation.engine.IntervalTree.WRITE;
import static dev.sva.translation.engine.TranslationEngine.TAG_FIELD_MASK;

/**
 * The data plane of the {@link TranslationEngine}: translates a {@link DmaBatch} against the state the writer
 * publishes (the device table, its routes and the spaces' interval trees and tags), fills the IOTLB, routes
 * peer-to-peer, records faults and counters per node, and hands a failing PASID access with an iopf bond to
 * {@link PageRequests}.
 *
 * <p>Threading: any number of translators at once, without locking; it reads the engine's volatile
 * {@code epoch}, {@code devices} and {@code unattributed}, which only the writer replaces. A batch belongs to one
 * thread. No allocation and no exception per request.
 */
final class Translator {

    /** Requests whose IOTLB lines a batch touches together, ahead of translating them. */
    private static final int PREFETCH = 64;
    // route kinds cached in a DmaBatch
    private static final int K_UNKNOWN = 0;
    private static final int K_FAULT = 1;
    private static final int K_IOVA = 2;
    private static final int K_PASID = 3;

    // request outcomes in DmaBatch.status
    private static final int ST_TRANSLATED = 0;
    private static final int ST_PEER = 1;
    private static final int ST_FAULT = 2;

    private static final Access[] ACCESSES = Access.values();

    private final TranslationEngine engine;
    private final PageRequests pages;

    Translator(TranslationEngine engine, PageRequests pages) {
        this.engine = engine;
        this.pages = pages;
    }

    /**
     * Translates every request of the batch, in order, and stores the results in it. Lock-free (except a page
     * request, which pages in under the engine lock) and allocation-free once the batch's segment arrays are large
     * enough. Faults are appended to the requesters' nodes' fault logs, and counters added, once per run of
     * requests of the same node (at the latest when the batch ends).
     */
    void translate(DmaBatch b) {
        final int n = b.size();
        final long[] devs = b.deviceId;
        final int[] pasids = b.pasid;
        final long[] addrs = b.address;
        final long[] lens = b.length;
        final byte[] accs = b.access;
        final int[] status = b.status;
        final long[] value = b.value;
        b.segUsed = 0;
        b.faultCount = 0;
        b.faultFlushed = 0;
        b.now = 0;
        b.rNode = null;
        // the cached route, in locals; refreshed only by resolve()
        long rDevice = 0;
        int rPasid = 0;
        long rEpoch = -1;
        int kind = K_UNKNOWN;
        long[] peers = null;
        long widthInv = 0;
        Space space = null;
        Iotlb tlb = null;
        long hits = 0;
        int runStart = 0; // first request not yet counted in b.acc
        int prefetched = 0; // requests below this had their IOTLB line touched
        for (int i = 0; i < n; i++) {
            long dev = devs[i];
            int pasid = pasids[i];
            long e = engine.epoch;
            if (dev != rDevice || pasid != rPasid || e != rEpoch) {
                // counters so far belong to the node being left, if resolve() switches
                b.acc[NodeStats.HITS] += hits;
                b.acc[NodeStats.TRANSLATIONS] += i - runStart;
                hits = 0;
                runStart = i;
                resolve(b, dev, pasid, e);
                rDevice = dev;
                rPasid = pasid;
                rEpoch = e;
                kind = b.rKind;
                peers = b.rPeers;
                widthInv = b.rWidthInv;
                space = b.rSpace;
                tlb = b.rIotlb;
            }
            if (i >= prefetched && tlb != null) {
                prefetched = Math.min(n, i + PREFETCH);
                b.sink += prefetch(tlb, space.tagged, addrs, i, prefetched);
            }
            long addr = addrs[i];
            if (kind == K_UNKNOWN) {
                fault(b, i, FaultReason.UNKNOWN_DEVICE, FaultReason.UNKNOWN_DEVICE.vtd, addr);
                continue;
            }
            if (peers != null && peer(b, i, peers, dev, addr)) {
                continue;
            }
            if (kind == K_FAULT) {
                fault(b, i, FaultReason.of(b.rReason), b.rVtd, addr);
                continue;
            }
            long last = addr + lens[i] - 1;
            if (Long.compareUnsigned(last, addr) < 0 || (last & widthInv) != 0) {
                fault(b, i, FaultReason.ADDRESS_SIZE, FaultReason.ADDRESS_SIZE.vtd, addr);
                continue;
            }
            int access = accs[i];
            long cached = Iotlb.MISS;
            int set = 0;
            long key = 0;
            long tagged = 0;
            if (tlb != null) {
                tagged = space.tagged;
                long tag = tagged & TAG_FIELD_MASK;
                long vpn = addr >>> 12;
                if (tag != 0 && vpn < Iotlb.VPN_LIMIT) {
                    key = tag << Iotlb.TAG_SHIFT | vpn;
                    cached = tlb.lookup(key);
                }
            }
            if (cached != Iotlb.MISS) {
                if ((cached & (access + 1)) != 0) {
                    if (((addr ^ last) >>> 12) == 0) {
                        status[i] = ST_TRANSLATED | DmaBatch.HIT;
                        value[i] = (cached & PAGE_MASK) | (addr & ~PAGE_MASK);
                        hits++;
                        continue;
                    }
                } else if (!b.rIopf) {
                    hits++;
                    fault(b, i, FaultReason.PERMISSION, FaultReason.vtdPermission(access), addr);
                    status[i] |= DmaBatch.HIT;
                    continue;
                } else {
                    cached = Iotlb.MISS; // an iopf bond turns this into a page request: take the slow path
                }
            }
            int stamp = 1; // odd: nothing to fill (no IOTLB, an uncacheable address, or a multi-page hit)
            if (cached != Iotlb.MISS) {
                hits++;
            } else {
                b.acc[NodeStats.MISSES]++;
                if (key != 0) {
                    set = tlb.set(key);
                    stamp = tlb.stamp(set); // before the walk: see Iotlb "Fills"
                }
            }
            walk(b, i, space, addr, last, access, cached, tlb, set, key, stamp, tagged);
        }
        b.acc[NodeStats.HITS] += hits;
        b.acc[NodeStats.TRANSLATIONS] += n - runStart;
        finish(b);
    }

    /**
     * Touches the IOTLB lines of requests {@code [from, to)} as if they had the current route (a guess that holds for
     * batches grouped by requester, and costs only a wasted load otherwise), so that the translations that follow
     * find them in cache. A full translation is ~80 instructions, so the reorder buffer holds two or three of them
     * and their IOTLB misses would be taken almost one at a time; this loop is ~8 instructions per request, so dozens
     * of misses are in flight together. (A load cannot retire before its data arrives, unlike a prefetch instruction,
     * which Java does not offer: touching one request ahead per translation instead would stall just the same.)
     */
    private static long prefetch(Iotlb tlb, long tagged, long[] addrs, int from, int to) {
        long tag = tagged & TAG_FIELD_MASK;
        if (tag == 0) {
            return 0;
        }
        long sink = 0;
        for (int j = from; j < to; j++) {
            sink += tlb.touch(tag << Iotlb.TAG_SHIFT | addrs[j] >>> 12);
        }
        return sink;
    }

    /** Resolves the route of (device, pasid) as of engine.epoch {@code e} into {@code b}'s route fields. */
    private void resolve(DmaBatch b, long dev, int pasid, long e) {
        Device d = engine.devices.get(dev);
        b.rIotlb = null;
        b.rSpace = null;
        b.rIopf = false;
        if (d == null) {
            b.rKind = K_UNKNOWN;
            b.rPeers = null;
            switchNode(b, engine.unattributed);
            return;
        }
        DeviceState s = d.state;
        Node node = s.node;
        switchNode(b, node);
        Group g = s.group;
        long[] fabric = d.fabricPeers;
        b.rPeers = fabric != null ? fabric : g.peerBars;
        int config = node.config;
        if (pasid < 0) {
            Container c = g.container;
            if (c == null) {
                routeFault(b, FaultReason.BLOCKED, 0);
                return;
            }
            b.rKind = K_IOVA;
            b.rSpace = c;
            b.rIotlb = node.iotlb;
            b.rWidthInv = ~Node.widthMask(config & 0xff);
            return;
        }
        if (s.pasidBits == 0) {
            routeFault(b, FaultReason.PASID_UNSUPPORTED, FaultReason.PASID_UNSUPPORTED.vtd);
        } else if (pasid >= 1 << s.pasidBits) {
            routeFault(b, FaultReason.PASID_UNSUPPORTED, FaultReason.PASID_UNSUPPORTED.vtdOther);
        } else {
            Bond bond = d.bond(pasid);
            if (bond == null) {
                routeFault(b, FaultReason.PASID_NOT_BOUND, FaultReason.PASID_NOT_BOUND.vtd);
            } else {
                b.rKind = K_PASID;
                b.rSpace = bond.space;
                b.rIotlb = node.iotlb;
                b.rIopf = bond.iopf;
                b.rWidthInv = ~Node.widthMask((config >>> 8) & 0xff);
            }
        }
    }

    private static void routeFault(DmaBatch b, FaultReason reason, int vtd) {
        b.rKind = K_FAULT;
        b.rReason = reason.ordinal();
        b.rVtd = vtd;
    }

    /** Makes {@code node} the one counted for, after handing the counters and faults so far to the previous one. */
    private static void switchNode(DmaBatch b, Node node) {
        Node old = b.rNode;
        if (old != node) {
            if (old != null) {
                old.stats.drain(b.acc);
                logFaults(b, old);
            }
            b.rNode = node;
        }
    }

    /** Appends the faults not yet logged (all of {@code node}) to its fault log, with one reservation. */
    private static void logFaults(DmaBatch b, Node node) {
        int from = b.faultFlushed;
        int to = b.faultCount;
        if (from == to) {
            return;
        }
        if (b.now == 0) {
            b.now = System.currentTimeMillis();
        }
        FaultRing ring = node.faults;
        int keep = Math.min(to - from, ring.capacity());
        long n = ring.reserve(keep);
        for (int j = to - keep; j < to; j++) {
            int i = b.faultIndex[j];
            int s = b.status[i];
            ring.write(n++, FaultReason.of((s >>> DmaBatch.REASON_SHIFT) & 7), (s >>> DmaBatch.VTD_SHIFT) & 0xff,
                    ACCESSES[b.access[i]], b.value[i], b.pasid[i], b.deviceId[i], b.now);
        }
        b.faultFlushed = to;
    }

    /** Fabric routing: delivers to the first peer BAR (lowest device id, then BAR order) holding {@code addr}. */
    private static boolean peer(DmaBatch b, int i, long[] bars, long self, long addr) {
        for (int k = 0; k < bars.length; k += 4) {
            if (bars[k] != self && Long.compareUnsigned(addr, bars[k + 1]) >= 0
                    && Long.compareUnsigned(addr, bars[k + 2]) <= 0) {
                b.status[i] = ST_PEER | (int) bars[k + 3] << DmaBatch.BAR_SHIFT;
                b.value[i] = addr - bars[k + 1];
                b.peerDevice[i] = bars[k];
                b.acc[NodeStats.PEER]++;
                return true;
            }
        }
        return false;
    }

    private static void fault(DmaBatch b, int i, FaultReason reason, int vtd, long address) {
        b.status[i] = ST_FAULT | reason.ordinal() << DmaBatch.REASON_SHIFT | vtd << DmaBatch.VTD_SHIFT;
        b.value[i] = address;
        b.acc[NodeStats.FAULT0 + reason.ordinal()]++;
        b.faultIndex[b.faultCount++] = i;
    }

    /** Records a translated access: its first physical address and, when it spans pages, its segments. */
    static void translated(DmaBatch b, int i, int flags, long firstPa, boolean multi, int first) {
        b.status[i] = ST_TRANSLATED | flags | (multi ? DmaBatch.SEGMENTS : 0);
        b.value[i] = firstPa;
        if (multi) {
            b.segFirst[i] = first;
            b.segCount[i] = b.segUsed - first;
        }
    }

    /** A walk that found no usable page at {@code cur}: F_TRANSLATION (VT-d 0x71) or F_PERMISSION (0x85 / 0x86). */
    static void walkFault(DmaBatch b, int i, FaultReason reason, int access, long cur) {
        fault(b, i, reason, reason == FaultReason.TRANSLATION ? FaultReason.TRANSLATION.vtd : FaultReason.vtdPermission(access), cur);
    }

    /**
     * The page walk: translates {@code [addr, last]} run by run through the space's intervals (O(intervals crossed),
     * not O(pages)), the first page possibly from the IOTLB ({@code cached}), fills the IOTLB with the first page, and
     * hands a failing PASID request with an iopf bond to {@link PageRequests#pageRequest}.
     */
    private void walk(DmaBatch b, int i, Space space, long addr, long last, int access, long cached, Iotlb tlb,
                      int set, long key, int stamp, long tagged) {
        long need = access + 1;
        boolean multi = ((addr ^ last) >>> 12) != 0;
        int first = b.segUsed;
        Object root = space.root;
        IntervalTree.Cursor c = b.cursor;
        long cur = addr;
        long firstPa;
        int hit = 0;
        if (cached != Iotlb.MISS) {
            // only multi-page accesses get here with a hit: single-page hits were answered by the caller
            hit = DmaBatch.HIT;
            firstPa = (cached & PAGE_MASK) | (addr & ~PAGE_MASK);
            long pageLast = addr | ~PAGE_MASK;
            b.addSegment(first, firstPa, pageLast - addr + 1);
            cur = pageLast + 1;
        } else {
            firstPa = 0;
        }
        FaultReason reason = null;
        while (reason == null) {
            if (!IntervalTree.find(root, cur, c)) {
                reason = FaultReason.TRANSLATION;
            } else if ((c.payload & PRESENT) == 0) {
                reason = FaultReason.TRANSLATION;
            } else if ((c.payload & need) == 0) {
                reason = FaultReason.PERMISSION;
            } else {
                long runLast = Long.compareUnsigned(c.last, last) < 0 ? c.last : last;
                long pa = (c.payload & PAGE_MASK) + (cur - c.start);
                if (cur == addr) {
                    firstPa = pa;
                    if (tlb != null) {
                        tlb.fill(set, key, (pa & PAGE_MASK) | (c.payload & (READ | WRITE)), stamp, space, tagged);
                    }
                }
                if (multi) {
                    b.addSegment(first, pa, runLast - cur + 1);
                }
                if (runLast == last) {
                    break;
                }
                cur = runLast + 1;
            }
        }
        if (reason == null) {
            translated(b, i, hit, firstPa, multi, first);
            return;
        }
        b.segUsed = first;
        if (b.rKind == K_PASID && b.rIopf) {
            pages.pageRequest(b, i, (AddressSpace) space, addr, last, access);
            b.status[i] |= hit;
            return;
        }
        walkFault(b, i, reason, access, cur);
        b.status[i] |= hit;
    }

    /** Ends a batch: hands its remaining counters and faults to the node of its last requests. */
    private static void finish(DmaBatch b) {
        if (b.rNode != null) {
            b.rNode.stats.drain(b.acc);
            logFaults(b, b.rNode);
        }
    }
}
