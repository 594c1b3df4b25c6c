package dev.sva.addressspace;

import dev.sva.core.RangeRepository;

/** Regions, by address space ({@link RangeRepository}'s owner) and address. */
interface RegionRepository extends RangeRepository<Region> {
}
