package dev.sva.translation.engine;

import java.util.List;

/**
 * The answer to one DMA request (API.md "DMA"). Fields that do not apply to the outcome hold their neutral value
 * ({@code 0}, {@code null} or an empty list).
 *
 * @param outcome          what happened
 * @param physicalAddress  {@code TRANSLATED}: physical address of the first byte; otherwise 0
 * @param segments         {@code TRANSLATED} and the access spans more than one page: the physically contiguous runs
 *                         in access order, sizes adding up to the access size; otherwise empty
 * @param iotlbHit         the translation of the first page came from the IOTLB
 * @param pageRequest      response to the page request this access raised, {@code null} if it raised none
 * @param peer             {@code PEER_TO_PEER}: where the fabric delivered it; otherwise {@code null}
 * @param fault            {@code FAULT}: why; otherwise {@code null}
 */
public record DmaResult(Outcome outcome, long physicalAddress, List<Segment> segments, boolean iotlbHit,
                        PageResponse pageRequest, Peer peer, Fault fault) {

    /** A physically contiguous run of a translated access. */
    public record Segment(long physicalAddress, long size) {
    }

    /** The peer device and BAR that received a peer-to-peer access; {@code offset} = address - BAR base. */
    public record Peer(long deviceId, int bar, long offset) {
    }

    /**
     * Why the access faulted; same meaning as the fields of {@link FaultRecord}.
     */
    public record Fault(FaultReason reason, String smmuEvent, int smmuCode, Integer vtdReason, long address,
                        int pasid, Access access) {
    }
}
