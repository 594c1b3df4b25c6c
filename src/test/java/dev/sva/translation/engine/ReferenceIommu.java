package dev.sva.translation.engine;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;

/**
 * A deliberately naive model of the translation rules (DOMAIN.md "Translation"), written straight from the text with
 * maps and linear scans, translating page by page, with no IOTLB and no concurrency. The differential test runs it
 * beside {@link TranslationEngine} on the same random command sequences.
 */
final class ReferenceIommu {

    /** One answer, compared field by field with the engine's (iotlbHit excluded). */
    record Answer(Outcome outcome, long physicalAddress, List<long[]> segments, FaultReason reason, int vtd,
                  long faultAddress, long peerDevice, int peerBar, long peerOffset, PageResponse pageRequest) {

        static Answer of(DmaBatch b, int i) {
            List<long[]> segs = new ArrayList<>();
            for (int k = 0; k < b.segmentCount(i); k++) {
                segs.add(new long[] {b.segmentPhysicalAddress(i, k), b.segmentSize(i, k)});
            }
            return new Answer(b.outcome(i), b.physicalAddress(i), segs, b.faultReason(i), b.vtdReason(i),
                    b.faultAddress(i), b.peerDeviceId(i), b.peerBar(i), b.peerOffset(i), b.pageRequest(i));
        }

        boolean same(Answer o) {
            if (segments.size() != o.segments.size()) {
                return false;
            }
            for (int k = 0; k < segments.size(); k++) {
                if (segments.get(k)[0] != o.segments.get(k)[0] || segments.get(k)[1] != o.segments.get(k)[1]) {
                    return false;
                }
            }
            return outcome == o.outcome && physicalAddress == o.physicalAddress && reason == o.reason
                    && vtd == o.vtd && faultAddress == o.faultAddress && peerDevice == o.peerDevice
                    && peerBar == o.peerBar && peerOffset == o.peerOffset && pageRequest == o.pageRequest;
        }

        @Override
        public String toString() {
            StringBuilder s = new StringBuilder(outcome.toString());
            switch (outcome) {
                case TRANSLATED -> s.append(String.format(" pa=0x%x", physicalAddress));
                case PEER_TO_PEER -> s.append(String.format(" peer=%d bar=%d off=0x%x", peerDevice, peerBar,
                        peerOffset));
                case FAULT -> s.append(String.format(" %s vtd=0x%x at 0x%x", reason, vtd, faultAddress));
            }
            for (long[] seg : segments) {
                s.append(String.format(" [0x%x+0x%x]", seg[0], seg[1]));
            }
            if (pageRequest != null) {
                s.append(" pr=").append(pageRequest);
            }
            return s.toString();
        }
    }

    record NodeCfg(int pasidBits, int iovaBits, int vaBits) {
    }

    record Bar(int index, long base, long size) {
    }

    static final class Dev {
        long node;
        long group;
        int pasidBits;
        List<Bar> bars = new ArrayList<>();
        final Map<Integer, Long> bondSpace = new HashMap<>();
        final Map<Integer, Boolean> bondIopf = new HashMap<>();
    }

    /** A mapping or region: [start, start+size) -> pa. */
    record Range(long start, long size, long pa, boolean read, boolean write, boolean pinned) {
        long last() {
            return start + size - 1;
        }

        boolean contains(long a) {
            return Long.compareUnsigned(a, start) >= 0 && Long.compareUnsigned(a, last()) <= 0;
        }
    }

    static final class Mm {
        final List<Range> regions = new ArrayList<>();
        final Set<Long> present = new HashSet<>(); // page base addresses of demand-paged regions brought in
    }

    final Map<Long, NodeCfg> nodes = new HashMap<>();
    final TreeMap<Long, Dev> devices = new TreeMap<>();
    final Map<Long, Long> groupContainer = new HashMap<>();
    final Map<Long, List<Range>> containers = new HashMap<>();
    final Map<Long, Mm> spaces = new HashMap<>();

