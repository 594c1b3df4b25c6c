/**
 * The translation engine's Spring side: feeds committed {@link dev.sva.core.StateChange}s to the
 * plain-Java engine in {@code translation.engine}, rebuilds it from the database at start, and serves
 * the DMA endpoints ({@code POST /dma}, {@code /dma/batch}, {@code GET /faults}, {@code /dma/stats}).
 */
package dev.sva.translation;
