package dev.sva.translation.engine;

import java.util.Arrays;

/**
 * A translation space: the IOVA space of a {@link Container} or the VA space of an {@link AddressSpace}. Holds the
 * interval tree that page walks search and the tag under which its translations are cached.
 *
 * <p>Threading: every field is written only by the engine writer (holding the engine lock). {@link #root} and
 * {@link #tagged} are volatile: translators load them without locking. {@link #nodes} and {@link #intervals} are read
 * by the writer only.
 *
 * <p>Invariants: the writer publishes a new {@link #root} before it invalidates the IOTLB entries it makes stale;
 * {@link #tagged} changes (a new serial, and a new tag or 0) whenever all cached entries of the space must die at
 * once, and its tag part is unique among live spaces (0 = do not cache).
 */
abstract class Space {

    private static final Node[] NO_NODES = new Node[0];

    final long id;
    /** Interval tree root; see {@link IntervalTree}. */
    volatile Object root = IntervalTree.EMPTY;
    /** {@code serial << 24 | tag}; see {@link TranslationEngine} "IOTLB tags". */
    volatile long tagged;
    /** Nodes whose IOTLB may hold entries of this space under its current tag: every node a route came from. */
    Node[] nodes = NO_NODES;
    /** Number of intervals in {@link #root}. */
    int intervals;

    Space(long id) {
        this.id = id;
    }

    final int tag() {
        return (int) (tagged & TranslationEngine.TAG_FIELD_MASK);
    }

    /** Records that translations of this space may now be cached in {@code node}'s IOTLB. */
    final void addNode(Node node) {
        for (Node n : nodes) {
            if (n == node) {
                return;
            }
        }
        nodes = Arrays.copyOf(nodes, nodes.length + 1);
        nodes[nodes.length - 1] = node;
    }

    /** After a retag, no IOTLB holds entries under the new tag yet. */
    final void forgetNodes() {
        nodes = NO_NODES;
    }
}
