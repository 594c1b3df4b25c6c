/**
 * Bonds ({@code struct iommu_sva}): a device bound to a process address space, carrying the address
 * space's PASID. Owns the bind rules (singleton groups, PASID allocation and width, iopf), container
 * binds (all or nothing, every incapable device named), their replay on attach, and every
 * revocation with its reason and {@code driverData}.
 */
package dev.sva.bond;
