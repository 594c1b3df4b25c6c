package dev.sva.translation.engine;

import static dev.sva.translation.engine.Access.READ;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * DOMAIN rule 18 under concurrency: translators run while a writer changes the state, and no translation that starts
 * after an unmap, munmap, unbind, exit or detach has returned may translate through what it removed.
 */
@Timeout(60)
class EngineConcurrencyTest {

    static final long NODE = 1;
    static final long CONTAINER = 200;
    static final int[] NO_BARS = {};
    static final long[] NO_LONGS = {};
    static final int SLOTS = 8;
    static final long SLOT_STRIDE = 0x100_000L; // 256 pages between slots
    static final long BASE = 0x1000_0000L;
    static final long RUN_MILLIS = 1500;

    /** Mapping number k maps to {@code k << 24}: a translated address names the mapping it came from. */
    static long pa(long k) {
        return k << 24;
    }

    @Test
    void noIovaTranslationReturnsAMappingAfterItsUnmapReturned() throws Exception {
        TranslationEngine engine = new TranslationEngine(4096, 64);
        engine.putNode(NODE, 20, 48, 48);
        for (long d = 1; d <= 2; d++) {
            engine.putDevice(NODE, d, 100 + d, 0, false, NO_BARS, NO_LONGS, NO_LONGS);
            engine.attachGroup(100 + d, CONTAINER);
        }
        AtomicLong unmappedUpTo = new AtomicLong(); // every mapping number <= this has been unmapped
        long[] slotSize = new long[SLOTS];
        Runnable writer = () -> {
            for (long k = 1; !Thread.currentThread().isInterrupted(); k++) {
                int slot = (int) (k % SLOTS);
                long iova = BASE + slot * SLOT_STRIDE;
                if (k > SLOTS) {
                    engine.unmap(CONTAINER, iova, slotSize[slot]);
                    unmappedUpTo.set(k - SLOTS);
                }
                // every 5th mapping is 128 pages: its unmap retags the container instead of invalidating pages
                slotSize[slot] = k % 5 == 0 ? 128 * 4096L : 4096L;
                engine.map(CONTAINER, iova, slotSize[slot], pa(k), true, true);
            }
        };
        long translated = race(engine, writer, unmappedUpTo, -1, (rnd) -> BASE + rnd.nextInt(SLOTS) * SLOT_STRIDE
                + rnd.nextInt(4096));
        assertThat(translated).as("translations that found a mapping").isGreaterThan(1000);
        assertThat(engine.stats(NODE).iotlbHits()).as("the readers hit the IOTLB").isGreaterThan(1000);
    }

    @Test
    void noPasidTranslationReturnsARegionAfterItsMunmapReturned() throws Exception {
        TranslationEngine engine = new TranslationEngine(4096, 64);
        engine.putNode(NODE, 20, 48, 48);
        engine.putAddressSpace(NODE, 300);
        for (long d = 1; d <= 2; d++) {
            engine.putDevice(NODE, d, 100 + d, 20, true, NO_BARS, NO_LONGS, NO_LONGS);
            engine.bind(d, 7, 300, false);
        }
        AtomicLong unmappedUpTo = new AtomicLong();
        Runnable writer = () -> {
            for (long k = 1; !Thread.currentThread().isInterrupted(); k++) {
                int slot = (int) (k % SLOTS);
                long va = BASE + slot * SLOT_STRIDE;
                if (k > SLOTS) {
                    engine.unmapRegion(300, va, SLOT_STRIDE); // munmap of the whole slot, whatever it holds
                    unmappedUpTo.set(k - SLOTS);
                }
                engine.mapRegion(300, va, k % 5 == 0 ? 128 * 4096L : 4096L, pa(k), true, true, true);
            }
        };
        long translated = race(engine, writer, unmappedUpTo, 7, (rnd) -> BASE + rnd.nextInt(SLOTS) * SLOT_STRIDE
                + rnd.nextInt(4096));
        assertThat(translated).isGreaterThan(1000);
    }

    @Test
    void noTranslationGoesThroughABondOrGroupAfterUnbindExitOrDetachReturned() throws Exception {
        TranslationEngine engine = new TranslationEngine(4096, 64);
        engine.putNode(NODE, 20, 48, 48);
        for (long d = 1; d <= 2; d++) {
            engine.putDevice(NODE, d, 100 + d, 20, true, NO_BARS, NO_LONGS, NO_LONGS);
        }
        AtomicLong revokedUpTo = new AtomicLong(); // every bond/attachment number <= this has been revoked
        Runnable writer = () -> {
            for (long k = 1; !Thread.currentThread().isInterrupted(); k++) {
                // bond k: a fresh address space mapping BASE to pa(k), bound on both devices
                long mm = 1000 + k;
                engine.putAddressSpace(NODE, mm);
                engine.mapRegion(mm, BASE, 4096, pa(k), true, true, true);
                // container k: maps BASE to pa(k) as well, attached to both groups
                engine.map(CONTAINER + k, BASE, 4096, pa(k), true, true);
                if (k > 1) {
                    long prev = k - 1;
                    switch ((int) (k % 3)) {
                        case 0 -> {
                            engine.unbind(1, 7);
                            engine.unbind(2, 7);
                        }
                        case 1 -> engine.removeAddressSpace(1000 + prev);
                        default -> {
                            engine.unbind(1, 7);
                            engine.removeAddressSpace(1000 + prev);
                        }
                    }
                    engine.detachGroup(101);
                    engine.detachGroup(102);
                    revokedUpTo.set(prev);
                    engine.removeAddressSpace(1000 + prev);
                    engine.removeContainer(CONTAINER + prev);
                }
                engine.bind(1, 7, mm, false);
                engine.bind(2, 7, mm, false);
                engine.attachGroup(101, CONTAINER + k);
                engine.attachGroup(102, CONTAINER + k);
            }
        };
        // reader 1 translates with PASID 7 (bonds), reader 2 without PASID (attachments)
        long translated = race(engine, writer, revokedUpTo, new int[] {7, -1}, (rnd) -> BASE + rnd.nextInt(4096));
        assertThat(translated).isGreaterThan(100);
    }

