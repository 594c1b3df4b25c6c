package dev.sva.translation.engine;

import static dev.sva.translation.engine.Access.READ;
import static dev.sva.translation.engine.Access.WRITE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.management.ManagementFactory;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class TranslationEngineTest {

    static final long NODE = 1;
    static final long DEV = 10;
    static final long PEER = 11;
    static final long GROUP = 100;
    static final long CONTAINER = 200;
    static final long MM = 300;
    static final int PASID = 5;
    static final long PA = 0x8_0000_0000L;
    static final int[] NO_BARS = {};
    static final long[] NO_LONGS = {};

    TranslationEngine engine;

    @BeforeEach
    void setUp() {
        engine = new TranslationEngine(1024, 16);
        engine.putNode(NODE, 20, 48, 48);
        engine.putDevice(NODE, DEV, GROUP, 8, true, new int[] {0}, new long[] {0xF000_0000L}, new long[] {0x10000});
        engine.attachGroup(GROUP, CONTAINER);
        engine.putAddressSpace(NODE, MM);
    }

    DmaResult dma(long iova, long size, Access access) {
        return engine.translate(DEV, -1, iova, size, access);
    }

    DmaResult sva(long va, long size, Access access) {
        return engine.translate(DEV, PASID, va, size, access);
    }

    static void assertFault(DmaResult r, FaultReason reason, Integer vtd, long address) {
        assertThat(r.outcome()).isEqualTo(Outcome.FAULT);
        assertThat(r.fault().reason()).isEqualTo(reason);
        assertThat(r.fault().smmuEvent()).isEqualTo(reason.smmuEvent());
        assertThat(r.fault().smmuCode()).isEqualTo(reason.smmuCode());
        assertThat(r.fault().vtdReason()).isEqualTo(vtd);
        assertThat(r.fault().address()).isEqualTo(address);
        assertThat(r.physicalAddress()).isZero();
        assertThat(r.peer()).isNull();
    }

    static void assertTranslated(DmaResult r, long pa) {
        assertThat(r.outcome()).as("%s", r).isEqualTo(Outcome.TRANSLATED);
        assertThat(r.physicalAddress()).isEqualTo(pa);
        assertThat(r.fault()).isNull();
    }

    @Nested
    class Outcomes {

        @Test
        void mappedIovaTranslatesToThePhysicalAddressOfItsFirstByte() {
            engine.map(CONTAINER, 0x10000, 0x4000, PA, true, true);
            DmaResult r = dma(0x12345, 8, READ);
            assertTranslated(r, PA + 0x2345);
            assertThat(r.segments()).isEmpty();
            assertThat(r.pageRequest()).isNull();
        }

        @Test
        void unknownRequesterFaultsBadStreamIdWithoutVtdReasonAndIsLoggedOnNodeZero() {
            DmaResult r = engine.translate(999, 3, 0x1000, 1, WRITE);
            assertFault(r, FaultReason.UNKNOWN_DEVICE, 0x41, 0x1000);
            assertThat(r.fault().smmuEvent()).isEqualTo("C_BAD_STREAMID");
            assertThat(r.fault().smmuCode()).isEqualTo(0x02);
            assertThat(r.fault().pasid()).isEqualTo(3);
            List<FaultRecord> log = engine.recentFaults(0, 0, 10);
            assertThat(log).hasSize(1);
            assertThat(log.get(0).deviceId()).isEqualTo(999);
            assertThat(log.get(0).nodeId()).isZero();
            assertThat(engine.stats(0).faults().get(FaultReason.UNKNOWN_DEVICE)).isEqualTo(1);
            assertThat(engine.stats(NODE).translations()).isZero();
        }

        @Test
        void dmaWithoutPasidFromAGroupAttachedToNoContainerIsBlocked() {
            engine.detachGroup(GROUP);
            DmaResult r = dma(0x10000, 4, READ);
            assertFault(r, FaultReason.BLOCKED, null, 0x10000);
            assertThat(r.fault().smmuEvent()).isEqualTo("C_BAD_STE");
            assertThat(r.fault().smmuCode()).isEqualTo(0x04);
        }

        @Test
        void pasidFromADeviceWithoutPasidSupportFaultsBadSubstreamId45() {
            engine.putDevice(NODE, DEV, GROUP, 0, false, NO_BARS, NO_LONGS, NO_LONGS);
            DmaResult r = sva(0x1000, 1, READ);
            assertFault(r, FaultReason.PASID_UNSUPPORTED, 0x45, 0x1000);
            assertThat(r.fault().smmuCode()).isEqualTo(0x08);
        }

        @Test
        void pasidWiderThanTheDeviceFaultsBadSubstreamId46() {
            DmaResult r = engine.translate(DEV, 256, 0x1000, 1, READ); // pasidBits 8
            assertFault(r, FaultReason.PASID_UNSUPPORTED, 0x46, 0x1000);
            assertThat(engine.translate(DEV, 255, 0x1000, 1, READ).fault().reason())
                    .isEqualTo(FaultReason.PASID_NOT_BOUND);
        }

        @Test
        void unboundPasidFaultsBadCd59() {
            DmaResult r = sva(0x1000, 1, READ);
            assertFault(r, FaultReason.PASID_NOT_BOUND, 0x59, 0x1000);
            assertThat(r.fault().smmuCode()).isEqualTo(0x0a);
            assertThat(r.fault().pasid()).isEqualTo(PASID);
        }

        @Test
        void anyByteBeyondTheIovaWidthFaultsAddressSize() {
            long top = (1L << 48) - 4096;
            engine.map(CONTAINER, top, 4096, PA, true, true);
            assertTranslated(dma(top, 4096, READ), PA);
            DmaResult r = dma(top, 4097, READ);
            assertFault(r, FaultReason.ADDRESS_SIZE, 0x83, top);
            assertThat(r.fault().smmuEvent()).isEqualTo("F_ADDR_SIZE");
            assertThat(r.fault().smmuCode()).isEqualTo(0x11);
        }

        @Test
        void pasidRequestsAreCheckedAgainstTheVaWidth() {
            engine.putNode(NODE, 20, 48, 39);
            engine.bind(DEV, PASID, MM, false);
            assertFault(sva(1L << 39, 1, READ), FaultReason.ADDRESS_SIZE, 0x83, 1L << 39);
            assertFault(dma(1L << 39, 1, READ), FaultReason.TRANSLATION, 0x71, 1L << 39);
        }

        @Test
        void anAccessWrappingPast2To64FaultsAddressSizeEvenOnA64BitNode() {
            engine.putNode(NODE, 20, 64, 64);
            engine.map(CONTAINER, -4096L, 4096, PA, true, true);
            assertTranslated(dma(-16L, 16, READ), PA + 4096 - 16);
            assertFault(dma(-16L, 17, READ), FaultReason.ADDRESS_SIZE, 0x83, -16L);
        }

        @Test
        void unmappedIovaFaultsTranslation71() {
            DmaResult r = dma(0x5000, 1, READ);
            assertFault(r, FaultReason.TRANSLATION, 0x71, 0x5000);
            assertThat(r.fault().smmuEvent()).isEqualTo("F_TRANSLATION");
            assertThat(r.fault().smmuCode()).isEqualTo(0x10);
        }

        @Test
        void writeToAReadOnlyMappingFaultsPermission85AndReadOfWriteOnly86() {
            engine.map(CONTAINER, 0x10000, 0x1000, PA, true, false);
            engine.map(CONTAINER, 0x20000, 0x1000, PA + 0x1000, false, true);
            DmaResult w = dma(0x10010, 4, WRITE);
            assertFault(w, FaultReason.PERMISSION, 0x85, 0x10010);
            assertThat(w.fault().smmuCode()).isEqualTo(0x13);
            assertThat(w.fault().access()).isEqualTo(WRITE);
            assertFault(dma(0x20010, 4, READ), FaultReason.PERMISSION, 0x86, 0x20010);
            assertTranslated(dma(0x20010, 4, WRITE), PA + 0x1010);
        }

        @Test
        void pasidRequestsTranslateThroughTheBoundAddressSpace() {
            engine.mapRegion(MM, 0x7000_0000L, 0x2000, PA, true, true, true);
            engine.bind(DEV, PASID, MM, false);
            assertTranslated(sva(0x7000_1008L, 8, WRITE), PA + 0x1008);
            assertFault(dma(0x7000_1008L, 8, WRITE), FaultReason.TRANSLATION, 0x71, 0x7000_1008L);
        }
    }

    @Nested
    class PeerToPeer {

        @BeforeEach
        void hotPlugAPeer() {
            engine.putDevice(NODE, PEER, GROUP, 0, false, new int[] {2}, new long[] {0x10000}, new long[] {0x4000});
        }

        @Test
        void anAddressInsideAPeerBarIsDeliveredToThePeerAndNeverReachesTheIommu() {
            engine.map(CONTAINER, 0x10000, 0x4000, PA, true, true);
            DmaResult r = dma(0x12345, 4, WRITE);
            assertThat(r.outcome()).isEqualTo(Outcome.PEER_TO_PEER);
            assertThat(r.peer()).isEqualTo(new DmaResult.Peer(PEER, 2, 0x2345));
            assertThat(r.iotlbHit()).isFalse();
            assertThat(r.fault()).isNull();
            Stats s = engine.stats(NODE);
            assertThat(s.peerToPeer()).isEqualTo(1);
            assertThat(s.iotlbHits() + s.iotlbMisses()).isZero();
            assertThat(s.faultsTotal()).isZero();
        }

        @Test
        void pasidIsIgnoredByFabricRouting() {
            // routed before any PASID check: the requester has no bond, yet the peer receives it
            DmaResult r = sva(0x10000, 1, READ);
            assertThat(r.outcome()).isEqualTo(Outcome.PEER_TO_PEER);
            assertThat(r.peer()).isEqualTo(new DmaResult.Peer(PEER, 2, 0));
        }

        @Test
        void aDeviceNeverRoutesToItsOwnBar() {
            engine.map(CONTAINER, 0xF000_0000L, 0x1000, PA, true, true);
            assertTranslated(dma(0xF000_0000L, 1, READ), PA);
        }

        @Test
        void aSingletonGroupHasNoPeers() {
            engine.putDevice(NODE, PEER, GROUP + 1, 0, false, new int[] {2}, new long[] {0x10000},
                    new long[] {0x4000});
            assertFault(dma(0x10000, 1, READ), FaultReason.TRANSLATION, 0x71, 0x10000);
        }

        @Test
        void unknownRequesterIsReportedBeforeRouting() {
            assertThat(engine.translate(12345, -1, 0x10000, 1, READ).fault().reason())
                    .isEqualTo(FaultReason.UNKNOWN_DEVICE);
        }

        @Test
        void routingComesBeforeBlocking() {
            engine.detachGroup(GROUP);
            assertThat(dma(0x10000, 1, READ).outcome()).isEqualTo(Outcome.PEER_TO_PEER);
        }
    }

    @Nested
    class PageRequests {

        static final long VA = 0x7000_0000L;

        @Test
        void aNotPresentPageOfADemandPagedRegionIsPagedInAndTranslatedWithAnIopfBond() {
            engine.mapRegion(MM, VA, 0x4000, PA, true, true, false);
            engine.bind(DEV, PASID, MM, true);
            DmaResult r = sva(VA + 0x1010, 4, WRITE);
            assertTranslated(r, PA + 0x1010);
            assertThat(r.pageRequest()).isEqualTo(PageResponse.SUCCESS);
            // now present: no page request, and cached
            DmaResult again = sva(VA + 0x1020, 4, READ);
            assertTranslated(again, PA + 0x1020);
            assertThat(again.pageRequest()).isNull();
            assertThat(sva(VA + 0x1020, 4, READ).iotlbHit()).isTrue();
            // the neighbouring page was not brought in
            assertThat(sva(VA, 1, READ).pageRequest()).isEqualTo(PageResponse.SUCCESS);
            assertThat(engine.stats(NODE).pageRequestsSuccess()).isEqualTo(2);
        }

        @Test
        void withoutIopfANotPresentPageFaultsTranslation() {
            engine.mapRegion(MM, VA, 0x4000, PA, true, true, false);
            engine.bind(DEV, PASID, MM, false);
            DmaResult r = sva(VA, 4, READ);
            assertFault(r, FaultReason.TRANSLATION, 0x71, VA);
            assertThat(r.pageRequest()).isNull();
            assertThat(engine.stats(NODE).pageRequestsSuccess() + engine.stats(NODE).pageRequestsInvalid()).isZero();
        }

        @Test
        void aPinnedRegionNeedsNoPageRequest() {
            engine.mapRegion(MM, VA, 0x4000, PA, true, true, true);
            engine.bind(DEV, PASID, MM, true);
            DmaResult r = sva(VA, 4, READ);
            assertTranslated(r, PA);
            assertThat(r.pageRequest()).isNull();
        }

        @Test
        void aPageRequestOutsideEveryRegionIsAnsweredInvalid() {
            engine.bind(DEV, PASID, MM, true);
            DmaResult r = sva(VA, 4, READ);
            assertFault(r, FaultReason.TRANSLATION, 0x71, VA);
            assertThat(r.pageRequest()).isEqualTo(PageResponse.INVALID);
            assertThat(engine.stats(NODE).pageRequestsInvalid()).isEqualTo(1);
        }

        @Test
        void aPageRequestForAnAccessTheRegionForbidsIsAnsweredInvalid() {
            engine.mapRegion(MM, VA, 0x1000, PA, true, false, true); // present, read-only
            engine.mapRegion(MM, VA + 0x1000, 0x1000, PA + 0x1000, true, false, false); // not present, read-only
            engine.bind(DEV, PASID, MM, true);
            DmaResult present = sva(VA, 4, WRITE);
            assertFault(present, FaultReason.PERMISSION, 0x85, VA);
            assertThat(present.pageRequest()).isEqualTo(PageResponse.INVALID);
            DmaResult absent = sva(VA + 0x1000, 4, WRITE);
            assertFault(absent, FaultReason.TRANSLATION, 0x71, VA + 0x1000);
            assertThat(absent.pageRequest()).isEqualTo(PageResponse.INVALID);
        }

        @Test
        void pagesBroughtInBeforeAnInvalidPageStayPresent() {
            engine.mapRegion(MM, VA, 0x2000, PA, true, true, false);
            engine.bind(DEV, PASID, MM, true);
            DmaResult r = sva(VA + 0x1000, 0x2000, READ); // second page of the access is outside every region
            assertFault(r, FaultReason.TRANSLATION, 0x71, VA + 0x2000);
            assertThat(r.pageRequest()).isEqualTo(PageResponse.INVALID);
            engine.unbind(DEV, PASID);
            engine.bind(DEV, PASID, MM, false);
            assertTranslated(sva(VA + 0x1000, 8, READ), PA + 0x1000);
            assertFault(sva(VA, 8, READ), FaultReason.TRANSLATION, 0x71, VA);
        }

        @Test
        void munmapDropsThePresenceOfThePagesItRemoves() {
            engine.mapRegion(MM, VA, 0x3000, PA, true, true, false);
            engine.bind(DEV, PASID, MM, true);
            assertThat(sva(VA, 0x3000, READ).pageRequest()).isEqualTo(PageResponse.SUCCESS);
            engine.unmapRegion(MM, VA + 0x1000, 0x1000);
            engine.mapRegion(MM, VA + 0x1000, 0x1000, PA + 0x1000, true, true, false);
            assertThat(sva(VA, 1, READ).pageRequest()).isNull();
            assertThat(sva(VA + 0x2000, 1, READ).pageRequest()).isNull();
            assertThat(sva(VA + 0x1000, 1, READ).pageRequest()).isEqualTo(PageResponse.SUCCESS);
        }

        @Test
        void sequentialPageInsOfARegionStayOneInterval() {
            engine.mapRegion(MM, VA, 0x100_000, PA, true, true, false);
            engine.bind(DEV, PASID, MM, true);
            for (long off = 0; off < 0x100_000; off += 0x1000) {
                assertThat(sva(VA + off, 1, READ).pageRequest()).isEqualTo(PageResponse.SUCCESS);
            }
            assertThat(engine.intervals(MM, false)).isEqualTo(1);
        }
    }

    @Nested
    class Segments {

        @Test
        void anAccessSpanningPhysicallyContiguousMappingsIsOneSegment() {
            engine.map(CONTAINER, 0x10000, 0x1000, PA, true, true);
            engine.map(CONTAINER, 0x11000, 0x1000, PA + 0x1000, true, true);
            DmaResult r = dma(0x10800, 0x1000, READ);
            assertTranslated(r, PA + 0x800);
            assertThat(r.segments()).containsExactly(new DmaResult.Segment(PA + 0x800, 0x1000));
        }

        @Test
        void anAccessSpanningScatteredPagesListsEachRunInOrder() {
            engine.map(CONTAINER, 0x10000, 0x2000, PA, true, true);
            engine.map(CONTAINER, 0x12000, 0x1000, PA + 0x10_0000, true, true);
            DmaResult r = dma(0x10ff0, 0x1020, WRITE);
            assertTranslated(r, PA + 0xff0);
            assertThat(r.segments()).containsExactly(new DmaResult.Segment(PA + 0xff0, 0x1010),
                    new DmaResult.Segment(PA + 0x10_0000, 0x10));
        }

        @Test
        void aFaultOnALaterPageIsReportedAtThatPage() {
            engine.map(CONTAINER, 0x10000, 0x1000, PA, true, true);
            engine.map(CONTAINER, 0x11000, 0x1000, PA + 0x1000, true, false);
            assertFault(dma(0x10f00, 0x200, WRITE), FaultReason.PERMISSION, 0x85, 0x11000);
            assertFault(dma(0x11f00, 0x200, READ), FaultReason.TRANSLATION, 0x71, 0x12000);
        }

        @Test
        void aHugeMappingTranslatesAnyAccessInOneRun() {
            engine.map(CONTAINER, 1L << 40, 1L << 40, PA, true, true); // 2^40 bytes, one interval
            DmaResult r = dma((1L << 40) + 0x123, 1L << 30, READ);
            assertThat(r.segments()).containsExactly(new DmaResult.Segment(PA + 0x123, 1L << 30));
            assertThat(engine.intervals(CONTAINER, true)).isEqualTo(1);
        }
    }

    @Nested
    class Iotlb {

        static final long VA = 0x7000_0000L;

        void cachedIova() {
            engine.map(CONTAINER, 0x10000, 0x1000, PA, true, true);
            assertThat(dma(0x10000, 8, READ).iotlbHit()).isFalse();
            DmaResult hit = dma(0x10008, 8, READ);
            assertTranslated(hit, PA + 8);
            assertThat(hit.iotlbHit()).isTrue();
        }

        void cachedVa() {
            engine.mapRegion(MM, VA, 0x1000, PA, true, true, true);
            engine.bind(DEV, PASID, MM, false);
            assertThat(sva(VA, 8, READ).iotlbHit()).isFalse();
            assertThat(sva(VA, 8, READ).iotlbHit()).isTrue();
        }

        @Test
        void aSecondTranslationOfAPageHitsAndCounts() {
            cachedIova();
            Stats s = engine.stats(NODE);
            assertThat(s.iotlbHits()).isEqualTo(1);
            assertThat(s.iotlbMisses()).isEqualTo(1);
            assertThat(s.translations()).isEqualTo(2);
        }

        @Test
        void unmapInvalidatesBeforeItReturns() {
            cachedIova();
            engine.unmap(CONTAINER, 0x10000, 0x1000);
            assertFault(dma(0x10000, 8, READ), FaultReason.TRANSLATION, 0x71, 0x10000);
            engine.map(CONTAINER, 0x10000, 0x1000, PA + 0x5000, true, true);
            DmaResult r = dma(0x10000, 8, READ);
            assertTranslated(r, PA + 0x5000);
            assertThat(r.iotlbHit()).isFalse();
        }

        @Test
        void aLargeUnmapRetagsTheContainerInsteadOfInvalidatingEveryPage() {
            engine.map(CONTAINER, 0x100_0000L, 0x100_0000L, PA, true, true); // 4096 pages
            engine.map(CONTAINER, 0x10000, 0x1000, PA, true, true);
            dma(0x100_0000L, 1, READ);
            dma(0x10000, 1, READ);
            assertThat(dma(0x100_0000L, 1, READ).iotlbHit()).isTrue();
            engine.unmap(CONTAINER, 0x100_0000L, 0x100_0000L);
            assertFault(dma(0x100_0000L, 1, READ), FaultReason.TRANSLATION, 0x71, 0x100_0000L);
            DmaResult other = dma(0x10000, 1, READ);
            assertTranslated(other, PA);
            assertThat(other.iotlbHit()).isFalse(); // the whole container's entries died with the old tag
        }

        @Test
        void munmapInvalidatesBeforeItReturns() {
            cachedVa();
            engine.unmapRegion(MM, VA, 0x1000);
            assertFault(sva(VA, 8, READ), FaultReason.TRANSLATION, 0x71, VA);
        }

        @Test
        void unbindMakesThePasidFaultBeforeItReturns() {
            cachedVa();
            engine.unbind(DEV, PASID);
            assertFault(sva(VA, 8, READ), FaultReason.PASID_NOT_BOUND, 0x59, VA);
        }

        @Test
        void processExitRevokesEveryBondBeforeItReturns() {
            cachedVa();
            engine.putDevice(NODE, PEER, GROUP + 1, 8, true, NO_BARS, NO_LONGS, NO_LONGS);
            engine.bind(PEER, PASID, MM, false);
            assertTranslated(engine.translate(PEER, PASID, VA, 1, READ), PA);
            engine.removeAddressSpace(MM);
            assertFault(sva(VA, 8, READ), FaultReason.PASID_NOT_BOUND, 0x59, VA);
            assertFault(engine.translate(PEER, PASID, VA, 1, READ), FaultReason.PASID_NOT_BOUND, 0x59, VA);
            engine.unbind(DEV, PASID); // finds nothing
        }

        @Test
        void detachBlocksTheGroupBeforeItReturns() {
            cachedIova();
            engine.detachGroup(GROUP);
            assertFault(dma(0x10000, 8, READ), FaultReason.BLOCKED, null, 0x10000);
        }

        @Test
        void aGroupMovedToAnotherContainerTranslatesThroughTheNewOne() {
            cachedIova();
            engine.map(CONTAINER + 1, 0x10000, 0x1000, PA + 0x9000, true, true);
            engine.attachGroup(GROUP, CONTAINER + 1);
            assertTranslated(dma(0x10000, 8, READ), PA + 0x9000);
        }

        @Test
        void removingADeviceMakesItUnknownAndDropsItsBonds() {
            cachedIova();
            cachedVa();
            engine.removeDevice(DEV);
            assertFault(dma(0x10000, 8, READ), FaultReason.UNKNOWN_DEVICE, 0x41, 0x10000);
            engine.putDevice(NODE, DEV, GROUP, 8, true, NO_BARS, NO_LONGS, NO_LONGS);
            assertFault(sva(VA, 8, READ), FaultReason.PASID_NOT_BOUND, 0x59, VA);
            assertTranslated(dma(0x10000, 8, READ), PA + 0); // the group is still attached
        }

        @Test
        void hotPlugIntoAnotherGroupReroutesBeforeItReturns() {
            cachedIova();
            engine.putDevice(NODE, DEV, GROUP + 1, 8, true, NO_BARS, NO_LONGS, NO_LONGS);
            assertFault(dma(0x10000, 8, READ), FaultReason.BLOCKED, null, 0x10000);
        }

        @Test
        void hotPlugOfAPeerWhoseBarCoversACachedPageRoutesToThePeer() {
            cachedIova();
            engine.putDevice(NODE, PEER, GROUP, 0, false, new int[] {4}, new long[] {0x10000}, new long[] {0x1000});
            DmaResult r = dma(0x10000, 8, READ);
            assertThat(r.outcome()).isEqualTo(Outcome.PEER_TO_PEER);
            assertThat(r.peer()).isEqualTo(new DmaResult.Peer(PEER, 4, 0));
        }

        @Test
        void aFullIotlbEvictsWithinASetAndNeverFlushesEverything() {
            TranslationEngine small = new TranslationEngine(64, 16);
            small.putNode(NODE, 20, 48, 48);
            small.putDevice(NODE, DEV, GROUP, 0, false, NO_BARS, NO_LONGS, NO_LONGS);
            small.attachGroup(GROUP, CONTAINER);
            int pages = 64 * 8;
            small.map(CONTAINER, 0, 4096L * pages, PA, true, true);
            for (int p = 0; p < pages; p++) {
                small.translate(DEV, -1, 4096L * p, 1, READ);
            }
            dev.sva.translation.engine.Iotlb tlb = small.iotlb(NODE);
            assertThat(tlb.occupancy()).isGreaterThan(tlb.capacity() * 3 / 4);
            int hits = 0;
            for (int p = pages - 16; p < pages; p++) {
                hits += small.translate(DEV, -1, 4096L * p, 1, READ).iotlbHit() ? 1 : 0;
            }
            assertThat(hits).as("the most recent fills survive").isGreaterThanOrEqualTo(12);
            assertThat(small.stats(NODE).iotlbHits()).isEqualTo(hits);
        }

        @Test
        void tagWrapAroundEmptiesTheIotlbAndKeepsTranslating() {
            TranslationEngine tiny = new TranslationEngine(64, 16, 2); // tags 1..3
            tiny.putNode(NODE, 20, 48, 48);
            tiny.putDevice(NODE, DEV, GROUP, 0, false, NO_BARS, NO_LONGS, NO_LONGS);
            tiny.attachGroup(GROUP, CONTAINER);
            tiny.map(CONTAINER, 0x10000, 0x1000, PA, true, true);
            tiny.translate(DEV, -1, 0x10000, 1, READ);
            assertThat(tiny.translate(DEV, -1, 0x10000, 1, READ).iotlbHit()).isTrue();
            for (long c = 1; c <= 8; c++) {
                tiny.map(CONTAINER + c, 0, 0x1000, PA, true, true); // every new container takes a tag
            }
            DmaResult r = tiny.translate(DEV, -1, 0x10000, 1, READ);
            assertTranslated(r, PA);
            tiny.unmap(CONTAINER, 0x10000, 0x1000);
            assertFault(tiny.translate(DEV, -1, 0x10000, 1, READ), FaultReason.TRANSLATION, 0x71, 0x10000);
        }

        @Test
        void anEngineWithoutIotlbStillTranslates() {
            TranslationEngine none = new TranslationEngine(0, 16);
            none.putNode(NODE, 20, 48, 48);
            none.putDevice(NODE, DEV, GROUP, 0, false, NO_BARS, NO_LONGS, NO_LONGS);
            none.attachGroup(GROUP, CONTAINER);
            none.map(CONTAINER, 0x10000, 0x1000, PA, true, true);
            none.translate(DEV, -1, 0x10000, 1, READ);
            DmaResult r = none.translate(DEV, -1, 0x10000, 1, READ);
            assertTranslated(r, PA);
            assertThat(r.iotlbHit()).isFalse();
        }
    }

    @Nested
    class FaultLogAndBatches {

        @Test
        void theFaultLogIsNewestFirstBoundedAndFilterable() {
            engine.putDevice(NODE, PEER, GROUP + 1, 0, false, NO_BARS, NO_LONGS, NO_LONGS);
            for (int i = 0; i < 20; i++) {
                dma(0x1000L * i, 1, READ);
            }
            engine.translate(PEER, -1, 0x99000, 1, WRITE);
            List<FaultRecord> all = engine.recentFaults(NODE, 0, 100);
            assertThat(all).hasSize(16); // ring of 16
            assertThat(all.get(0).deviceId()).isEqualTo(PEER);
            assertThat(all.get(0).reason()).isEqualTo(FaultReason.BLOCKED);
            assertThat(all.get(1).address()).isEqualTo(0x1000L * 19);
            assertThat(all.get(1).vtdReason()).isEqualTo(0x71);
            assertThat(all.get(1).nodeId()).isEqualTo(NODE);
            assertThat(all.get(1).pasid()).isEqualTo(-1);
            assertThat(all.get(1).timestamp()).isPositive();
            List<FaultRecord> mine = engine.recentFaults(NODE, DEV, 3);
            assertThat(mine).extracting(FaultRecord::address).containsExactly(0x13000L, 0x12000L, 0x11000L);
            assertThat(engine.recentFaults(42, 0, 10)).isEmpty();
            assertThat(engine.stats(NODE).faults().get(FaultReason.TRANSLATION)).isEqualTo(20);
            assertThat(engine.stats().faultsTotal()).isEqualTo(21);
        }

        @Test
        void aBatchAnswersInRequestOrderLikeSingleCalls() {
            engine.map(CONTAINER, 0x10000, 0x2000, PA, true, false);
            engine.putDevice(NODE, PEER, GROUP, 0, false, new int[] {1}, new long[] {0x40000}, new long[] {0x1000});
            DmaBatch b = new DmaBatch(8);
            b.add(DEV, -1, 0x10008, 4, READ);
            b.add(DEV, -1, 0x10008, 4, WRITE);
            b.add(DEV, -1, 0x40010, 4, READ);
            b.add(777, -1, 0x10008, 4, READ);
            b.add(DEV, PASID, 0x10008, 4, READ);
            b.add(DEV, -1, 0x10ff0, 0x20, READ);
            engine.translate(b);
            assertThat(b.outcome(0)).isEqualTo(Outcome.TRANSLATED);
            assertThat(b.physicalAddress(0)).isEqualTo(PA + 8);
            assertThat(b.faultReason(1)).isEqualTo(FaultReason.PERMISSION);
            assertThat(b.vtdReason(1)).isEqualTo(0x85);
            assertThat(b.iotlbHit(1)).isTrue();
            assertThat(b.peerDeviceId(2)).isEqualTo(PEER);
            assertThat(b.peerBar(2)).isEqualTo(1);
            assertThat(b.peerOffset(2)).isEqualTo(0x10);
            assertThat(b.faultReason(3)).isEqualTo(FaultReason.UNKNOWN_DEVICE);
            assertThat(b.vtdReason(3)).isEqualTo(0x41);
            assertThat(b.faultReason(4)).isEqualTo(FaultReason.PASID_NOT_BOUND);
            assertThat(b.segmentCount(5)).isEqualTo(1);
            assertThat(b.segmentSize(5, 0)).isEqualTo(0x20);
            for (int i = 0; i < b.size(); i++) {
                DmaResult single = engine.translate(b.deviceId(i), b.pasid(i), b.address(i), b.size(i), b.access(i));
                assertThat(b.result(i)).isEqualTo(
                        new DmaResult(single.outcome(), single.physicalAddress(), single.segments(), b.iotlbHit(i),
                                single.pageRequest(), single.peer(), single.fault()));
            }
        }

        @Test
        void aBatchSpanningNodesCountsEachRequestOnItsOwnNode() {
            engine.map(CONTAINER, 0x10000, 0x1000, PA, true, true);
            engine.putNode(2, 20, 48, 48);
            engine.putDevice(2, 20, 2000, 0, false, NO_BARS, NO_LONGS, NO_LONGS);
            engine.attachGroup(2000, CONTAINER + 2);
            engine.map(CONTAINER + 2, 0x10000, 0x1000, PA, true, true);
            DmaBatch b = new DmaBatch(16);
            for (int round = 0; round < 2; round++) {
                b.add(DEV, -1, 0x10000, 1, READ);   // node 1: miss, then hit
                b.add(DEV, -1, 0x10000, 1, READ);   // node 1: hit
                b.add(20, -1, 0x10000, 1, READ);    // node 2: miss, then hit
                b.add(20, -1, 0x90000, 1, READ);    // node 2: fault
                b.add(555, -1, 0x10000, 1, READ);   // unknown: node 0
            }
            engine.translate(b);
            Stats one = engine.stats(NODE);
            Stats two = engine.stats(2);
            assertThat(one.translations()).isEqualTo(4);
            assertThat(one.iotlbHits()).isEqualTo(3);
            assertThat(one.iotlbMisses()).isEqualTo(1);
            assertThat(two.translations()).isEqualTo(4);
            assertThat(two.iotlbHits()).isEqualTo(1);
            assertThat(two.iotlbMisses()).isEqualTo(3);
            assertThat(two.faults().get(FaultReason.TRANSLATION)).isEqualTo(2);
            assertThat(engine.stats(0).translations()).isEqualTo(2);
            assertThat(engine.stats().translations()).isEqualTo(10);
            assertThat(engine.recentFaults(2, 0, 10)).hasSize(2).allMatch(f -> f.nodeId() == 2 && f.deviceId() == 20);
            assertThat(engine.recentFaults(NODE, 0, 10)).isEmpty();
        }

        @Test
        void aWarmBatchAllocatesNothing() {
            engine.map(CONTAINER, 0x10000, 0x100_000, PA, true, false);
            engine.bind(DEV, PASID, MM, false);
            DmaBatch b = new DmaBatch(1024);
            for (int i = 0; i < 1024; i++) {
                switch (i % 4) {
                    case 0 -> b.add(DEV, -1, 0x10000 + 0x1000L * (i % 200), 8, READ); // hit
                    case 1 -> b.add(DEV, -1, 0x10000 + 0x1000L * (i % 200), 8, WRITE); // permission fault
                    case 2 -> b.add(DEV, PASID, 0x5000, 8, READ); // translation fault after a walk
                    default -> b.add(DEV, -1, 0x10ff0 + 0x1000L * (i % 200), 0x20, READ); // two pages
                }
            }
            for (int warm = 0; warm < 2000; warm++) {
                engine.translate(b);
            }
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long tid = Thread.currentThread().getId();
            long before = mx.getThreadAllocatedBytes(tid);
            for (int k = 0; k < 100; k++) {
                engine.translate(b);
            }
            long allocated = mx.getThreadAllocatedBytes(tid) - before;
            assertThat(allocated).as("bytes allocated by 102,400 translations").isLessThan(1024);
        }

        @Test
        void replayingTheCommandsAfterClearRebuildsTheSameAnswers() {
            Runnable commands = () -> {
                engine.putNode(NODE, 20, 48, 48);
                engine.putDevice(NODE, DEV, GROUP, 8, true, NO_BARS, NO_LONGS, NO_LONGS);
                engine.attachGroup(GROUP, CONTAINER);
                engine.map(CONTAINER, 0x10000, 0x1000, PA, true, true);
                engine.putAddressSpace(NODE, MM);
                engine.mapRegion(MM, 0x20000, 0x1000, PA + 0x1000, true, false, true);
                engine.bind(DEV, PASID, MM, false);
            };
            commands.run();
            DmaResult a = dma(0x10004, 4, READ);
            DmaResult b = sva(0x20004, 4, READ);
            engine.clear();
            assertFault(dma(0x10004, 4, READ), FaultReason.UNKNOWN_DEVICE, 0x41, 0x10004);
            commands.run();
            assertThat(dma(0x10004, 4, READ).physicalAddress()).isEqualTo(a.physicalAddress());
            assertThat(sva(0x20004, 4, READ).physicalAddress()).isEqualTo(b.physicalAddress());
            assertThat(engine.recentFaults(NODE, 0, 10)).isEmpty();
            assertThat(engine.stats(NODE).translations()).isEqualTo(2);
        }
    }

    @Nested
    class Misuse {

        @Test
        void commandsNamingAnUnknownParentAreRejected() {
            assertThatThrownBy(() -> engine.putDevice(9, 1, 1, 0, false, NO_BARS, NO_LONGS, NO_LONGS))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> engine.bind(9999, 1, MM, false)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> engine.bind(DEV, 1, 9999, false)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> engine.mapRegion(9999, 0, 4096, 0, true, true, true))
                    .isInstanceOf(IllegalArgumentException.class);
        }

        @Test
        void malformedOrOverlappingIntervalsAreRejectedAndChangeNothing() {
            engine.map(CONTAINER, 0x10000, 0x2000, PA, true, true);
            assertThatThrownBy(() -> engine.map(CONTAINER, 0x11000, 0x1000, PA, true, true))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> engine.map(CONTAINER, 0x20001, 0x1000, PA, true, true))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> engine.map(CONTAINER, 0x20000, 0x1000, PA + 1, true, true))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> engine.map(CONTAINER, -4096L, 0x2000, PA, true, true))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> engine.map(CONTAINER, 0x20000, 0x1000, PA, false, false))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> engine.unmap(CONTAINER, 0x10000, 0x800))
                    .isInstanceOf(IllegalArgumentException.class);
            assertThat(engine.intervals(CONTAINER, true)).isEqualTo(1);
        }

        @Test
        void removingUnknownThingsIsANoOp() {
            engine.removeDevice(4242);
            engine.detachGroup(4242);
            engine.unmap(4242, 0, 4096);
            engine.removeContainer(4242);
            engine.unmapRegion(4242, 0, 4096);
            engine.removeAddressSpace(4242);
            engine.unbind(4242, 1);
            engine.unbind(DEV, 1);
        }

        @Test
        void unmapLeavesAMappingThatStraddlesTheRange() {
            engine.map(CONTAINER, 0x10000, 0x2000, PA, true, true);
            engine.map(CONTAINER, 0x12000, 0x1000, PA, true, true);
            engine.unmap(CONTAINER, 0x11000, 0x2000);
            assertTranslated(dma(0x10000, 1, READ), PA);
            assertFault(dma(0x12000, 1, READ), FaultReason.TRANSLATION, 0x71, 0x12000);
        }

        @Test
        void aBatchRejectsAnEmptyAccessWhenTheRequestIsAdded() {
            DmaBatch b = new DmaBatch(2);
            assertThatThrownBy(() -> b.add(DEV, -1, 0, 0, READ)).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> b.add(DEV, -1, 0, 1, null)).isInstanceOf(IllegalArgumentException.class);
            b.add(DEV, -1, 0, 1, READ);
            b.add(DEV, -1, 0, 1, READ);
            assertThatThrownBy(() -> b.add(DEV, -1, 0, 1, READ)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Nested
    class ForgettingANodesState {

        static final long OTHER_NODE = 2;
        static final long OTHER_DEV = 20;
        static final long OTHER_GROUP = 120;
        static final long OTHER_CONTAINER = 220;
        static final long IDLE_CONTAINER = 230;

        @Test
        void dropsTheNodesDevicesContainersAndSpacesButKeepsItsFaultsAndOtherNodes() {
            engine.map(CONTAINER, 0x10000, 0x1000, PA, true, true);
            engine.map(IDLE_CONTAINER, 0x10000, 0x1000, PA, true, true);
            engine.mapRegion(MM, 0x20000, 0x1000, PA, true, true, true);
            engine.bind(DEV, PASID, MM, false);
            engine.putNode(OTHER_NODE, 20, 48, 48);
            engine.putDevice(OTHER_NODE, OTHER_DEV, OTHER_GROUP, 8, false, NO_BARS, NO_LONGS, NO_LONGS);
            engine.attachGroup(OTHER_GROUP, OTHER_CONTAINER);
            engine.map(OTHER_CONTAINER, 0x10000, 0x1000, PA, true, true);
            assertFault(dma(0x50000, 8, READ), FaultReason.TRANSLATION, 0x71, 0x50000);
            assertTranslated(dma(0x10000, 8, READ), PA);

            engine.forgetNodeState(NODE, new long[] {IDLE_CONTAINER});

            assertThat(dma(0x10000, 8, READ).fault().reason()).as("the device is gone").isEqualTo(FaultReason.UNKNOWN_DEVICE);
            assertThat(engine.recentFaults(NODE, 0, 10)).as("the node's fault records are kept").hasSize(1);
            assertTranslated(engine.translate(OTHER_DEV, -1, 0x10000, 8, READ), PA);
            // put again: nothing of the old state is left to collide with
            engine.putDevice(NODE, DEV, GROUP, 8, true, NO_BARS, NO_LONGS, NO_LONGS);
            engine.attachGroup(GROUP, CONTAINER);
            assertFault(dma(0x10000, 8, READ), FaultReason.TRANSLATION, 0x71, 0x10000);
            engine.map(CONTAINER, 0x10000, 0x1000, PA, true, true);
            engine.map(IDLE_CONTAINER, 0x10000, 0x1000, PA, true, true);
            engine.putAddressSpace(NODE, MM);
            engine.mapRegion(MM, 0x20000, 0x1000, PA, true, true, true);
            assertTranslated(dma(0x10000, 8, READ), PA);
            assertThat(sva(0x20000, 8, READ).fault().reason()).as("the bond is gone").isEqualTo(FaultReason.PASID_NOT_BOUND);
        }
    }
}
