package dev.sva.translation.engine;

import java.util.Map;

/**
 * Counters of one node (or of the whole engine), read without stopping translations: each counter is exact, the set
 * of counters is not one atomic snapshot.
 *
 * @param translations         DMA requests answered, whatever the outcome
 * @param iotlbHits            requests whose first page was translated from the IOTLB
 * @param iotlbMisses          requests that reached the page walk
 * @param faults               requests answered {@code FAULT}, by reason (every reason present, possibly 0)
 * @param pageRequestsSuccess  page request groups answered {@code SUCCESS} (one per access)
 * @param pageRequestsInvalid  page request groups answered {@code INVALID}
 * @param peerToPeer           requests delivered peer-to-peer
 */
public record Stats(long translations, long iotlbHits, long iotlbMisses, Map<FaultReason, Long> faults,
                    long pageRequestsSuccess, long pageRequestsInvalid, long peerToPeer) {

    /** Sum of {@link #faults()}. */
    public long faultsTotal() {
        long sum = 0;
        for (long v : faults.values()) {
            sum += v;
        }
        return sum;
    }
}
