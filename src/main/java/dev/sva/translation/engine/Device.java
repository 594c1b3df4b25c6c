package dev.sva.translation.engine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Arrays;

/**
 * A DMA requester: its current {@link DeviceState} and its PASID table.
 *
 * <p>The PASID table has two levels, as in Linux {@code intel/pasid.h}: a directory indexed by
 * {@code pasid >>> 5} whose entries are 32-slot leaves of {@link Bond}s, allocated on first use and dropped when
 * empty; the directory grows to the highest PASID bound. Lookup is O(1) (two dependent loads); memory is O(bonds) for
 * the lowest-free PASID allocation of DOMAIN rule 8.
 *
 * <p>Threading: written by the engine writer only. {@link #state} and {@link #dir} are volatile; directory and leaf
 * slots are written with release and read with acquire, so a translator sees either the old or the new bond.
 */
final class Device {

    static final int LEAF_SHIFT = 5;
    static final int LEAF_SIZE = 1 << LEAF_SHIFT;
    /** PASIDs are at most 20 bits wide (PCIe). */
    static final int MAX_PASID = (1 << 20) - 1;

    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Object[].class);
    private static final Bond[][] NO_DIR = new Bond[0][];

    final long id;
    volatile DeviceState state;
    /**
     * Fabric routing of a node with a topology: the (peer device, BAR index) pairs this device's DMA reaches without
     * the IOMMU, as {@code peer << 8 | bar}; null = every BAR of every other member of its group (DOMAIN step 0).
     * Writer only.
     */
    long[] reach;
    /**
     * The peer table a translator scans for this device when {@link #reach} is set: the BARs {@link #reach} names, in
     * the layout of {@code Group.peerBars} (possibly empty); null = use the group's. Written by the writer whenever the
     * reach or a peer named in it changes; read by translators.
     */
    volatile long[] fabricPeers;
    private volatile Bond[][] dir = NO_DIR;
    /** Number of bonds; writer only. */
    int bondCount;

    Device(long id, DeviceState state) {
        this.id = id;
        this.state = state;
    }

    /** The bond of {@code pasid} (0..2^20-1), or null. Any thread. */
    Bond bond(int pasid) {
        Bond[][] d = dir;
        int hi = pasid >>> LEAF_SHIFT;
        if (hi >= d.length) {
            return null;
        }
        Object[] leaf = (Object[]) SLOT.getAcquire((Object[]) d, hi);
        return leaf == null ? null : (Bond) SLOT.getAcquire(leaf, pasid & (LEAF_SIZE - 1));
    }

    /** Sets (or with null clears) the bond of {@code pasid}; returns the previous one. Writer only. */
    Bond setBond(int pasid, Bond bond) {
        int hi = pasid >>> LEAF_SHIFT;
        Bond[][] d = dir;
        if (hi >= d.length) {
            if (bond == null) {
                return null;
            }
            d = Arrays.copyOf(d, Math.max(hi + 1, Math.min(d.length * 2, (MAX_PASID >>> LEAF_SHIFT) + 1)));
            dir = d;
        }
        Bond[] leaf = d[hi];
        if (leaf == null) {
            if (bond == null) {
                return null;
            }
            leaf = new Bond[LEAF_SIZE];
            SLOT.setRelease((Object[]) d, hi, leaf);
        }
        int lo = pasid & (LEAF_SIZE - 1);
        Bond old = leaf[lo];
        SLOT.setRelease((Object[]) leaf, lo, bond);
        bondCount += (bond != null ? 1 : 0) - (old != null ? 1 : 0);
        if (bond == null && old != null && isEmpty(leaf)) {
            SLOT.setRelease((Object[]) d, hi, null);
        }
        return old;
    }

    /** Calls {@code action} for every bond. Writer only. */
    void forEachBond(java.util.function.Consumer<Bond> action) {
        for (Bond[] leaf : dir) {
            if (leaf != null) {
                for (Bond b : leaf) {
                    if (b != null) {
                        action.accept(b);
                    }
                }
            }
        }
    }

    /** Removes every bond and returns them. Writer only. */
    Bond[] clearBonds() {
        Bond[] out = new Bond[bondCount];
        int n = 0;
        Bond[][] d = dir;
        for (Bond[] leaf : d) {
            if (leaf != null) {
                for (Bond b : leaf) {
                    if (b != null) {
                        out[n++] = b;
                    }
                }
            }
        }
        dir = NO_DIR;
        bondCount = 0;
        return n == out.length ? out : Arrays.copyOf(out, n);
    }

    private static boolean isEmpty(Bond[] leaf) {
        for (Bond b : leaf) {
            if (b != null) {
                return false;
            }
        }
        return true;
    }
}
