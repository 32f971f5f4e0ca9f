package io.loudp2p.transport.udp.internal;

import static io.loudp2p.transport.udp.internal.RequestLedger.REDUNDANT;
import static io.loudp2p.transport.udp.internal.RequestLedger.REWANT_INTERVAL_NS;
import static io.loudp2p.transport.udp.internal.RequestLedger.SEND;
import static io.loudp2p.transport.udp.internal.RequestLedger.STALE;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The once-per-want rule and its count of repeats, on a clock the test moves. */
class RequestLedgerTest {
  private static final int CHUNK = 16 * 1024;
  private static final long START = 1_000_000_000_000L;

  private final RequestLedger ledger = new RequestLedger(64);

  /** Sends the chunk in full at {@code nowNs} and has the receiver acknowledge all of it. */
  private void deliver(int chunk, int seq, long nowNs) {
    ledger.sent(chunk, seq, CHUNK, nowNs);
    ledger.dataAcked(chunk, seq, CHUNK);
  }

  @Test
  void aWantRepeatedWhileTheChunkIsQueuedOrInFlightIsRedundant() {
    assertThat(ledger.want(0, 1, START)).isEqualTo(SEND);
    assertThat(ledger.want(0, 2, START)).as("queued").isEqualTo(REDUNDANT);
    ledger.sent(0, 1, CHUNK, START + 10);
    ledger.dataAcked(0, 1, CHUNK - 100);
    assertThat(ledger.want(0, 3, START + 20)).as("in flight").isEqualTo(REDUNDANT);
    assertThat(ledger.repeats(START + 20)).isEqualTo(2);
    // The packets of the first send are still the current ones: a lost fragment is resent.
    assertThat(ledger.current(0, 1)).isTrue();
    assertThat(ledger.current(0, 3)).isFalse();
  }

  @Test
  void aWantOfAChunkDeliveredMomentsAgoSendsItAgainAndCountsAsARepeat() {
    // A player that read the chunk, let it go and seeks back to it asks again without a cancel.
    ledger.want(0, 1, START);
    deliver(0, 1, START + 10);
    assertThat(ledger.want(0, 2, START + 20)).isEqualTo(SEND);
    assertThat(ledger.current(0, 2)).isTrue();
    assertThat(ledger.current(0, 1)).as("the earlier send's packets").isFalse();
    assertThat(ledger.repeats(START + 20)).isEqualTo(1);
  }

  @Test
  void repeatsAreCountedOverTheLastTenSecondsOnly() {
    ledger.want(0, 1, START);
    for (int seq = 2; seq <= 101; seq++) {
      assertThat(ledger.want(0, seq, START)).isEqualTo(REDUNDANT);
    }
    assertThat(ledger.repeats(START)).isEqualTo(100);
    long window = UdpSettings.REPEAT_WINDOW_SECONDS * 1_000_000_000L;
    assertThat(ledger.repeats(START + window - 1_000_000_000L)).isEqualTo(100);
    assertThat(ledger.repeats(START + window)).as("a window later").isZero();
  }

  @Test
  void aWantLongAfterTheChunkWasSentSendsItAgainUncounted() {
    ledger.want(0, 1, START);
    deliver(0, 1, START);
    assertThat(ledger.want(0, 2, START + REWANT_INTERVAL_NS)).isEqualTo(SEND);
    assertThat(ledger.repeats(START + REWANT_INTERVAL_NS)).isZero();
    assertThat(ledger.current(0, 2)).isTrue();
    assertThat(ledger.current(0, 1)).as("the earlier send's packets").isFalse();
  }

  @Test
  void aWantAfterACancelSendsTheChunkAgain() {
    // Endgame: the chunk came from elsewhere first, the copy here was cancelled part way.
    ledger.want(5, 1, START);
    assertThat(ledger.cancel(5, 2, START + 10)).isTrue();
    assertThat(ledger.current(5, 1)).isFalse();
    assertThat(ledger.want(5, 3, START + 20)).isEqualTo(SEND);
    assertThat(ledger.repeats(START + 20)).as("the receiver never had it whole").isZero();

    // Cancelled after the receiver acknowledged it whole, and wanted again at once: sent, since
    // the receiver dropped what came after its cancel, but counted.
    deliver(5, 3, START + 30);
    assertThat(ledger.cancel(5, 4, START + 40)).isTrue();
    assertThat(ledger.want(5, 5, START + 50)).isEqualTo(SEND);
    assertThat(ledger.repeats(START + 50)).isEqualTo(1);
  }

  @Test
  void entriesNotNewerThanTheLastAreStaleAndUncounted() {
    ledger.want(1, 10, START);
    assertThat(ledger.want(1, 10, START)).isEqualTo(STALE);
    assertThat(ledger.cancel(1, 9, START)).isFalse();
    assertThat(ledger.cancel(1, 11, START)).isTrue();
    assertThat(ledger.want(1, 10, START)).as("a want reordered behind the cancel").isEqualTo(STALE);
    assertThat(ledger.repeats(START)).isZero();
  }

  @Test
  void anUnavailableAnswerStaysCurrentUntilAcknowledgedAndAWantAsksAgain() {
    ledger.want(Integer.MIN_VALUE, 1, START); // index 2^31
    ledger.answering(Integer.MIN_VALUE, 1);
    assertThat(ledger.current(Integer.MIN_VALUE, 1)).isTrue();
    ledger.answerAcked(Integer.MIN_VALUE, 1);
    assertThat(ledger.current(Integer.MIN_VALUE, 1)).isFalse();
    assertThat(ledger.want(Integer.MIN_VALUE, 2, START)).isEqualTo(SEND);
    assertThat(ledger.repeats(START)).isZero();
  }

  @Test
  void whenFullItForgetsWhatItOwesNothingButKeepsWhatIsBeingSent() {
    assertThat(ledger.want(-1, 1, START)).isEqualTo(SEND); // being sent throughout
    for (int chunk = 0; chunk < 10_000; chunk++) {
      int seq = 2 + 2 * chunk;
      assertThat(ledger.want(chunk, seq, START)).isEqualTo(SEND);
      ledger.answering(chunk, seq);
      ledger.answerAcked(chunk, seq);
    }
    assertThat(ledger.size()).isLessThanOrEqualTo(64);
    assertThat(ledger.current(-1, 1)).isTrue();
    assertThat(ledger.want(-1, 1_000_000, START)).isEqualTo(REDUNDANT);
  }
}
