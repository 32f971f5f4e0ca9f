package io.loudp2p.transport.grpc.internal;

import static io.loudp2p.transport.grpc.internal.WantLedger.MAX_REPEATED_WANTS;
import static io.loudp2p.transport.grpc.internal.WantLedger.MAX_WANTED;
import static io.loudp2p.transport.grpc.internal.WantLedger.REPEAT_WINDOW_SECONDS;
import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.transport.grpc.internal.WantLedger.Verdict;
import org.junit.jupiter.api.Test;

/** The want rules of one chunk stream, on a clock the test moves. */
class WantLedgerTest {
  private final WantLedger ledger = new WantLedger();
  private long nowMs = 1_000_000;

  /** Sends the next queued chunk whole. */
  private int answerNext() {
    assertThat(ledger.startNext()).isTrue();
    int c = ledger.current();
    ledger.answered(nowMs);
    return c;
  }

  @Test
  void aChunkQueuedOrBeingSentIsNotQueuedAgainAndEachRepeatCounts() {
    assertThat(ledger.want(7, nowMs)).isEqualTo(Verdict.QUEUED);
    for (int i = 0; i < MAX_REPEATED_WANTS / 2; i++) {
      assertThat(ledger.want(7, nowMs)).isEqualTo(Verdict.PENDING);
    }
    assertThat(ledger.startNext()).isTrue();
    for (int i = MAX_REPEATED_WANTS / 2; i < MAX_REPEATED_WANTS; i++) {
      assertThat(ledger.want(7, nowMs)).isEqualTo(Verdict.PENDING); // being sent
    }
    assertThat(ledger.want(7, nowMs)).isEqualTo(Verdict.TOO_MANY_REPEATS);
    ledger.answered(nowMs);
    assertThat(ledger.startNext()).as("sent once").isFalse();
  }

  @Test
  void aChunkJustAnsweredIsAnsweredAgainWhenWantedAgainButCounted() {
    for (int i = 0; i < MAX_REPEATED_WANTS; i++) {
      assertThat(ledger.want(3, nowMs)).isEqualTo(Verdict.QUEUED);
      answerNext();
    }
    // The first want was new; the others were repeats of an answered chunk: one more is allowed.
    assertThat(ledger.want(3, nowMs)).isEqualTo(Verdict.QUEUED);
    answerNext();
    assertThat(ledger.want(3, nowMs)).isEqualTo(Verdict.TOO_MANY_REPEATS);
  }

  @Test
  void cancelThenWantAgainIsANewWantEveryTime() {
    for (int i = 0; i < 10 * MAX_REPEATED_WANTS; i++) {
      assertThat(ledger.want(9, nowMs)).isEqualTo(Verdict.QUEUED);
      if (i % 2 == 0) {
        assertThat(ledger.startNext()).isTrue();
        assertThat(ledger.cancel(9)).as("it was being sent").isTrue();
      } else {
        answerNext();
        assertThat(ledger.cancel(9)).isFalse();
      }
    }
    assertThat(ledger.busy()).isFalse();
  }

  @Test
  void seekingBackLongAfterTheChunksWereSentIsNotARepeat() {
    for (int c = 0; c < 2 * MAX_REPEATED_WANTS; c++) {
      ledger.want(c, nowMs);
      answerNext();
    }
    nowMs += REPEAT_WINDOW_SECONDS * 1000L;
    for (int c = 0; c < 2 * MAX_REPEATED_WANTS; c++) {
      assertThat(ledger.want(c, nowMs)).as("chunk %d", c).isEqualTo(Verdict.QUEUED);
      answerNext();
    }
    // ... and the repeats counted earlier have left the window too.
    for (int i = 0; i < MAX_REPEATED_WANTS; i++) {
      assertThat(ledger.want(0, nowMs)).isIn(Verdict.QUEUED, Verdict.PENDING);
    }
  }

  @Test
  void repeatsAreCountedOverTheWindowOnly() {
    ledger.want(1, nowMs);
    for (int i = 0; i < MAX_REPEATED_WANTS; i++) {
      assertThat(ledger.want(1, nowMs)).isEqualTo(Verdict.PENDING);
    }
    nowMs += REPEAT_WINDOW_SECONDS * 1000L;
    assertThat(ledger.want(1, nowMs)).isEqualTo(Verdict.PENDING);
  }

  @Test
  void theWantListIsBounded() {
    for (int c = 0; c < MAX_WANTED; c++) {
      assertThat(ledger.want(c, nowMs)).isEqualTo(Verdict.QUEUED);
    }
    assertThat(ledger.want(MAX_WANTED, nowMs)).isEqualTo(Verdict.TOO_MANY_WANTED);
  }

  @Test
  void indexesPastTheSignedRangeAreIndexesLikeAnyOther() {
    assertThat(ledger.want(-1, nowMs)).isEqualTo(Verdict.QUEUED);
    assertThat(ledger.want(Integer.MIN_VALUE, nowMs)).isEqualTo(Verdict.QUEUED);
    assertThat(ledger.want(-1, nowMs)).isEqualTo(Verdict.PENDING);
    assertThat(answerNext()).isEqualTo(-1);
    assertThat(answerNext()).isEqualTo(Integer.MIN_VALUE);
    assertThat(ledger.busy()).isFalse();
  }
}
