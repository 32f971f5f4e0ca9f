package io.loudp2p.transport.udp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The policies, driven with made-up clocks. */
class PoliciesTest {
  private static final long MS = 1_000_000L;

  @Nested
  class RttEstimatorTest {
    @Test
    void firstSampleSetsSmoothedAndHalfVariance() {
      DefaultRttEstimator rtt = new DefaultRttEstimator();
      assertThat(rtt.hasSample()).isFalse();
      rtt.onSample(40 * MS, 0, 0);
      assertThat(rtt.smoothedNs()).isEqualTo(40 * MS);
      assertThat(rtt.varianceNs()).isEqualTo(20 * MS);
      assertThat(rtt.minNs()).isEqualTo(40 * MS);
    }

    @Test
    void smoothsWithOneEighthAndSubtractsAckDelayAboveTheMinimum() {
      DefaultRttEstimator rtt = new DefaultRttEstimator();
      rtt.onSample(40 * MS, 0, 0);
      rtt.onSample(60 * MS, 4 * MS, 0); // adjusted to 56 ms
      assertThat(rtt.smoothedNs()).isEqualTo((7 * 40 * MS + 56 * MS) / 8);
      assertThat(rtt.varianceNs()).isEqualTo((3 * 20 * MS + 16 * MS) / 4);
      assertThat(rtt.latestNs()).isEqualTo(60 * MS);
    }

    @Test
    void baseDelayIsTheSmallestSampleOfTheLastTenMinutes() {
      long minute = DefaultRttEstimator.BASE_INTERVAL_NS;
      DefaultRttEstimator rtt = new DefaultRttEstimator();
      assertThat(rtt.baseDelayNs()).isEqualTo(DefaultRttEstimator.INITIAL_RTT_NS);
      rtt.onSample(20 * MS, 0, 0);
      for (long t = 1_000 * MS; t < 10 * minute; t += 1_000 * MS) {
        rtt.onSample(150 * MS, 0, t);
        assertThat(rtt.baseDelayNs()).as("at %d s", t / 1_000_000_000L).isEqualTo(20 * MS);
      }
      rtt.onSample(150 * MS, 0, 10 * minute); // the first minute has aged out
      assertThat(rtt.baseDelayNs()).isEqualTo(150 * MS);
      assertThat(rtt.minNs()).as("the smallest ever, for ACK delays").isEqualTo(20 * MS);
      rtt.onSample(300 * MS, 0, 30 * minute); // twenty silent minutes forget everything before
      assertThat(rtt.baseDelayNs()).isEqualTo(300 * MS);
    }

    @Test
    void aPathChangeForgetsTheOldPathBaseDelayIncluded() {
      DefaultRttEstimator rtt = new DefaultRttEstimator();
      rtt.onSample(20 * MS, 0, 0); // Wi-Fi
      rtt.onPathChange();
      assertThat(rtt.hasSample()).isFalse();
      assertThat(rtt.smoothedNs()).isEqualTo(DefaultRttEstimator.INITIAL_RTT_NS);
      rtt.onSample(300 * MS, 0, 1_000 * MS); // 3G: its own base, not 280 ms of "queuing"
      assertThat(rtt.baseDelayNs()).isEqualTo(300 * MS);
      assertThat(rtt.smoothedNs()).isEqualTo(300 * MS);
      assertThat(rtt.minNs()).isEqualTo(300 * MS);
    }

    @Test
    void probeTimeoutIsSmoothedPlusFourVariancesPlusAckDelay() {
      DefaultRttEstimator rtt = new DefaultRttEstimator();
      rtt.onSample(40 * MS, 0, 0);
      assertThat(rtt.probeTimeoutNs(5 * MS)).isEqualTo(40 * MS + 80 * MS + 5 * MS);
    }
  }

  @Nested
  class CongestionControllerTest {
    private static final int D = Wire.MAX_DATAGRAM;

    @Test
    void growsByWhatIsAckedInSlowStart() {
      DefaultCongestionController cc = new DefaultCongestionController(D, 1 << 20);
      assertThat(cc.windowBytes()).isEqualTo(16 * D); // the first 16 KiB chunk in one flight
      cc.onAcked(1, D, true, 2);
      assertThat(cc.windowBytes()).isEqualTo(17 * D);
      assertThat(cc.inSlowStart()).isTrue();
    }

