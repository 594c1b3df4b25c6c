/**
 * The translation engine: plain Java, with no dependency on Spring, Jakarta or JPA (checked by
 * {@code EngineArchitectureTest}). It owns the in-memory image of every node's IOMMU state that DMA translation needs
 * (devices and their groups and BARs, containers and their IOVA mappings, process address spaces and their regions,
 * PASID bonds) together with each node's IOTLB, fault log and counters, and it answers DMA requests from that image
 * as an SMMUv3 / VT-d would: translated, delivered peer-to-peer inside an IOMMU group, or faulted with the hardware's
 * reason. It is fed, after each committed transaction and again to rebuild at start, by {@link
 * dev.sva.translation.engine.TranslationEngine}'s commands made of primitives; it persists nothing and enforces none
 * of the control plane's rules beyond keeping itself consistent. Readers never lock; writers are serialised.
 */
package dev.sva.translation.engine;