    /**
     * Deterministic: a reader's batch resolves (device, PASID) once, then blocks in a page request while the test
     * holds the writer lock and unbinds and munmaps; the rest of the batch must see both.
     */
    @Test
    void aBatchInFlightSeesAnUnbindAndAMunmapThatReturnedDuringIt() throws Exception {
        for (boolean unbind : new boolean[] {true, false}) {
            TranslationEngine engine = new TranslationEngine(4096, 64);
            engine.putNode(NODE, 20, 48, 48);
            engine.putDevice(NODE, 1, 101, 20, true, NO_BARS, NO_LONGS, NO_LONGS);
            engine.putAddressSpace(NODE, 300);
            engine.mapRegion(300, BASE, 4096, pa(1), true, true, true);
            engine.mapRegion(300, BASE + SLOT_STRIDE, 4096, pa(2), true, true, false); // demand-paged
            engine.bind(1, 7, 300, true);
            DmaBatch batch = new DmaBatch(3);
            batch.add(1, 7, BASE, 8, READ);                // cached route, fills the IOTLB
            batch.add(1, 7, BASE + SLOT_STRIDE, 8, READ);  // page request: blocks on the writer lock
            batch.add(1, 7, BASE, 8, READ);                // after the writer returned
            engine.translate(1, 7, BASE, 8, READ);         // the IOTLB holds BASE already
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread reader = new Thread(() -> engine.translate(batch));
            reader.setUncaughtExceptionHandler((t, e) -> failure.set(e));
            synchronized (engine.writerLock()) {
                reader.start();
                while (reader.getState() != Thread.State.BLOCKED) {
                    assertThat(reader.isAlive()).isTrue();
                    Thread.onSpinWait();
                }
                if (unbind) {
                    engine.unbind(1, 7);
                } else {
                    engine.unmapRegion(300, BASE, 4096);
                }
            }
            reader.join();
            assertThat(failure.get()).isNull();
            assertThat(batch.outcome(0)).isEqualTo(Outcome.TRANSLATED);
            assertThat(batch.iotlbHit(0)).isTrue();
            assertThat(batch.pageRequest(1)).isEqualTo(PageResponse.SUCCESS);
            assertThat(batch.faultReason(2)).as("unbind=%s", unbind)
                    .isEqualTo(unbind ? FaultReason.PASID_NOT_BOUND : FaultReason.TRANSLATION);
        }
    }

    interface AddressSource {
        long next(ThreadLocalRandom rnd);
    }

    /**
     * Runs the writer against two reader threads translating batches of requests from devices 1 and 2 with
     * {@code pasids[0]} and {@code pasids[1]} (same device
     * repeated, so routes are cached) for {@link #RUN_MILLIS}. A reader reads {@code revokedUpTo} before each batch;
     * any translated address must come from a mapping number above it. Returns the number of translated results.
     */
    static long race(TranslationEngine engine, Runnable writer, AtomicLong revokedUpTo, int pasid,
                     AddressSource addresses) throws Exception {
        return race(engine, writer, revokedUpTo, new int[] {pasid, pasid}, addresses);
    }

    static long race(TranslationEngine engine, Runnable writer, AtomicLong revokedUpTo, int[] pasids,
                     AddressSource addresses) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicLong translated = new AtomicLong();
        List<Thread> threads = new ArrayList<>();
        for (long d = 1; d <= 2; d++) {
            long device = d;
            int pasid = pasids[(int) d - 1];
            threads.add(new Thread(() -> {
                DmaBatch b = new DmaBatch(64);
                ThreadLocalRandom rnd = ThreadLocalRandom.current();
                while (!stop.get()) {
                    long floor = revokedUpTo.get();
                    b.clear();
                    int n = 1 + rnd.nextInt(64);
                    for (int i = 0; i < n; i++) {
                        b.add(device, pasid, addresses.next(rnd), 1 + rnd.nextInt(16), READ);
                    }
                    engine.translate(b);
                    for (int i = 0; i < n; i++) {
                        if (b.outcome(i) == Outcome.TRANSLATED) {
                            long k = b.physicalAddress(i) >>> 24;
                            if (k <= floor) {
                                throw new AssertionError(String.format(
                                        "device %d pasid %d address 0x%x translated through mapping %d, but every "
                                                + "mapping up to %d had been removed before the batch started",
                                        device, pasid, b.address(i), k, floor));
                            }
                            translated.incrementAndGet();
                        }
                    }
                }
            }, "reader-" + d));
        }
        Thread w = new Thread(writer, "writer");
        threads.add(w);
        for (Thread t : threads) {
            t.setUncaughtExceptionHandler((th, e) -> failure.compareAndSet(null, e));
            t.start();
        }
        Thread.sleep(RUN_MILLIS);
        stop.set(true);
        w.interrupt();
        for (Thread t : threads) {
            t.join();
        }
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        return translated.get();
    }
}