    @Test
    void doesNotGrowWhenApplicationLimited() {
      DefaultCongestionController cc = new DefaultCongestionController(D, 1 << 20);
      cc.onAcked(1, D, false, 2);
      assertThat(cc.windowBytes()).isEqualTo(16 * D);
    }

    @Test
    void halvesOncePerRecoveryPeriodAndThenGrowsLinearly() {
      DefaultCongestionController cc = new DefaultCongestionController(D, 1 << 20);
      cc.onLost(100, D, 200);
      assertThat(cc.windowBytes()).isEqualTo(8 * D);
      cc.onLost(150, D, 210); // sent before recovery started: same loss event
      assertThat(cc.windowBytes()).isEqualTo(8 * D);
      cc.onAcked(190, D, true, 220); // sent before recovery: no growth
      assertThat(cc.windowBytes()).isEqualTo(8 * D);
      assertThat(cc.inSlowStart()).isFalse();
      for (int i = 0; i < 8; i++) {
        cc.onAcked(300, D, true, 400); // a window's worth acked: one datagram more
      }
      assertThat(cc.windowBytes()).isEqualTo(9 * D);
    }

    @Test
    void backsOffOnceARoundTripWhenQueuingDelayPassesTheTarget() {
      long ms = 1_000_000L;
      DefaultCongestionController cc = new DefaultCongestionController(D, 1 << 20);
      cc.onRttSample(40 * ms, 20 * ms, 1_000 * ms); // 20 ms of queue: fine
      assertThat(cc.windowBytes()).isEqualTo(16 * D);
      assertThat(cc.inSlowStart()).isTrue();

      cc.onRttSample(130 * ms, 20 * ms, 1_010 * ms); // 110 ms of queue: back off, leave slow start
      long backedOff = (long) (16 * D * DefaultCongestionController.DELAY_BACKOFF);
      assertThat(cc.windowBytes()).isEqualTo(backedOff);
      assertThat(cc.inSlowStart()).isFalse();
      cc.onRttSample(140 * ms, 20 * ms, 1_100 * ms); // within the same round trip: once only
      assertThat(cc.windowBytes()).isEqualTo(backedOff);
      cc.onAcked(1_005 * ms, D, true, 1_100 * ms); // sent before the backoff: no growth
      assertThat(cc.windowBytes()).isEqualTo(backedOff);

      cc.onRttSample(140 * ms, 20 * ms, 1_200 * ms); // a round trip later, still queued
      assertThat(cc.windowBytes())
          .isEqualTo((long) (backedOff * DefaultCongestionController.DELAY_BACKOFF));
    }

    @Test
    void recoversItsWindowAfterARouteChangeRaisesTheDelayForGood() {
      // 20 ms round trips for two minutes, then a new route at 150 ms: 130 ms more than the old
      // base, so the delay backoff cuts the window each round trip, until the old samples age out
      // of the base delay and the longer path counts as unqueued. Acks of a whole window come
      // back each round trip; the clock is driven.
      DefaultRttEstimator rtt = new DefaultRttEstimator();
      DefaultCongestionController cc = new DefaultCongestionController(D, 1 << 20);
      long minute = DefaultRttEstimator.BASE_INTERVAL_NS;
      long now = 0;
      long changeAt = 2 * minute;
      long windowAfterAMinute = -1;
      while (now < changeAt + 12 * minute) {
        long r = now < changeAt ? 20 * MS : 150 * MS;
        now += r;
        rtt.onSample(r, 0, now);
        cc.onRttSample(rtt.latestNs(), rtt.baseDelayNs(), now);
        long packets = cc.windowBytes() / D;
        for (long i = 0; i < packets; i++) {
          cc.onAcked(now - r + 1, D, true, now);
        }
        if (windowAfterAMinute < 0 && now >= changeAt + minute) {
          windowAfterAMinute = cc.windowBytes();
        }
      }
      assertThat(windowAfterAMinute).as("a minute after the change").isEqualTo(2L * D);
      assertThat(rtt.baseDelayNs()).isEqualTo(150 * MS);
      assertThat(cc.windowBytes()).as("twelve minutes after the change").isGreaterThan(100L * D);
    }

