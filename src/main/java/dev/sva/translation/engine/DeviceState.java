package dev.sva.translation.engine;

/**
 * The routing-relevant configuration of a device at one moment: immutable, replaced as a whole when
 * {@link TranslationEngine#putDevice} changes anything, so a translator never sees half an update.
 */
final class DeviceState {

    final Node node;
    final Group group;
    final int pasidBits;
    final boolean pri;
    /** BARs as (index, base, size) triples, in the order given. */
    final int[] barIndex;
    final long[] barBase;
    final long[] barSize;

    DeviceState(Node node, Group group, int pasidBits, boolean pri, int[] barIndex, long[] barBase, long[] barSize) {
        this.node = node;
        this.group = group;
        this.pasidBits = pasidBits;
        this.pri = pri;
        this.barIndex = barIndex;
        this.barBase = barBase;
        this.barSize = barSize;
    }
}
