package dev.sva.container;

import dev.sva.core.RangeRepository;

/** Mappings, by container ({@link RangeRepository}'s owner) and IOVA. */
interface DmaMappingRepository extends RangeRepository<DmaMapping> {
}