    @Test
    void aPathChangeStartsOverInSlowStartAndIgnoresTheOldPathsLosses() {
      DefaultCongestionController cc = new DefaultCongestionController(1200, 1 << 21);
      for (int i = 0; i < 100; i++) {
        cc.onAcked(i, 1200, true, 1_000 + i);
      }
      cc.onLost(500, 1200, 2_000);
      assertThat(cc.inSlowStart()).isFalse();
      cc.onPathChange(3_000);
      assertThat(cc.windowBytes()).isEqualTo(19_200);
      assertThat(cc.inSlowStart()).isTrue();
      cc.onLost(2_500, 1200, 3_100); // sent on the old path
      assertThat(cc.windowBytes()).isEqualTo(19_200);
      cc.onAcked(3_050, 1200, true, 3_200);
      assertThat(cc.windowBytes()).isEqualTo(20_400);
    }

    @Test
    void neverFallsBelowTwoDatagramsNorRisesAboveTheCap() {
      DefaultCongestionController cc = new DefaultCongestionController(D, 12 * D);
      for (int i = 0; i < 10; i++) {
        cc.onLost(1000L * (i + 1), D, 1000L * (i + 1) + 1);
      }
      assertThat(cc.windowBytes()).isEqualTo(2 * D);
      DefaultCongestionController big = new DefaultCongestionController(D, 12 * D);
      for (int i = 0; i < 10; i++) {
        big.onAcked(1, D, true, 2);
      }
      assertThat(big.windowBytes()).isEqualTo(12 * D);
      DefaultCongestionController delayed = new DefaultCongestionController(D, 12 * D);
      for (int i = 0; i < 20; i++) {
        delayed.onRttSample(500_000_000L, 1_000_000L, 1_000_000_000L * (i + 1));
      }
      assertThat(delayed.windowBytes()).isEqualTo(2 * D);
    }
  }

  @Nested
  class PacerTest {
    @Test
    void letsABurstGoThenSpacesDatagramsAtTheRate() {
      DefaultPacer pacer = new DefaultPacer(1000, MS);
      // 100 kB window over 100 ms at gain 1.25: 1.25 bytes/us.
      pacer.setRate(100_000, 100 * MS, false);
      long now = 0;
      int burst = 0;
      while (pacer.nextSendNs(now, 1000) == now) {
        pacer.onSent(now, 1000);
        burst++;
      }
      assertThat(burst).isEqualTo(10);
      long next = pacer.nextSendNs(now, 1000);
      assertThat(next - now).isBetween(790_000L, 810_000L);
      pacer.onSent(next, 1000);
      assertThat(pacer.nextSendNs(next, 1000) - next).isBetween(790_000L, 810_000L);
    }
  }

  @Nested
  class AntiReplayWindowTest {
    @Test
    void acceptsEachNumberOnceAndNoneTooOld() {
      AntiReplayWindow w = new AntiReplayWindow(64);
      assertThat(w.isFresh(5)).isTrue();
      w.accept(5);
      assertThat(w.isFresh(5)).isFalse();
      assertThat(w.isFresh(3)).isTrue();
      w.accept(3);
      assertThat(w.isFresh(3)).isFalse();
      w.accept(100);
      assertThat(w.isFresh(36)).isFalse(); // 64 below the largest: outside
      assertThat(w.isFresh(37)).isTrue();
      assertThat(w.isFresh(100)).isFalse();
      assertThat(w.isFresh(-1)).isFalse();
    }

    @Test
    void forgetsBitsThatSlideOut() {
      AntiReplayWindow w = new AntiReplayWindow(64);
      w.accept(10);
      w.accept(74);
      assertThat(w.isFresh(11)).isTrue(); // reused slot was cleared
      w.accept(1000);
      assertThat(w.isFresh(999)).isTrue();
    }
  }

  @Nested
  class LossDetectorTest {
    final DefaultRttEstimator rtt = new DefaultRttEstimator();
    final DefaultLossDetector detector = new DefaultLossDetector(16, rtt, MS);
    final List<Long> acked = new ArrayList<>();
    final List<Long> lost = new ArrayList<>();
    final LossDetector.Outcome outcome = new LossDetector.Outcome() {
      @Override
      public void onAcked(SentPacket p, long nowNs) {
        acked.add(p.pn());
      }

      @Override
      public void onLost(SentPacket p, long nowNs) {
        lost.add(p.pn());
      }
    };

    void send(long pn, long at) {
      detector.onSent(SentPacket.of(pn, at, 1000));
    }

