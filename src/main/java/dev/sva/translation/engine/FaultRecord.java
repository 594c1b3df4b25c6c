package dev.sva.translation.engine;

/**
 * One entry of a node's fault log (an SMMUv3 event queue entry / VT-d fault record).
 *
 * @param reason     why the request faulted
 * @param smmuEvent  SMMUv3 event name ({@code reason.smmuEvent()})
 * @param smmuCode   SMMUv3 event number ({@code reason.smmuCode()})
 * @param vtdReason  VT-d fault reason, {@code null} where there is none
 * @param address    the faulting address: the request address, or for {@code TRANSLATION}/{@code PERMISSION} the
 *                   first byte of the access inside the first page that failed
 * @param pasid      the request's PASID, or -1 for DMA without PASID
 * @param access     the request's access
 * @param deviceId   the requester
 * @param nodeId     the requester's node, 0 for {@code UNKNOWN_DEVICE} (the node is not known)
 * @param timestamp  {@link System#currentTimeMillis()} when the request (or its batch) was translated
 */
public record FaultRecord(FaultReason reason, String smmuEvent, int smmuCode, Integer vtdReason, long address,
                          int pasid, Access access, long deviceId, long nodeId, long timestamp) {
}
