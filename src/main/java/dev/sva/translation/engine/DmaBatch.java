package dev.sva.translation.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A reusable batch of DMA requests and their results, as parallel primitive arrays (struct of arrays), for
 * {@link TranslationEngine#translate(DmaBatch)}. Once its arrays have grown to the batch's needs, translating it
 * allocates nothing.
 *
 * <p>Use: {@link #clear()}, {@link #add} each request, {@code engine.translate(batch)}, then read result {@code i}
 * (in request order) with the accessors below, or {@link #result(int)} to build a {@link DmaResult}. Accessors return
 * neutral values (0, -1, false, null) where a field does not apply to the outcome.
 *
 * <p>Threading: confined to one thread at a time (it also holds the translator's scratch state). Not thread-safe.
 */
public final class DmaBatch {

    // status word layout
    static final int OUTCOME_MASK = 0x3;
    static final int REASON_SHIFT = 2;
    static final int HIT = 1 << 5;
    static final int PR_SHIFT = 6;
    static final int PR_SUCCESS = 1 << PR_SHIFT;
    static final int PR_INVALID = 2 << PR_SHIFT;
    static final int VTD_SHIFT = 8;
    static final int BAR_SHIFT = 16;
    static final int SEGMENTS = 1 << 24;

    private static final Outcome[] OUTCOMES = Outcome.values();
    private static final Access[] ACCESSES = Access.values();

    private final int capacity;
    private int size;

    // requests
    final long[] deviceId;
    final int[] pasid;
    final long[] address;
    final long[] length;
    final byte[] access;

    // results
    final int[] status;
    /** TRANSLATED: physical address; PEER_TO_PEER: offset into the BAR; FAULT: faulting address. */
    final long[] value;
    final long[] peerDevice;
    final int[] segFirst;
    final int[] segCount;
    long[] segPa;
    long[] segSize;
    int segUsed;

    // translator scratch (see TranslationEngine#translate(DmaBatch))
    final long[] acc = new long[NodeStats.COUNTERS];
    /** Indices of the faulted requests, in order; those from {@link #faultFlushed} on are not yet logged. */
    final int[] faultIndex;
    int faultCount;
    int faultFlushed;
    /** When this batch's faults are logged: read once, at the first fault. */
    long now;
    final IntervalTree.Cursor cursor = new IntervalTree.Cursor();
    int rKind;
    /** Keeps the translator's prefetch loads alive. */
    long sink;
    Node rNode;
    long[] rPeers;
    Space rSpace;
    boolean rIopf;
    long rWidthInv;
    int rReason;
    int rVtd;
    Iotlb rIotlb;

    /** @param capacity the most requests this batch can hold (e.g. 10,000 for {@code POST /dma/batch}) */
    public DmaBatch(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.capacity = capacity;
        deviceId = new long[capacity];
        pasid = new int[capacity];
        address = new long[capacity];
        length = new long[capacity];
        access = new byte[capacity];
        status = new int[capacity];
        value = new long[capacity];
        peerDevice = new long[capacity];
        segFirst = new int[capacity];
        segCount = new int[capacity];
        segPa = new long[Math.max(16, Math.min(capacity, 1024))];
        segSize = new long[segPa.length];
        faultIndex = new int[capacity];
    }

    public int capacity() {
        return capacity;
    }

    /** Number of requests added since the last {@link #clear()}. */
    public int size() {
        return size;
    }

    /** Forgets all requests and results. */
    public void clear() {
        size = 0;
        segUsed = 0;
    }

    /**
     * Appends a request and returns its index.
     *
     * @param pasid  the PASID, or any negative value (by convention -1) for DMA without PASID
     * @param size   bytes accessed, at least 1
     * @throws IllegalArgumentException if the batch is full, {@code size < 1} or {@code access} is null
     */
    /** The requester of entry {@code i}. */
    public long requester(int i) {
        return deviceId[i];
    }

    /** Entry {@code i} names no device (key 0, which no device has): it faults {@code UNKNOWN_DEVICE}. */
    public void forgetRequester(int i) {
        deviceId[i] = 0;
    }

    public int add(long deviceId, int pasid, long address, long size, Access access) {
        if (this.size == capacity) {
            throw new IllegalArgumentException("batch full: " + capacity);
        }
        set(this.size, deviceId, pasid, address, size, access);
        return this.size++;
    }

    private void set(int i, long device, int pas, long addr, long len, Access acc) {
        if (len < 1) {
            throw new IllegalArgumentException("size must be at least 1: " + len);
        }
        if (acc == null) {
            throw new IllegalArgumentException("access is required");
        }
        deviceId[i] = device;
        pasid[i] = pas < 0 ? -1 : pas;
        address[i] = addr;
        length[i] = len;
        access[i] = (byte) acc.ordinal();
    }

    // ------------------------------------------------------------------ result accessors

    public Outcome outcome(int i) {
        return OUTCOMES[status[check(i)] & OUTCOME_MASK];
    }

    /** {@code TRANSLATED}: physical address of the first byte; otherwise 0. */
    public long physicalAddress(int i) {
        return (status[check(i)] & OUTCOME_MASK) == 0 ? value[i] : 0;
    }

    /** The first page's IOTLB lookup hit. */
    public boolean iotlbHit(int i) {
        return (status[check(i)] & HIT) != 0;
    }

    /** Response to the page request this access raised, or null. */
    public PageResponse pageRequest(int i) {
        int pr = (status[check(i)] >>> PR_SHIFT) & 3;
        return pr == 0 ? null : pr == 1 ? PageResponse.SUCCESS : PageResponse.INVALID;
    }

    /** {@code FAULT}: the reason; otherwise null. */
    public FaultReason faultReason(int i) {
        int s = status[check(i)];
        return (s & OUTCOME_MASK) == Outcome.FAULT.ordinal() ? FaultReason.of((s >>> REASON_SHIFT) & 7) : null;
    }

    /** {@code FAULT}: the VT-d reason, or -1 when there is none (and for other outcomes). */
    public int vtdReason(int i) {
        int s = status[check(i)];
        int vtd = (s >>> VTD_SHIFT) & 0xff;
        return (s & OUTCOME_MASK) == Outcome.FAULT.ordinal() && vtd != 0 ? vtd : -1;
    }

    /** {@code FAULT}: the faulting address; otherwise 0. */
    public long faultAddress(int i) {
        return (status[check(i)] & OUTCOME_MASK) == Outcome.FAULT.ordinal() ? value[i] : 0;
    }

    /** {@code PEER_TO_PEER}: the peer device; otherwise 0. */
    public long peerDeviceId(int i) {
        return (status[check(i)] & OUTCOME_MASK) == Outcome.PEER_TO_PEER.ordinal() ? peerDevice[i] : 0;
    }

    /** {@code PEER_TO_PEER}: the peer's BAR index; otherwise -1. */
    public int peerBar(int i) {
        int s = status[check(i)];
        return (s & OUTCOME_MASK) == Outcome.PEER_TO_PEER.ordinal() ? (s >>> BAR_SHIFT) & 0xff : -1;
    }

    /** {@code PEER_TO_PEER}: address minus the BAR base; otherwise 0. */
    public long peerOffset(int i) {
        return (status[check(i)] & OUTCOME_MASK) == Outcome.PEER_TO_PEER.ordinal() ? value[i] : 0;
    }

    /** Number of physically contiguous segments: 0 unless {@code TRANSLATED} and the access spans pages. */
    public int segmentCount(int i) {
        return (status[check(i)] & SEGMENTS) != 0 ? segCount[i] : 0;
    }

    public long segmentPhysicalAddress(int i, int k) {
        return segPa[segment(i, k)];
    }

    public long segmentSize(int i, int k) {
        return segSize[segment(i, k)];
    }

    public long deviceId(int i) {
        return deviceId[check(i)];
    }

    public int pasid(int i) {
        return pasid[check(i)];
    }

    public long address(int i) {
        return address[check(i)];
    }

    public long size(int i) {
        return length[check(i)];
    }

    public Access access(int i) {
        return ACCESSES[access[check(i)]];
    }

    /** Result {@code i} as an object (allocates). */
    public DmaResult result(int i) {
        Outcome outcome = outcome(i);
        List<DmaResult.Segment> segments = List.of();
        int n = segmentCount(i);
        if (n > 0) {
            List<DmaResult.Segment> list = new ArrayList<>(n);
            for (int k = 0; k < n; k++) {
                list.add(new DmaResult.Segment(segmentPhysicalAddress(i, k), segmentSize(i, k)));
            }
            segments = List.copyOf(list);
        }
        DmaResult.Peer peer = outcome == Outcome.PEER_TO_PEER
                ? new DmaResult.Peer(peerDeviceId(i), peerBar(i), peerOffset(i)) : null;
        DmaResult.Fault fault = null;
        if (outcome == Outcome.FAULT) {
            FaultReason r = faultReason(i);
            int vtd = vtdReason(i);
            fault = new DmaResult.Fault(r, r.smmuEvent(), r.smmuCode(), vtd < 0 ? null : vtd, faultAddress(i),
                    pasid(i), access(i));
        }
        return new DmaResult(outcome, physicalAddress(i), segments, iotlbHit(i), pageRequest(i), peer, fault);
    }

    private int check(int i) {
        if (i < 0 || i >= size) {
            throw new IndexOutOfBoundsException(i);
        }
        return i;
    }

    private int segment(int i, int k) {
        if (k < 0 || k >= segmentCount(i)) {
            throw new IndexOutOfBoundsException(k);
        }
        return segFirst[i] + k;
    }

    // ------------------------------------------------------------------ translator helpers

    /** Appends a segment, merging it into the previous one of the same request when physically contiguous. */
    void addSegment(int first, long pa, long len) {
        int last = segUsed - 1;
        if (last >= first && segPa[last] + segSize[last] == pa) {
            segSize[last] += len;
            return;
        }
        if (segUsed == segPa.length) {
            segPa = Arrays.copyOf(segPa, segPa.length * 2);
            segSize = Arrays.copyOf(segSize, segSize.length * 2);
        }
        segPa[segUsed] = pa;
        segSize[segUsed++] = len;
    }
}