    // ------------------------------------------------------------------ commands

    void putNode(long id, int pasidBits, int iovaBits, int vaBits) {
        nodes.put(id, new NodeCfg(pasidBits, iovaBits, vaBits));
    }

    void putDevice(long node, long id, long group, int pasidBits, int[] idx, long[] base, long[] size) {
        Dev d = devices.computeIfAbsent(id, k -> new Dev());
        d.node = node;
        d.group = group;
        d.pasidBits = pasidBits;
        d.bars = new ArrayList<>();
        for (int i = 0; i < idx.length; i++) {
            d.bars.add(new Bar(idx[i], base[i], size[i]));
        }
    }

    void removeDevice(long id) {
        devices.remove(id);
    }

    void attachGroup(long group, long container) {
        groupContainer.put(group, container);
        containers.computeIfAbsent(container, k -> new ArrayList<>());
    }

    void detachGroup(long group) {
        groupContainer.remove(group);
    }

    void map(long container, long iova, long size, long pa, boolean r, boolean w) {
        containers.computeIfAbsent(container, k -> new ArrayList<>()).add(new Range(iova, size, pa, r, w, true));
    }

    void unmap(long container, long iova, long size) {
        List<Range> list = containers.get(container);
        if (list != null) {
            long last = iova + size - 1;
            list.removeIf(m -> Long.compareUnsigned(m.start, iova) >= 0 && Long.compareUnsigned(m.last(), last) <= 0);
        }
    }

    void removeContainer(long container) {
        containers.remove(container);
        groupContainer.values().removeIf(c -> c == container);
    }

    void putAddressSpace(long id) {
        spaces.computeIfAbsent(id, k -> new Mm());
    }

    void mapRegion(long as, long va, long size, long pa, boolean r, boolean w, boolean pinned) {
        spaces.get(as).regions.add(new Range(va, size, pa, r, w, pinned));
    }

    void unmapRegion(long as, long va, long size) {
        Mm mm = spaces.get(as);
        if (mm == null) {
            return;
        }
        long last = va + size - 1;
        List<Range> out = new ArrayList<>();
        for (Range g : mm.regions) {
            if (Long.compareUnsigned(g.last(), va) < 0 || Long.compareUnsigned(g.start, last) > 0) {
                out.add(g);
                continue;
            }
            if (Long.compareUnsigned(g.start, va) < 0) {
                out.add(new Range(g.start, va - g.start, g.pa, g.read, g.write, g.pinned));
            }
            if (Long.compareUnsigned(g.last(), last) > 0) {
                out.add(new Range(last + 1, g.last() - last, g.pa + (last + 1 - g.start), g.read, g.write, g.pinned));
            }
        }
        mm.regions.clear();
        mm.regions.addAll(out);
        mm.present.removeIf(p -> Long.compareUnsigned(p, va) >= 0 && Long.compareUnsigned(p, last) <= 0);
    }

    void removeAddressSpace(long as) {
        spaces.remove(as);
        for (Dev d : devices.values()) {
            d.bondSpace.values().removeIf(v -> v == as);
            d.bondIopf.keySet().retainAll(d.bondSpace.keySet());
        }
    }

    void bind(long dev, int pasid, long as, boolean iopf) {
        Dev d = devices.get(dev);
        d.bondSpace.put(pasid, as);
        d.bondIopf.put(pasid, iopf);
    }

    void unbind(long dev, int pasid) {
        Dev d = devices.get(dev);
        if (d != null) {
            d.bondSpace.remove(pasid);
            d.bondIopf.remove(pasid);
        }
    }

    // ------------------------------------------------------------------ translation, page by page

