package io.loudp2p.core.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.FakeClock;
import io.loudp2p.core.testing.SimulatedNetwork;
import io.loudp2p.core.testing.SimulatedNetwork.Delivery;
import io.loudp2p.core.testing.SimulatedNetwork.Link;
import io.loudp2p.core.testing.SimulatedNetwork.Request;
import io.loudp2p.core.testing.SimulatedNetwork.Result;
import java.util.BitSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class SimulatedStreamingTest {
  private static final long SECOND_NS = SimulatedNetwork.NANOS_PER_SECOND;
  private static final long MS_NS = 1_000_000L;
  private static final long BITRATE = 320_000 / 8;
  private static final int TRACK_SECONDS = 240;
  private static final int TRACK_BYTES = (int) (BITRATE * TRACK_SECONDS);
  private static final long LIMIT_NS = 2L * TRACK_SECONDS * SECOND_NS;
  private static final byte[] TRACK = SimulatedNetwork.randomTrack(TRACK_BYTES, 42);

  private static SimulatedNetwork network(long seed) {
    return new SimulatedNetwork(new FakeClock(), TRACK, BITRATE, seed);
  }

  private static Supplier<ChunkScheduler> scheduler() {
    return () -> new DefaultChunkScheduler(TRACK_BYTES, BITRATE);
  }

  @Test
  void fourMinuteTrackFromThreeSourcesPlaysToTheEndWithoutStallWhenOneDiesMidStream() {
    // One untimed run first, so that the timed one measures the simulation rather than JIT warm-up.
    threeSourcesOneDying(0);
    long wallStart = System.nanoTime();
    Result r = threeSourcesOneDying(1);
    long wallNs = System.nanoTime() - wallStart;

    assertThat(r.finished()).isTrue();
    assertThat(r.stalls()).isZero();
    assertThat(r.stallNs()).isZero();
    assertThat(r.chunksPlayed()).isEqualTo(TRACK_BYTES / DefaultChunkScheduler.CHUNK_LENGTH + 1);
    assertThat(r.corruptChunksPlayed()).isZero();
    assertThat(r.failure()).isNull();
    assertThat(r.dropped()).containsExactly(2);
    assertThat(r.verifiedBytesBySource().get(2)).isGreaterThan(TRACK_BYTES / 4);
    assertThat(r.deliveries())
        .filteredOn(d -> d.source() == 2)
        .allMatch(d -> d.timeNs() < 121 * SECOND_NS);
    // On virtual time: four minutes of playback in a small fraction of that, whatever the machine.
    assertThat(wallNs).as("wall time of a four-minute simulated track").isLessThan(20 * SECOND_NS);
  }

  private static Result threeSourcesOneDying(long seed) {
    return network(seed)
        .addSource(1, Link.of(20, 2_000_000).withJitterMs(5), null)
        // The nearest source carries most of the stream until it dies.
        .addSource(2, Link.of(10, 2_000_000).withJitterMs(5).dyingAt(120 * SECOND_NS), null)
        .addSource(3, Link.of(40, 2_000_000).withJitterMs(5), null)
        .run(scheduler(), LIMIT_NS);
  }

  @Test
  void threeSourcesBehindTheListenersSlow3gDownlinkStartAsFastAsOneAndNeverStall() {
    for (long seed = 0; seed < 5; seed++) {
      Result one = onA3gPhone(seed, 1, -1);
      Result three = onA3gPhone(seed, 3, -1);
      assertThat(three.finished()).isTrue();
      assertThat(three.stalls()).as("seed %d", seed).isZero();
      // Three sources' first chunks all crossing the phone's link at once came after 1,080 ms,
      // one source's after 560: now the second source's copy of the first chunk, a round trip
      // (200 ms assumed) later, is all that shares the link with it.
      assertThat(three.firstChunkNs()).as("seed %d", seed)
          .isLessThan(one.firstChunkNs() + 200 * MS_NS);
    }
  }

  @Test
  void aSourceThatNeverAnswersBehindASlow3gDownlinkIsDroppedAfterThreeLostRaces() {
    for (long seed = 0; seed < 5; seed++) {
      Result r = onA3gPhone(seed, 3, 1);
      assertThat(r.finished()).isTrue();
      assertThat(r.dropped()).containsExactly(1);
      // Its chunks come by copies, a round trip late: each race it lost counts as a timeout, so
      // that it is dropped after three, before any of its requests could expire (they are
      // cancelled first). With every source asked at once from the start, and no count of lost
      // races, the same run had 3 stalls, 2 s in all; now 2, 0.4 s.
      assertThat(r.stalls()).as("seed %d", seed).isLessThanOrEqualTo(2);
      assertThat(r.stallNs()).as("seed %d", seed).isLessThan(500 * MS_NS);
    }
  }

  /**
   * A four-minute track from {@code sources} sources with 300 ms round trips, all behind the
   * listener's 1 Mbit/s downlink (3G); source {@code dead} (when not negative) never answers.
   */
  private static Result onA3gPhone(long seed, int sources, int dead) {
    SimulatedNetwork net = network(seed).sharedDownlink(125_000);
    for (int id = 1; id <= sources; id++) {
      Link link = Link.of(150, 1_250_000).withJitterMs(5);
      net.addSource(id, id == dead ? link.dyingAt(0) : link, null);
    }
    return net.run(scheduler(), LIMIT_NS);
  }

  @Test
  void fastAndSlowSourceShareTheWorkRoughlyBySpeed() {
    // A buffer as long as the track keeps both sources busy, so the split shows their speeds; the
    // track is short enough for the session's buffer to hold all of it.
    int seconds = 90;
    int bytes = (int) (BITRATE * seconds);
    Supplier<ChunkScheduler> scheduler = () ->
        new DefaultChunkScheduler(bytes, BITRATE, 10 * SECOND_NS, (seconds + 1) * SECOND_NS);
    Result r =
        new SimulatedNetwork(new FakeClock(), SimulatedNetwork.randomTrack(bytes, 43), BITRATE, 2)
            .addSource(1, Link.of(20, 4_000_000).withJitterMs(2), null)
            .addSource(2, Link.of(20, 1_000_000).withJitterMs(2), null)
            .run(scheduler, 2L * seconds * SECOND_NS);

    assertThat(r.finished()).isTrue();
    assertThat(r.stalls()).isZero();
    long fast = r.verifiedBytesBySource().get(1);
    long slow = r.verifiedBytesBySource().get(2);
    assertThat((double) fast / (fast + slow)).isBetween(0.65, 0.90);
  }

  @Test
  void fivePercentLossOnEveryLinkWithFourSourcesCausesNoStall() {
    SimulatedNetwork net = network(3);
    for (int id = 1; id <= 4; id++) {
      net.addSource(id, Link.of(20 + 5 * id, 2_000_000).withJitterMs(5).withLoss(0.05), null);
    }
    Result r = net.run(scheduler(), LIMIT_NS);

    assertThat(r.finished()).isTrue();
    assertThat(r.stalls()).isZero();
    assertThat(r.corruptChunksPlayed()).isZero();
  }

  @Test
  void sourceServingCorruptDataIsBannedAndEveryPlayedChunkMatchesTheOriginal() {
    Result r =
        network(4)
            .addSource(1, Link.of(10, 8_000_000).lying(), null)
            .addSource(2, Link.of(30, 2_000_000).withJitterMs(5), null)
            .addSource(3, Link.of(40, 2_000_000).withJitterMs(5), null)
            .run(scheduler(), LIMIT_NS);

    assertThat(r.banned()).containsExactly(1);
    assertThat(r.deliveries()).filteredOn(d -> d.source() == 1).noneMatch(Delivery::verified);
    long banNs =
        r.deliveries().stream()
            .filter(d -> d.source() == 1)
            .skip(DefaultChunkScheduler.BAN_THRESHOLD - 1)
            .findFirst()
            .orElseThrow()
            .timeNs();
    assertThat(r.requests()).filteredOn(q -> q.source() == 1).allMatch(q -> q.timeNs() <= banNs);
    assertThat(r.finished()).isTrue();
    assertThat(r.corruptChunksPlayed()).isZero();
    assertThat(r.stalls()).isZero();
  }

  @Test
  void seekToTheMiddleFetchesTheTargetFirstWithoutWaitingForEarlierChunks() {
    long seekNs = 20 * SECOND_NS;
    int target = 300;
    Result r =
        network(5)
            .addSource(1, Link.of(25, 2_000_000).withJitterMs(5), null)
            .addSource(2, Link.of(35, 2_000_000).withJitterMs(5), null)
            .seekAt(seekNs, target)
            .run(scheduler(), LIMIT_NS);

    assertThat(r.finished()).isTrue();
    Request firstAfterSeek =
        r.requests().stream().filter(q -> q.timeNs() >= seekNs).findFirst().orElseThrow();
    assertThat(firstAfterSeek.chunk()).isEqualTo(target);
    Delivery firstDelivered =
        r.deliveries().stream().filter(d -> d.timeNs() >= seekNs).findFirst().orElseThrow();
    assertThat(firstDelivered.chunk()).isEqualTo(target);
    // One round trip (at most 2 x (35 + 5) ms) plus one chunk at 250 kB/s, nothing earlier first.
    long transferNs = DefaultChunkScheduler.CHUNK_LENGTH * SECOND_NS / 250_000;
    assertThat(firstDelivered.timeNs() - seekNs).isLessThanOrEqualTo(80 * MS_NS + transferNs);
    assertThat(r.stalls()).isZero();
  }

  @Test
  void streamFailsNamingTheChunkWhenTheOnlySourceHoldingItDies() {
    int chunks = (TRACK_BYTES + DefaultChunkScheduler.CHUNK_LENGTH - 1) / DefaultChunkScheduler.CHUNK_LENGTH;
    BitSet allBut500 = new BitSet(chunks);
    allBut500.set(0, chunks);
    allBut500.clear(500);
    long diesNs = 5 * SECOND_NS;
    Result r =
        network(6)
            .addSource(1, Link.of(30, 2_000_000).withJitterMs(5), allBut500)
            .addSource(2, Link.of(10, 2_000_000).withJitterMs(5).dyingAt(diesNs), null)
            .run(scheduler(), LIMIT_NS);

    assertThat(r.finished()).isFalse();
    assertThat(r.failure()).isNotNull();
    assertThat(r.failure().reason()).contains("chunk 500 cannot be fetched");
    assertThat(r.dropped()).containsExactly(2);
    // The death is found from timeouts within seconds, long before playback reaches chunk 500.
    assertThat(r.failure().timeNs()).isBetween(diesNs, diesNs + 5 * SECOND_NS);
    assertThat(r.stalls()).isZero();
    assertThat(r.endNs()).isEqualTo(r.failure().timeNs());
  }

  @Test
  void firstChunkArrivesAfterAboutOneRoundTripAndOneChunkTransfer() {
    SimulatedNetwork net = network(7);
    for (int id = 1; id <= 4; id++) {
      net.addSource(id, Link.of(25, 2_000_000), null);
    }
    Result r = net.run(scheduler(), LIMIT_NS);

    long rttNs = 50 * MS_NS;
    long transferNs = DefaultChunkScheduler.CHUNK_LENGTH * SECOND_NS / 250_000;
    assertThat(r.firstChunkNs()).isBetween(rttNs + transferNs, rttNs + transferNs + 5 * MS_NS);
    assertThat(r.finished()).isTrue();
    assertThat(r.stalls()).isZero();
  }
}
