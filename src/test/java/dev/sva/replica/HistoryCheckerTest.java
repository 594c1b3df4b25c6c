package dev.sva.replica;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sva.replica.HistoryChecker.Kind;
import dev.sva.replica.HistoryChecker.Result;
import dev.sva.replica.HistoryChecker.Write;
import org.junit.jupiter.api.Test;

/** The history checker on hand-made histories: it accepts what is explainable and reports what is not. */
class HistoryCheckerTest {

    private static final long PA1 = 0x1_0000_1000L;
    private static final long PA2 = 0x1_0000_2000L;

    private final HistoryChecker history = new HistoryChecker(0);
    private final int slot = history.newSlot();

    private Write acknowledged(Kind kind, long pa, long invoked, long acknowledged) {
        Write w = history.invoke(slot, kind, pa, "A", invoked);
        history.acknowledged(w, acknowledged);
        return w;
    }

    @Test
    void anAnswerShowingTheLastAcknowledgedWriteIsValid() {
        acknowledged(Kind.MAP, PA1, 10, 20);
        history.read(slot, "B", 30, 40, PA1);
        acknowledged(Kind.UNMAP, 0, 50, 60);
        history.read(slot, "B", 70, 80, null);

        Result result = history.check();
        assertThat(result.violations()).isEmpty();
        assertThat(result.reads()).isEqualTo(2);
        assertThat(result.acknowledged()).isEqualTo(2);
    }

    @Test
    void aFaultBeforeAnyWriteIsTheInitialState() {
        history.read(slot, "B", 1, 2, null);
        acknowledged(Kind.MAP, PA1, 10, 20);

        assertThat(history.check().violations()).isEmpty();
    }

    @Test
    void aDmaConcurrentWithAWriteMaySeeEitherState() {
        acknowledged(Kind.MAP, PA1, 10, 20);
        acknowledged(Kind.UNMAP, 0, 30, 60); // in flight from 30 to 60
        history.read(slot, "B", 40, 50, PA1);
        history.read(slot, "C", 40, 50, null);
        history.read(slot, "C", 25, 35, null); // answered after the unmap was sent

        assertThat(history.check().violations()).isEmpty();
    }

    @Test
    void aTranslationThroughAnAcknowledgedUnmapIsAViolation() {
        acknowledged(Kind.MAP, PA1, 10, 20);
        acknowledged(Kind.UNMAP, 0, 30, 40);
        history.read(slot, "B", 50, 60, PA1);

        Result result = history.check();
        assertThat(result.violations()).hasSize(1);
        assertThat(result.violations().get(0)).contains("slot " + slot).contains("on B").contains("stale")
                .contains("write 2 of slot " + slot + " (unmap").contains("the answer shows write 1");
    }

    @Test
    void aFaultAfterAMapAcknowledgedElsewhereIsAViolation() {
        acknowledged(Kind.MAP, PA1, 10, 20);
        history.read(slot, "B", 21, 30, null);

        Result result = history.check();
        assertThat(result.violations()).singleElement().asString().contains("stale").contains("map to 0x100001000")
                .contains("a fault shows the initial state or an unmap");
    }

    @Test
    void anOlderMapIsStaleOnceANewerOneIsAcknowledged() {
        acknowledged(Kind.MAP, PA1, 10, 20);
        acknowledged(Kind.UNMAP, 0, 30, 40);
        acknowledged(Kind.MAP, PA2, 50, 60);
        history.read(slot, "B", 70, 80, PA2);
        history.read(slot, "C", 70, 80, PA1);

        assertThat(history.check().violations()).singleElement().asString().contains("on C").contains("write 3");
    }

    @Test
    void anAnswerFromAWriteNotYetSentIsAViolation() {
        history.read(slot, "B", 1, 5, PA1);
        acknowledged(Kind.MAP, PA1, 10, 20);

        assertThat(history.check().violations()).singleElement().asString().contains("no write explains it");
    }

    @Test
    void anAddressNoWriteMappedIsAViolation() {
        acknowledged(Kind.MAP, PA1, 10, 20);
        history.read(slot, "B", 30, 40, PA2);

        assertThat(history.check().violations()).singleElement().asString().contains("names no write");
    }

    @Test
    void aWriteOfUnknownOutcomeAllowsBothStatesForEverAndRetiresItsSlot() {
        acknowledged(Kind.MAP, PA1, 10, 20);
        Write unmap = history.invoke(slot, Kind.UNMAP, 0, "A", 30);
        history.unknown(unmap);
        history.read(slot, "B", 1_000, 1_010, PA1);
        history.read(slot, "C", 2_000, 2_010, null);

        Result result = history.check();
        assertThat(result.violations()).isEmpty();
        assertThat(result.unknown()).isEqualTo(1);
        assertThat(history.retired(slot)).isTrue();
        assertThatThrownBy(() -> history.invoke(slot, Kind.MAP, PA2, "A", 3_000)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void aWriteNotAppliedLeavesTheHistory() {
        acknowledged(Kind.MAP, PA1, 10, 20);
        Write unmap = history.invoke(slot, Kind.UNMAP, 0, "A", 30);
        history.notApplied(unmap);
        history.read(slot, "B", 50, 60, PA1);
        assertThat(history.check().violations()).isEmpty();
        assertThat(history.mappedTo(slot)).isEqualTo(PA1);

        history.read(slot, "B", 50, 60, null); // the unmap never happened: a fault is stale
        Result result = history.check();
        assertThat(result.violations()).hasSize(1);
        assertThat(result.notApplied()).isEqualTo(1);
    }

    @Test
    void readsWithoutAnAnswerAreCountedNotChecked() {
        acknowledged(Kind.MAP, PA1, 10, 20);
        history.noAnswer("503 REPLICA_NOT_CURRENT");
        history.noAnswer("503 REPLICA_NOT_CURRENT");
        history.noAnswer("timeout");

        Result result = history.check();
        assertThat(result.violations()).isEmpty();
        assertThat(result.noAnswer()).containsEntry("503 REPLICA_NOT_CURRENT", 2L).containsEntry("timeout", 1L);
        assertThat(result.operations()).isEqualTo(1 + 3);
    }

    @Test
    void slotsAreCheckedApart() {
        int other = history.newSlot();
        acknowledged(Kind.MAP, PA1, 10, 20);
        history.read(other, "B", 30, 40, null);
        history.read(other, "B", 30, 40, PA1);

        assertThat(history.check().violations()).singleElement().asString().contains("slot " + other);
    }
}
