/**
 * Devices (PCI functions) and IOMMU groups, the unit of isolation: devices of one group reach each
 * other without passing the IOMMU. Owns hot-plug and hot-unplug, driver binding and group viability;
 * asks {@code bond} to revoke what a change makes unsafe.
 */
package dev.sva.device;
