package io.loudp2p.core.stream.internal;

import static io.loudp2p.core.stream.internal.ChunkScheduler.Action.cancel;
import static io.loudp2p.core.stream.internal.ChunkScheduler.Action.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.loudp2p.core.stream.internal.ChunkScheduler.Action;
import io.loudp2p.core.stream.internal.ChunkScheduler.Kind;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChunkSchedulerTest {
  private static final long MS = 1_000_000L;
  private static final long SECOND = 1_000_000_000L;
  private static final int CHUNK = DefaultChunkScheduler.CHUNK_LENGTH;
  /** One chunk per second of playback. */
  private static final long BITRATE = CHUNK;

  /** No start: every source is asked as its own pipeline allows from the first poll on. */
  private static final long NO_START = 0;

  /** A scheduler with the default window and buffer and {@link #NO_START}. */
  private static DefaultChunkScheduler withoutStart(long bytes, long bitrate) {
    return new DefaultChunkScheduler(bytes, bitrate,
        DefaultChunkScheduler.DEFAULT_WINDOW_SECONDS * SECOND,
        DefaultChunkScheduler.DEFAULT_BUFFER_SECONDS * SECOND, NO_START);
  }

  private static List<Action> poll(ChunkScheduler s, long nowNs) {
    return new ArrayList<>(s.poll(nowNs));
  }

  private static List<Integer> requested(List<Action> actions, int source) {
    return actions.stream()
        .filter(a -> a.kind() == Kind.REQUEST && a.source() == source)
        .map(Action::chunk)
        .toList();
  }

  @Test
  void chunkLengthsAndCountFollowTheTrackLengthWithAShorterLastChunk() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(3L * CHUNK + 100, BITRATE);

    assertThat(s.chunkCount()).isEqualTo(4);
    assertThat(s.chunkLength(0)).isEqualTo(CHUNK);
    assertThat(s.chunkLength(3)).isEqualTo(100);
  }

  @Test
  void rttEstimateFollowsRfc6298FromRequestToArrivalTimes() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(100L * CHUNK, BITRATE);
    s.addSource(1, null, 0);
    assertThat(requested(poll(s, 0), 1)).containsExactly(0, 1);
    assertThat(s.retransmissionTimeoutNs(1)).isEqualTo(ScheduledSource.INITIAL_RTO_NS);

    s.onChunkReceived(1, 0, 100 * MS);
    assertThat(s.smoothedRttNs(1)).isEqualTo(100 * MS);
    assertThat(s.rttVariationNs(1)).isEqualTo(50 * MS);

    s.onChunkReceived(1, 1, 200 * MS);
    // RTTVAR = 3/4 * 50 + 1/4 * |100 - 200| = 62.5; SRTT = 7/8 * 100 + 1/8 * 200 = 112.5.
    assertThat(s.rttVariationNs(1)).isEqualTo(62_500_000L);
    assertThat(s.smoothedRttNs(1)).isEqualTo(112_500_000L);
    assertThat(s.retransmissionTimeoutNs(1)).isEqualTo(112_500_000L + 4 * 62_500_000L);
  }

  @Test
  void aChunkAskedInTheOpeningIsInFlightFromWhenItWasAskedAndNotAskedAgain() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(100L * CHUNK, BITRATE);
    s.addSource(1, null, 400 * MS);
    assertThat(s.onRequestedInOpening(1, 0, 100 * MS)).isTrue();
    assertThat(s.onRequestedInOpening(1, 0, 100 * MS)).as("already in flight").isFalse();
    assertThat(s.onRequestedInOpening(2, 1, 100 * MS)).as("no such source").isFalse();
    assertThat(requested(poll(s, 400 * MS), 1)).containsExactly(1);
    assertThat(s.inFlight(1)).isEqualTo(2);

    // Its answer times the round trip from the opening, not from when the source was added.
    s.onChunkReceived(1, 0, 450 * MS);
    assertThat(s.smoothedRttNs(1)).isEqualTo(350 * MS);
    assertThat(s.onRequestedInOpening(1, 0, 100 * MS)).as("arrived").isFalse();

    // No answer within the timeout of a source that never answered, counted from the opening:
    // asked again.
    DefaultChunkScheduler late = new DefaultChunkScheduler(100L * CHUNK, BITRATE);
    late.addSource(1, null, ScheduledSource.INITIAL_RTO_NS / 2);
    assertThat(late.onRequestedInOpening(1, 0, 0)).isTrue();
    assertThat(requested(poll(late, ScheduledSource.INITIAL_RTO_NS / 2), 1)).containsExactly(1);
    assertThat(poll(late, ScheduledSource.INITIAL_RTO_NS + MS)).contains(cancel(1, 0));
    assertThat(late.inFlight(1)).isEqualTo(2);
  }

  @Test
  void deadlineOfAChunkIsPlaybackAnchorPlusItsDistanceAtTheBitrate() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(100L * CHUNK, BITRATE);
    s.onPositionChanged(10, 5 * SECOND);

    assertThat(s.deadlineNs(10, 7 * SECOND)).isEqualTo(5 * SECOND);
    assertThat(s.deadlineNs(13, 7 * SECOND)).isEqualTo(8 * SECOND);
  }

  @Test
  void chunksInsideTheWindowAreRequestedInDeadlineOrderFromTheFastestSource() {
    DefaultChunkScheduler s =
        new DefaultChunkScheduler(100L * CHUNK, BITRATE, 10 * SECOND, 10 * SECOND, NO_START);
    s.addSource(1, null, 0);
    s.addSource(2, null, 0);
    List<Action> first = poll(s, 0);
    // Chunk 0 is due at once, so its endgame copy goes out with it.
    assertThat(first).extracting(Action::chunk).containsExactly(0, 0, 1, 2);
    // Source 1 answers in 50 ms, source 2 in 400 ms.
    for (int c : requested(first, 1)) {
      s.onChunkReceived(1, c, 50 * MS);
    }
    for (int c : requested(first, 2)) {
      if (!s.hasArrived(c)) {
        s.onChunkReceived(2, c, 400 * MS);
      }
    }
    s.onPositionChanged(1, 1 * SECOND);

    List<Action> next =
        poll(s, 1 * SECOND).stream().filter(a -> a.kind() == Kind.REQUEST).toList();

    assertThat(next).first().isEqualTo(request(1, 3));
    assertThat(next).extracting(Action::chunk).isSorted();
  }

  @Test
  void beyondTheWindowTheRarestChunksArePrefetchedFirst() {
    int chunks = 100;
    BitSet common = new BitSet();
    common.set(0, chunks);
    common.clear(40);
    common.clear(70);
    BitSet rare = new BitSet();
    rare.set(40);
    rare.set(70);
    DefaultChunkScheduler s = new DefaultChunkScheduler((long) chunks * CHUNK, BITRATE,
        SECOND / 2, 100 * SECOND, NO_START);
    s.addSource(1, common, 0);
    s.addSource(2, common, 0);
    s.addSource(3, rare, 0);

    List<Action> actions = poll(s, 0);

    assertThat(actions)
        .containsExactly(
            request(1, 0), request(2, 0), request(3, 40), request(3, 70), request(1, 1),
            request(2, 2));
  }

  @Test
  void sourceIsBannedAtTheBanThresholdAndItsChunkMovesElsewhere() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(100L * CHUNK, BITRATE);
    s.addSource(1, null, 0);
    s.addSource(2, null, 0);
    poll(s, 0);
    for (int i = 0; i < DefaultChunkScheduler.BAN_THRESHOLD - 1; i++) {
      s.onChunkFailed(1, 0, 10 * MS);
      assertThat(poll(s, 10 * MS)).extracting(Action::kind).doesNotContain(Kind.SOURCE_BANNED);
      assertThat(s.isLive(1)).isTrue();
    }
    s.onChunkFailed(1, 2, 20 * MS);

    List<Action> actions = poll(s, 20 * MS);

    assertThat(actions.get(0).kind()).isEqualTo(Kind.SOURCE_BANNED);
    assertThat(actions.get(0).source()).isEqualTo(1);
    assertThat(s.isLive(1)).isFalse();
    assertThat(actions).noneMatch(a -> a.kind() == Kind.REQUEST && a.source() == 1);
    s.addSource(1, null, 30 * MS);
    assertThat(s.isLive(1)).as("a banned source stays banned for the session").isFalse();
  }

  @Test
  void pipeliningLimitFollowsTheBandwidthDelayProductWithinItsBounds() {
    // Source 1: 100 ms round trip, then a chunk every millisecond: a deep pipe.
    DefaultChunkScheduler deep = new DefaultChunkScheduler(1000L * CHUNK, 10 * BITRATE);
    deep.addSource(1, null, 0);
    assertThat(deep.pipelineLimit(1)).isEqualTo(DefaultChunkScheduler.MIN_PIPELINE);
    List<Integer> atOne = requested(poll(deep, 0), 1);
    assertThat(atOne).hasSize(DefaultChunkScheduler.MIN_PIPELINE);
    deep.onChunkReceived(1, atOne.get(0), 100 * MS);
    deep.onChunkReceived(1, atOne.get(1), 101 * MS);
    assertThat(deep.pipelineLimit(1)).isEqualTo(DefaultChunkScheduler.MAX_PIPELINE);
    poll(deep, 101 * MS);
    assertThat(deep.inFlight(1)).isEqualTo(DefaultChunkScheduler.MAX_PIPELINE);

    // Source 2: 100 ms round trip, then a chunk every second: a thin one.
    DefaultChunkScheduler thin = new DefaultChunkScheduler(1000L * CHUNK, 10 * BITRATE);
    thin.addSource(2, null, 0);
    List<Integer> atTwo = requested(poll(thin, 0), 2);
    thin.onChunkReceived(2, atTwo.get(0), 100 * MS);
    thin.onChunkReceived(2, atTwo.get(1), 1100 * MS);
    assertThat(thin.pipelineLimit(2)).isEqualTo(DefaultChunkScheduler.MIN_PIPELINE);
    poll(thin, 1100 * MS);
    assertThat(thin.inFlight(2)).isLessThanOrEqualTo(DefaultChunkScheduler.MIN_PIPELINE);
  }


  @Test
  void unansweredRequestsTimeOutMoveToAnotherSourceAndTheSilentSourceIsDropped() {
    DefaultChunkScheduler s =
        new DefaultChunkScheduler(100L * CHUNK, BITRATE, 10 * SECOND, 10 * SECOND);
    BitSet onlyEven = new BitSet();
    for (int c = 0; c < 100; c += 2) {
      onlyEven.set(c);
    }
    s.addSource(1, null, 0);
    s.addSource(2, onlyEven, 0);
    List<Action> first = poll(s, 0);
    List<Integer> atOne = requested(first, 1);
    assertThat(atOne).isNotEmpty();

    // Source 1 never answers; source 2 answers everything at once.
    long now = 0;
    List<Action> all = new ArrayList<>();
    List<Action> batch = first;
    while (s.isLive(1) && now < 20 * SECOND) {
      for (Action a : batch) {
        all.add(a);
        if (a.kind() == Kind.REQUEST && a.source() == 2) {
          s.onChunkReceived(2, a.chunk(), now + 5 * MS);
        }
      }
      now += 10 * MS;
      batch = poll(s, now);
    }

    all.addAll(batch);
    assertThat(s.isLive(1)).isFalse();
    assertThat(all).anyMatch(a -> a.kind() == Kind.SOURCE_DROPPED && a.source() == 1);
    assertThat(all).contains(cancel(1, atOne.get(0)));
    // Even chunks source 1 was asked for were taken over by source 2.
    atOne.stream()
        .filter(c -> c % 2 == 0)
        .forEach(c -> assertThat(s.hasArrived(c)).as("chunk %d", c).isTrue());
  }

  @Test
  void aSourceAskedAgainAfterARestIsDroppedOnlyAfterTheSilenceSinceItWasAsked() {
    // A window and buffer of one second: once that is fetched, the source rests.
    DefaultChunkScheduler s = new DefaultChunkScheduler(100L * CHUNK, BITRATE, SECOND, SECOND);
    s.addSource(1, null, 0);
    for (Action a : poll(s, 0)) {
      if (a.kind() == Kind.REQUEST) {
        s.onChunkReceived(1, a.chunk(), 50 * MS);
      }
    }
    assertThat(requested(poll(s, 100 * MS), 1)).as("resting").isEmpty();

    // Ten seconds later (a listener that paused, or moved to another network) it is asked again
    // and answers nothing: its requests time out fast, as on the path it answered on before.
    long askedAt = 10 * SECOND;
    s.onPositionChanged(30, askedAt);
    assertThat(requested(poll(s, askedAt), 1)).isNotEmpty();
    long now = askedAt;
    while (s.isLive(1) && now < askedAt + 20 * SECOND) {
      now += 10 * MS;
      poll(s, now);
    }
    assertThat(s.isLive(1)).isFalse();
    assertThat(now - askedAt).as("dropped after 3 s of silence since it was asked, not at once")
        .isGreaterThanOrEqualTo(DefaultChunkScheduler.MIN_SILENCE_BEFORE_DROP_NS);
  }

  @Test
  void lateChunkIsRequestedFromASecondSourceAndTheLoserIsCancelled() {
    DefaultChunkScheduler s = withoutStart(100L * CHUNK, BITRATE);
    s.addSource(1, null, 0);
    s.addSource(2, null, 0);
    s.addSource(3, null, 0);

    List<Action> first = poll(s, 0);

    assertThat(first).filteredOn(a -> a.chunk() == 0).hasSize(DefaultChunkScheduler.MAX_COPIES);
    int winner = first.get(0).source();
    int loser =
        first.stream()
            .filter(a -> a.chunk() == 0 && a.source() != winner)
            .findFirst()
            .orElseThrow()
            .source();
    int loserInFlight = s.inFlight(loser);
    s.onChunkReceived(winner, 0, 80 * MS);
    List<Action> next = poll(s, 80 * MS);

    assertThat(next).contains(cancel(loser, 0));
    assertThat(s.inFlight(loser)).isLessThanOrEqualTo(loserInFlight);
    assertThat(next).doesNotContain(request(loser, 0), request(winner, 0));
  }

  @Test
  void atMostOneEndgameCopyIsInFlightAtOnceTheMostUrgentChunksFirst() {
    // Ten chunks a second: before playback starts, chunks 0 to 3 are due within the endgame's
    // two (assumed) round trips.
    DefaultChunkScheduler s = withoutStart(100L * CHUNK, 10 * BITRATE);
    s.addSource(1, null, 0);
    s.addSource(2, null, 0);
    s.addSource(3, null, 0);
    List<Action> first = poll(s, 0);
    List<Integer> asked = first.stream().filter(a -> a.kind() == Kind.REQUEST)
        .map(Action::chunk).toList();
    assertThat(asked).as("six slots: five chunks, and one copy, of chunk 0")
        .hasSize(3 * DefaultChunkScheduler.MIN_PIPELINE)
        .containsExactlyInAnyOrder(0, 0, 1, 2, 3, 4);
    // Chunk 0 comes: its other copy is cancelled, and the one copy goes to chunk 1.
    int holder = requested(first, 1).contains(0) ? 1 : 2;
    s.onChunkReceived(holder, 0, 100 * MS);
    List<Action> next = poll(s, 100 * MS);
    assertThat(next).anyMatch(a -> a.kind() == Kind.CANCEL && a.chunk() == 0);
    assertThat(next.stream().filter(a -> a.kind() == Kind.REQUEST && a.chunk() == 1))
        .as("%s", next).hasSize(1);
  }

  @Test
  void atTheStartTheNetworkSourcesTogetherHaveNoMoreInFlightThanOneAndACopyWaitsARoundTrip() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(100L * CHUNK, BITRATE);
    s.addSource(1, null, 0);
    s.addSource(2, null, 0);
    s.addSource(3, null, 0);

    List<Action> first = poll(s, 0);
    assertThat(first).as("one source's pipeline, no copy").extracting(Action::chunk)
        .containsExactlyInAnyOrder(0, 1);
    long rtt = ScheduledSource.INITIAL_RTT_ESTIMATE_NS;
    assertThat(poll(s, 2 * rtt - MS)).as("nothing before two round trips of silence").isEmpty();
    List<Action> late = poll(s, 2 * rtt);
    assertThat(late).as("the holder of chunk 0 is late: one copy").hasSize(1)
        .allMatch(a -> a.kind() == Kind.REQUEST && a.chunk() == 0
            && a.source() != first.get(0).source());
  }

  @Test
  void aRoundTripMeasuredBeforeASourceJoinedTimesItsCopiesUntilItAnswers() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(100L * CHUNK, BITRATE);
    s.addSource(1, null, 0);
    s.hintRtt(1, 300 * MS); // its stream initiation took 300 ms: a 3G path
    List<Action> first = poll(s, 0);
    assertThat(requested(first, 1)).containsExactly(0, 1);
    s.addSource(2, null, 0);
    assertThat(poll(s, 599 * MS)).as("two of its round trips: not late yet").isEmpty();
    assertThat(requested(poll(s, 600 * MS), 2)).containsExactly(0);
  }

  @Test
  void onceFiveSecondsArePlayableEverySourceIsAskedAsItsOwnPipelineAllows() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(100L * CHUNK, BITRATE);
    s.addSource(1, null, 0);
    s.addSource(2, null, 0);
    s.addSource(3, null, 0);
    long now = 0;
    while (!s.hasArrived(4)) { // one chunk a second: chunk 5 on is 5 s of playback ahead
      for (Action a : poll(s, now)) {
        if (a.kind() == Kind.REQUEST && !s.hasArrived(a.chunk())) {
          s.onChunkReceived(a.source(), a.chunk(), now + 50 * MS);
        }
      }
      now += 50 * MS;
      assertThat(s.inFlight(1) + s.inFlight(2) + s.inFlight(3)).as("at %d ms", now / MS)
          .isLessThanOrEqualTo(DefaultChunkScheduler.MAX_PIPELINE);
    }
    poll(s, now);
    assertThat(List.of(s.inFlight(1), s.inFlight(2), s.inFlight(3)))
        .as("each source's own pipeline, full").allMatch(n -> n >= DefaultChunkScheduler.MIN_PIPELINE);
  }

  @Test
  void neverMoreThanTwoCopiesOfOneChunkAreInFlight() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(100L * CHUNK, BITRATE);
    for (int id = 1; id <= 6; id++) {
      s.addSource(id, null, 0);
    }
    int[] copies = new int[100];
    for (long now = 0; now < 3 * SECOND; now += 50 * MS) {
      for (Action a : poll(s, now)) {
        if (a.kind() == Kind.REQUEST) {
          copies[a.chunk()]++;
        } else if (a.kind() == Kind.CANCEL) {
          copies[a.chunk()]--;
        }
      }
      for (int c : copies) {
        assertThat(c).isLessThanOrEqualTo(DefaultChunkScheduler.MAX_COPIES);
      }
    }
  }

  @Test
  void removingTheOnlyHolderOfANeededChunkFailsItWithAReasonNamingIt() {
    BitSet most = new BitSet();
    most.set(0, 10);
    most.clear(7);
    BitSet seven = new BitSet();
    seven.set(7);
    DefaultChunkScheduler s = new DefaultChunkScheduler(10L * CHUNK, BITRATE);
    s.addSource(1, most, 0);
    s.addSource(2, seven, 0);
    assertThat(poll(s, 0)).noneMatch(a -> a.kind() == Kind.FAILED);

    s.removeSource(2, 10 * MS);
    List<Action> actions = poll(s, 10 * MS);

    assertThat(actions).filteredOn(a -> a.kind() == Kind.FAILED).singleElement()
        .satisfies(a -> {
          assertThat(a.chunk()).isEqualTo(7);
          assertThat(a.reason()).contains("chunk 7");
        });
    assertThat(poll(s, 20 * MS)).noneMatch(a -> a.kind() == Kind.FAILED);
  }

  @Test
  void seekCancelsRequestsOutsideTheNewWindowAndRequestsTheTargetFirst() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(1000L * CHUNK, BITRATE);
    s.addSource(1, null, 0);
    List<Action> first = poll(s, 0);
    assertThat(first).containsExactly(request(1, 0), request(1, 1));

    s.seek(500, 10 * MS);
    List<Action> actions = poll(s, 10 * MS);

    assertThat(actions).containsExactly(cancel(1, 0), cancel(1, 1), request(1, 500), request(1, 501));
  }

  @Test
  void removedSourceHandsItsInFlightChunksBackAtOnce() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(100L * CHUNK, BITRATE);
    s.addSource(1, null, 0);
    List<Integer> atOne = requested(poll(s, 0), 1);
    assertThat(atOne).containsExactly(0, 1);
    s.addSource(2, null, 10 * MS);

    s.removeSource(1, 10 * MS);

    assertThat(s.inFlight(1)).isZero();
    assertThat(requested(poll(s, 10 * MS), 2)).containsExactly(0, 1);
  }

  @Test
  void throughputIsAMovingAverageOfLinkRateSamples() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(100L * CHUNK, BITRATE);
    s.addSource(1, null, 0);
    poll(s, 0);
    s.onChunkReceived(1, 0, 100 * MS); // first sample: one chunk in 100 ms
    double first = CHUNK * 10.0;
    assertThat(s.throughputBytesPerSecond(1)).isCloseTo(first, offset(1.0));

    s.onChunkReceived(1, 1, 110 * MS); // pipelined: one chunk 10 ms after the previous one
    double expected = first + ScheduledSource.THROUGHPUT_EWMA_WEIGHT * (CHUNK * 100.0 - first);
    assertThat(s.throughputBytesPerSecond(1))
        .isCloseTo(expected, offset(1.0));
  }

  @Test
  void requestOvertakenByLaterAnswersIsTakenAsLostAndAskedAgain() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(100L * CHUNK, BITRATE);
    s.addSource(1, null, 0);
    poll(s, 0);
    s.onChunkReceived(1, 0, 100 * MS);
    s.onChunkReceived(1, 1, 150 * MS);
    List<Integer> next = requested(poll(s, 150 * MS), 1);
    assertThat(next).isNotEmpty();
    int lostOne = next.get(0);

    assertThat(next).hasSizeGreaterThan(DefaultChunkScheduler.OVERTAKE_LOSS_THRESHOLD);

    // The answers to the requests sent after lostOne arrive; lostOne's never does.
    for (int i = 1; i <= DefaultChunkScheduler.OVERTAKE_LOSS_THRESHOLD; i++) {
      s.onChunkReceived(1, next.get(i), (150 + 50 * i) * MS);
    }
    List<Action> retry = poll(s, 300 * MS);

    // Long before any timeout (the RTO is above 200 ms), the lost request is renewed.
    assertThat(retry).contains(cancel(1, lostOne), request(1, lostOne));
  }

  @Test
  void pollReusesOneList() {
    DefaultChunkScheduler s = new DefaultChunkScheduler(10L * CHUNK, BITRATE);
    s.addSource(1, null, 0);

    assertThat(s.poll(0)).isSameAs(s.poll(1));
  }

  @Test
  void chunksThePreferredSourceHoldsAreAskedOfItAloneAndTheRestOfTheOthers() {
    DefaultChunkScheduler s =
        new DefaultChunkScheduler(20L * CHUNK, BITRATE, 10 * SECOND, 10 * SECOND);
    BitSet disk = new BitSet();
    disk.set(0, 6); // this peer's own copy holds chunks 0 to 5
    s.addSource(1, disk, 0);
    s.prefer(1);
    s.addSource(2, null, 0);

    List<Action> first = poll(s, 0);
    // Chunk 0 is due at once, yet no copy of it goes to the network: the disk serves it.
    assertThat(requested(first, 1)).containsExactly(0, 1);
    assertThat(requested(first, 2)).doesNotContainAnyElementsOf(List.of(0, 1, 2, 3, 4, 5))
        .isNotEmpty();
    for (int round = 0; round < 3; round++) {
      long now = (round + 1) * MS;
      for (int c : requested(first, 1)) {
        s.onChunkReceived(1, c, now);
      }
      first = poll(s, now);
      assertThat(requested(first, 2)).doesNotContainAnyElementsOf(List.of(0, 1, 2, 3, 4, 5));
    }
  }

  @Test
  void aChunkThePreferredSourceFailedGoesToTheOthers() {
    DefaultChunkScheduler s =
        new DefaultChunkScheduler(20L * CHUNK, BITRATE, 10 * SECOND, 10 * SECOND);
    BitSet disk = new BitSet();
    disk.set(0, 6);
    s.addSource(1, disk, 0);
    s.prefer(1);
    s.addSource(2, null, 0);
    List<Action> first = poll(s, 0);
    assertThat(requested(first, 1)).containsExactly(0, 1);

    s.onChunkFailed(1, 0, MS); // the cached copy did not verify
    for (int c : requested(first, 2)) { // the network source has room again
      s.onChunkReceived(2, c, MS);
    }

    List<Action> next = poll(s, MS);
    assertThat(requested(next, 2)).contains(0);
    assertThat(requested(next, 1)).doesNotContain(0);
  }

  @Test
  void chunksAreAskedForNoFurtherAheadThanTheBuffersHold() {
    // A WAV's bitrate: 30 s of it are far more chunks than the session's buffers hold.
    DefaultChunkScheduler s = new DefaultChunkScheduler(2000L * CHUNK, 100L * CHUNK);
    s.addSource(1, null, 0);
    int highest = -1;
    for (int round = 0; round < 200; round++) {
      long now = round * MS;
      List<Integer> asked = requested(poll(s, now), 1);
      for (int c : asked) {
        highest = Math.max(highest, c);
        s.onChunkReceived(1, c, now + MS / 2); // an instant source, and a reader that never reads
      }
    }
    assertThat(highest).isEqualTo(DefaultChunkScheduler.MAX_AHEAD_CHUNKS - 1);

    s.onPositionChanged(100, 300 * MS); // the reader moves on: so does the horizon
    int further = -1;
    for (int round = 0; round < 50; round++) {
      for (int c : requested(poll(s, (301 + round) * MS), 1)) {
        further = Math.max(further, c);
        s.onChunkReceived(1, c, (301 + round) * MS);
      }
    }
    assertThat(further).isEqualTo(100 + DefaultChunkScheduler.MAX_AHEAD_CHUNKS - 1);
  }
}
