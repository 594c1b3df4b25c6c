package dev.sva.translation.engine;

import static dev.sva.translation.engine.TranslationEngine.TAG_FIELD_BITS;
import static dev.sva.translation.engine.TranslationEngine.TARGETED_MAX_PAGES;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The IOTLB tags of the engine's spaces (containers and address spaces), the section of the engine that decides
 * when cached translations die. A space's {@code tagged} is a serial (new whenever the space's cached entries must
 * die at once) above a tag of {@link TranslationEngine#TAG_FIELD_BITS} bits; tag 0 is never cached. Retagging drops
 * every cached translation of a space in O(1); an unmap of few pages invalidates them one by one instead.
 *
 * <p>Threading: used only by the engine writer, holding the engine lock; the spaces' {@code tagged} fields it writes
 * are volatile, read by translators without locking. The maps are the engine's own, read only here.
 */
final class IotlbTags {

    private final int limit;
    private final Map<Long, Container> containers;
    private final Map<Long, AddressSpace> spaces;
    private final Map<Long, Node> nodes;
    private int next = 1;
    private long serial;

    IotlbTags(int limit, Map<Long, Container> containers, Map<Long, AddressSpace> spaces, Map<Long, Node> nodes) {
        this.limit = limit;
        this.containers = containers;
        this.spaces = spaces;
        this.nodes = nodes;
    }

    /** A fresh {@code tagged} value for a new or retagged space; wraps the tag space when it is exhausted. */
    long next() {
        if (next >= limit) {
            wrap();
        }
        int tag = next < limit ? next++ : 0;
        return ++serial << TAG_FIELD_BITS | tag;
    }

    /** Drops every cached translation of the space: O(1), by moving it to a fresh tag. */
    void retag(Space s) {
        s.tagged = next();
    }

    /** Makes a removed space untranslatable and uncached (tag 0). */
    void retire(Space s) {
        s.root = IntervalTree.EMPTY;
        s.intervals = 0;
        s.tagged = ++serial << TAG_FIELD_BITS;
    }

    /** Tag space exhausted: uncache every space, empty every IOTLB, then hand out tags from 1 again. */
    private void wrap() {
        List<Space> live = new ArrayList<>(containers.size() + spaces.size());
        live.addAll(containers.values());
        live.addAll(spaces.values());
        for (Space s : live) {
            s.tagged = ++serial << TAG_FIELD_BITS;
        }
        for (Node node : nodes.values()) {
            if (node.iotlb != null) {
                node.iotlb.invalidateAll();
            }
        }
        next = 1;
        for (Space s : live) {
            int tag = next < limit ? next++ : 0;
            s.tagged = ++serial << TAG_FIELD_BITS | tag;
        }
    }

    /**
     * Invalidates the IOTLB entries of the {@code ranges} (start, last pairs in {@link IntervalTree.Entries}) just
     * removed from the space: page by page in every node that may cache it, or by retagging when there are many.
     */
    void invalidate(Space s, IntervalTree.Entries ranges, long pages) {
        int tag = s.tag();
        if (pages == 0 || tag == 0) {
            return;
        }
        if (pages > TARGETED_MAX_PAGES) {
            retag(s);
            return;
        }
        for (Node node : s.nodes) {
            Iotlb tlb = node.iotlb;
            if (tlb == null) {
                continue;
            }
            for (int r = 0; r < ranges.size; r++) {
                long vpn = ranges.start(r) >>> 12;
                long lastVpn = ranges.last(r) >>> 12;
                for (; Long.compareUnsigned(vpn, lastVpn) <= 0 && vpn < Iotlb.VPN_LIMIT; vpn++) {
                    tlb.invalidate(Iotlb.key(tag, vpn));
                }
            }
        }
    }
}
