package dev.sva.device;

import jakarta.persistence.Column;
import jakarta.persistence.Embeddable;

/** A memory BAR of a device: {@code [base, base + size)} in the PCI address space. A row of {@code device_bar}. */
@Embeddable
public record Bar(@Column(name = "bar_index", nullable = false) int index,
                  @Column(nullable = false) long base,
                  @Column(nullable = false) long size) {
}
