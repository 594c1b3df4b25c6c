package dev.sva.translation.engine;

import static dev.sva.translation.engine.IntervalTree.FLAGS;
import static dev.sva.translation.engine.IntervalTree.PAGE_MASK;
import static dev.sva.translation.engine.IntervalTree.PRESENT;

/**
 * The page requests of the engine: what a PASID access through an iopf bond meets when the page walk finds a page
 * not present or missing (PCIe PRI, answered as the kernel's {@code iommu_sva_handle_mm()} does). A request pages
 * in the demand-paged regions the access covers and then translates it, or ends INVALID with the fault the access
 * met.
 *
 * <p>Threading: called by translators (without the engine lock); takes the engine lock for its walk and its page-ins,
 * so it is serialised with the writer. It publishes each address space's new {@code root} before the next walk.
 */
final class PageRequests {

    private final Object lock;

    PageRequests(Object lock) {
        this.lock = lock;
    }

    /**
     * A page request group for one access (PCIe PRI, answered as {@code iommu_sva_handle_mm()} does): under the
     * engine lock, walks the access again from its first byte against the current regions; each not-present run in a
     * region that allows the access is paged in; the first page outside every region, or in a region that forbids
     * the access, ends the group with INVALID (pages already brought in stay present).
     */
    void pageRequest(DmaBatch b, int i, AddressSpace as, long addr, long last, int access) {
        long need = access + 1;
        boolean multi = ((addr ^ last) >>> 12) != 0;
        int first = b.segUsed;
        IntervalTree.Cursor c = b.cursor;
        FaultReason reason = null;
        long cur = addr;
        long firstPa = 0;
        synchronized (lock) {
            while (true) {
                if (!IntervalTree.find(as.root, cur, c)) {
                    reason = FaultReason.TRANSLATION;
                    break;
                }
                if ((c.payload & need) == 0) {
                    reason = (c.payload & PRESENT) == 0 ? FaultReason.TRANSLATION : FaultReason.PERMISSION;
                    break;
                }
                if ((c.payload & PRESENT) == 0) {
                    long pageFirst = cur & PAGE_MASK;
                    long lastPage = last | ~PAGE_MASK;
                    pageIn(as, c.start, c.last, c.payload, pageFirst,
                            Long.compareUnsigned(c.last, lastPage) < 0 ? c.last : lastPage);
                    continue;
                }
                long runLast = Long.compareUnsigned(c.last, last) < 0 ? c.last : last;
                long pa = (c.payload & PAGE_MASK) + (cur - c.start);
                if (cur == addr) {
                    firstPa = pa;
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
            b.acc[NodeStats.PR_SUCCESS]++;
            Translator.translated(b, i, DmaBatch.PR_SUCCESS, firstPa, multi, first);
            return;
        }
        b.segUsed = first;
        b.acc[NodeStats.PR_INVALID]++;
        Translator.walkFault(b, i, reason, access, cur);
        b.status[i] |= DmaBatch.PR_INVALID;
    }

    /**
     * Makes pages {@code [from, to]} of the not-present fragment {@code [start, last] -> payload} present, merging
     * them with present neighbours that continue them. Holds the engine lock.
     */
    private void pageIn(AddressSpace as, long start, long last, long payload, long from, long to) {
        Object root = IntervalTree.remove(as.root, start);
        int intervals = as.intervals - 1;
        if (from != start) {
            root = IntervalTree.insert(root, start, from - 1, payload);
            intervals++;
        }
        if (to != last) {
            root = IntervalTree.insert(root, to + 1, last, TranslationEngine.shift(payload, to + 1 - start));
            intervals++;
        }
        long p = TranslationEngine.shift(payload, from - start) | PRESENT;
        long s = from;
        long l = to;
        IntervalTree.Cursor c = new IntervalTree.Cursor();
        if (s != 0 && IntervalTree.find(root, s - 1, c) && continues(c, s, p)) {
            root = IntervalTree.remove(root, c.start);
            intervals--;
            s = c.start;
            p = c.payload;
        }
        if (l != -1L && IntervalTree.find(root, l + 1, c) && c.start == l + 1
                && continues(s, l, p, c.start, c.payload)) {
            root = IntervalTree.remove(root, c.start);
            intervals--;
            l = c.last;
        }
        as.root = IntervalTree.insert(root, s, l, p);
        as.intervals = intervals + 1;
    }

    /** The fragment {@code c} ends right before {@code s} and continues into payload {@code p}. */
    private static boolean continues(IntervalTree.Cursor c, long s, long p) {
        return c.last == s - 1 && continues(c.start, c.last, c.payload, s, p);
    }

    private static boolean continues(long s1, long l1, long p1, long s2, long p2) {
        return (p1 & FLAGS) == (p2 & FLAGS) && (p1 & PAGE_MASK) + (s2 - s1) == (p2 & PAGE_MASK);
    }
}