    void ack(long now, long... loHi) {
      detector.onAck(loHi, loHi.length / 2, 0, now, outcome);
    }

    @Test
    void shouldDeclareLostAfterThreeLaterPacketsAcked() {
      for (int i = 0; i < 5; i++) {
        send(i, 10 * MS);
      }
      ack(12 * MS, 2, 2);
      assertThat(lost).isEmpty();
      ack(12 * MS, 3, 4, 2, 2);
      assertThat(lost).containsExactly(0L, 1L);
      assertThat(acked).containsExactly(2L, 3L, 4L);
      assertThat(detector.bytesInFlight()).isZero();
      assertThat(rtt.latestNs()).isEqualTo(2 * MS);
    }

    @Test
    void shouldDeclareLostAfterTheTimeThreshold() {
      send(0, 0);
      send(1, 10 * MS);
      ack(20 * MS, 1, 1); // rtt 10 ms: packet 0 is 20 ms old > 9/8 * 10 ms
      assertThat(lost).containsExactly(0L);
      send(2, 20 * MS);
      send(3, 25 * MS);
      ack(30 * MS, 3, 3); // packet 2 is 10 ms old: not yet
      assertThat(lost).containsExactly(0L);
      assertThat(detector.timeoutNs()).isBetween(30 * MS, 33 * MS);
      detector.onTimeout(detector.timeoutNs(), outcome);
      assertThat(lost).containsExactly(0L, 2L);
    }

    @Test
    void shouldFireAProbeTimeoutThatBacksOff() {
      send(0, 0);
      long pto = detector.timeoutNs();
      assertThat(pto).isEqualTo(rtt.probeTimeoutNs(MS));
      assertThat(detector.onTimeout(pto - 1, outcome)).isFalse();
      assertThat(detector.onTimeout(pto, outcome)).isTrue();
      assertThat(detector.timeoutNs()).isEqualTo(2 * pto);
      assertThat(lost).isEmpty();
    }

    @Test
    void boundsWhatItTracks() {
      for (int i = 0; i < 16; i++) {
        send(i, 0);
      }
      assertThat(detector.hasRoom()).isFalse();
      ack(MS, 0, 0);
      assertThat(detector.hasRoom()).isTrue();
      assertThat(detector.trackedPackets()).isEqualTo(15);
    }
  }

  @Nested
  class AckTrackerTest {
    @Test
    void acksEveryTenthPacketAtOnceAndOutOfOrderImmediately() {
      AckTracker t = new AckTracker(MS);
      t.onReceived(0, true, 0);
      assertThat(t.ackDue(0)).isFalse();
      assertThat(t.ackDue(MS)).isTrue();
      for (long pn = 1; pn < AckTracker.ACK_EVERY - 1; pn++) {
        t.onReceived(pn, true, 0);
      }
      assertThat(t.ackDue(0)).isFalse();
      t.onReceived(AckTracker.ACK_EVERY - 1, true, 0);
      assertThat(t.ackDue(0)).isTrue();
      t.writeAck(ByteBuffer.allocate(300), 0);
      t.onReceived(5, true, 0); // a gap
      assertThat(t.ackDue(0)).isTrue();
    }

    @Test
    void encodesRangesThatDecodeBack() {
      AckTracker t = new AckTracker(MS);
      for (long pn : new long[] {0, 1, 2, 5, 6, 9, 3}) {
        t.onReceived(pn, true, 0);
      }
      assertThat(t.rangeCount()).isEqualTo(3);
      ByteBuffer b = ByteBuffer.allocate(300);
      t.writeAck(b, 0);
      b.flip();
      assertThat(b.get()).isEqualTo(Wire.ACK);
      long[] ranges = new long[64];
      int n = Wire.readAck(b, ranges, new long[1]);
      assertThat(n).isEqualTo(3);
      assertThat(ranges).startsWith(9, 9, 5, 6, 0, 3);
    }

    @Test
    void remembersABoundedNumberOfRanges() {
      AckTracker t = new AckTracker(MS);
      for (long pn = 0; pn < 200; pn += 2) {
        t.onReceived(pn, true, 0);
      }
      assertThat(t.rangeCount()).isEqualTo(AckTracker.MAX_RANGES);
      assertThat(t.rangeHigh(0)).isEqualTo(198);
    }
  }
}
