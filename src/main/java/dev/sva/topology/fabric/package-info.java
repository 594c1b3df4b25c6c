/**
 * The PCI fabric of one host and the IOMMU groups Linux derives from it: plain Java, with no dependency on Spring,
 * Jakarta, JPA or Jackson (checked by {@code FabricArchitectureTest}). It owns the validated, immutable model of a
 * host's functions ({@link dev.sva.topology.fabric.Fabric}), the derivation of groups exactly as
 * {@code pci_device_group()} ({@code drivers/iommu/iommu.c}) does ({@link dev.sva.topology.fabric.GroupDerivation}),
 * the enforcement of the coarser of that derivation and the host's own report ({@link
 * dev.sva.topology.fabric.HostReport}), the PASID path check of {@code pci_enable_pasid()}, peer-to-peer routing
 * without the IOMMU ({@link dev.sva.topology.fabric.Routing}), the what-if comparison, and the parsers of
 * {@code lspci -vvv -nn} and {@code find /sys/kernel/iommu_groups/ -type l}. It persists nothing; the Spring side in
 * {@code dev.sva.topology} stores fabrics and reconciles nodes with what this package answers.
 */
package dev.sva.topology.fabric;
