package dev.sva.device;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;

/** A memory BAR of a device: {@code [base, base + size)} in the PCI address space. */
@Embeddable
public class Bar {

    @Column(name = "bar_index", nullable = false)
    private int index;

    @Column(nullable = false)
    private long base;

    @Column(nullable = false)
    private long size;

    protected Bar() {
    }

    public Bar(int index, long base, long size) {
        this.index = index;
        this.base = base;
        this.size = size;
    }

    public int index() {
        return index;
    }

    public long base() {
        return base;
    }

    public long size() {
        return size;
    }
}