    Answer translate(long dev, int pasid, long addr, long size, Access access) {
        Dev d = devices.get(dev);
        if (d == null) {
            return fault(FaultReason.UNKNOWN_DEVICE, 0x41, addr, null); // VT-d SM: no context entry
        }
        for (Map.Entry<Long, Dev> e : devices.entrySet()) {
            Dev p = e.getValue();
            if (p == d || p.group != d.group) {
                continue;
            }
            for (Bar bar : p.bars) {
                if (Long.compareUnsigned(addr, bar.base) >= 0
                        && Long.compareUnsigned(addr, bar.base + bar.size - 1) <= 0) {
                    return new Answer(Outcome.PEER_TO_PEER, 0, List.of(), null, -1, 0, e.getKey(), bar.index,
                            addr - bar.base, null);
                }
            }
        }
        NodeCfg node = nodes.get(d.node);
        List<Range> ranges;
        Mm mm = null;
        boolean iopf = false;
        int width;
        if (pasid < 0) {
            Long c = groupContainer.get(d.group);
            if (c == null) {
                return fault(FaultReason.BLOCKED, -1, addr, null);
            }
            ranges = containers.get(c);
            width = node.iovaBits();
        } else {
            if (d.pasidBits == 0) {
                return fault(FaultReason.PASID_UNSUPPORTED, 0x45, addr, null);
            }
            if (pasid >= 1L << d.pasidBits) {
                return fault(FaultReason.PASID_UNSUPPORTED, 0x46, addr, null);
            }
            Long as = d.bondSpace.get(pasid);
            if (as == null) {
                return fault(FaultReason.PASID_NOT_BOUND, 0x59, addr, null);
            }
            mm = spaces.get(as);
            ranges = mm.regions;
            iopf = d.bondIopf.get(pasid);
            width = node.vaBits();
        }
        long last = addr + size - 1;
        if (Long.compareUnsigned(last, addr) < 0 || (width < 64 && (last >>> width) != 0)) {
            return fault(FaultReason.ADDRESS_SIZE, 0x83, addr, null);
        }
        boolean multi = (addr >>> 12) != (last >>> 12);
        List<long[]> segs = new ArrayList<>();
        PageResponse pr = null;
        long firstPa = 0;
        long a = addr;
        while (true) {
            long page = a & ~0xFFFL;
            Range g = null;
            for (Range r : ranges) {
                if (r.contains(a)) {
                    g = r;
                }
            }
            boolean present = g != null && (g.pinned || mm == null || mm.present.contains(page));
            boolean allowed = g != null && (access == Access.READ ? g.read : g.write);
            FaultReason reason = g == null || !present ? FaultReason.TRANSLATION
                    : !allowed ? FaultReason.PERMISSION : null;
            if (reason != null) {
                if (iopf) {
                    if (g != null && allowed) {
                        mm.present.add(page);
                        pr = PageResponse.SUCCESS;
                        continue;
                    }
                    return fault(reason, vtd(reason, access), a, PageResponse.INVALID);
                }
                return fault(reason, vtd(reason, access), a, null);
            }
            long pa = g.pa + (a - g.start);
            if (a == addr) {
                firstPa = pa;
            }
            long pageEnd = page + 0xFFF;
            long end = Long.compareUnsigned(pageEnd, last) < 0 ? pageEnd : last;
            long len = end - a + 1;
            if (!segs.isEmpty() && segs.get(segs.size() - 1)[0] + segs.get(segs.size() - 1)[1] == pa) {
                segs.get(segs.size() - 1)[1] += len;
            } else {
                segs.add(new long[] {pa, len});
            }
            if (end == last) {
                break;
            }
            a = end + 1;
        }
        return new Answer(Outcome.TRANSLATED, firstPa, multi ? segs : List.of(), null, -1, 0, 0, -1, 0, pr);
    }

    private static int vtd(FaultReason reason, Access access) {
        return reason == FaultReason.TRANSLATION ? 0x71 : access == Access.WRITE ? 0x85 : 0x86;
    }

    private static Answer fault(FaultReason reason, int vtd, long address, PageResponse pr) {
        return new Answer(Outcome.FAULT, 0, List.of(), Objects.requireNonNull(reason), vtd, address, 0, -1, 0, pr);
    }
}
