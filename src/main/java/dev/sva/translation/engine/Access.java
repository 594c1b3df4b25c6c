package dev.sva.translation.engine;

/** Direction of a DMA access, as seen from the device: {@code READ} reads memory, {@code WRITE} writes it. */
public enum Access {
    READ,
    WRITE
}
