/**
 * Process address spaces ({@code struct mm_struct}): a pid, its VA regions (pinned or demand-paged)
 * and, once a device is bound to it, its PASID. Owns process exit, which revokes every bond and
 * frees the PASID.
 */
package dev.sva.addressspace;
