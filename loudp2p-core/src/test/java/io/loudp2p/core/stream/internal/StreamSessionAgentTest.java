package io.loudp2p.core.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.content.Manifest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A stream session driven by hand ({@link HandDrivenSessionTest}): when it starts and asks, how it
 * times its sources' answers, and what it does when one falls silent.
 */
class StreamSessionAgentTest extends HandDrivenSessionTest {
  @Test
  void startsOnTheFirstCycleAndCountsTimeToFirstByteOnTheClockItIsHanded() throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE + 99);
    Source a = new Source("a", data);
    RealStreamSession session = session(manifest(data), List.of(a));

    assertThat(log).as("nothing happens before the agent runs, though the source is open").isEmpty();

    cycle(session);
    assertThat(log).startsWith("10ms buffering", "10ms added a", "10ms a request 0");
    assertThat(session.stats().timeToFirstByte()).as("the chunks came, but no cycle saw them")
        .isNull();

    cycle(session);
    assertThat(log).contains("20ms started");
    assertThat(session.stats().timeToFirstByte()).isEqualTo(Duration.ofMillis(20));

    while (!session.completion().isDone() && clock.nanoTime() < 10_000_000_000L) {
      cycle(session);
    }
    assertThat(session.completion()).isCompleted();
    assertThat(heard.toByteArray()).isEqualTo(data);
    assertThat(log.get(log.size() - 1)).endsWith(" finished");
    assertThat(session.sources()).singleElement()
        .satisfies(st -> assertThat(st.roundTrip()).isEqualTo(CYCLE));
  }

  @Test
  void aSourceThatFallsSilentIsDroppedAfterThreeTimeoutsAndThreeSecondsAndTheSessionFailsNamingTheChunk()
      throws Exception {
    byte[] data = track(300 * Manifest.CHUNK_SIZE);
    Source a = new Source("a", data);
    RealStreamSession session = session(manifest(data), List.of(a));
    while (clock.nanoTime() < 5_000_000_000L) {
      playCycle(session);
    }
    network.kill(a.server.address());
    log.add(now() + " killed a");
    while (!session.completion().isDone() && clock.nanoTime() < 30_000_000_000L) {
      playCycle(session);
    }

    // Answered within a cycle, the source's timeout is the least there is (200 ms), doubled at
    // each timeout; once three in a row have passed and it has been silent for 3 s since it was
    // asked again at 5,250 ms (it rested before, its buffer ahead full; a listener changing
    // networks is that long without a path), it is dropped, and with it the last source of chunk
    // 86.
    List<String> afterKill = log.subList(indexOf(" killed a") + 1, log.size());
    assertThat(afterKill.subList(0, afterKill.size() - 1)).containsExactly(
        "5250ms a request 86",
        "5460ms a cancel 86", "5460ms a request 86",
        "5660ms a request 87",
        "5870ms a cancel 86", "5870ms a request 86",
        "6470ms a cancel 87", "6470ms a request 87",
        "7480ms a cancel 86", "7480ms a request 86",
        "8250ms dropped a: source 0 timed out 4 times");
    assertThat(afterKill.get(afterKill.size() - 1)).startsWith("8250ms failed: cannot play ")
        .contains("chunk 86 cannot be fetched");
    assertThat(timeMs(afterKill.get(1)) - timeMs(afterKill.get(0)))
        .isGreaterThanOrEqualTo(TimeUnit.NANOSECONDS.toMillis(ScheduledSource.MIN_RTO_NS));
    assertThat(log).filteredOn(l -> l.contains("dropped")).hasSize(1);
    assertThat(session.completion()).isCompletedExceptionally();
    byte[] got = heard.toByteArray();
    // Played at the bitrate, one cycle's bytes in every cycle before the one that failed.
    assertThat(got).hasSize((int) (BITRATE * (8250 - CYCLE.toMillis()) / 1000))
        .isEqualTo(java.util.Arrays.copyOf(data, got.length));
  }

  @Test
  void chunksInFlightAtASilentSourceAreRequestedAgainElsewhereBeforeTheyCouldTimeOut()
      throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE + 99);
    Source a = new Source("a", data);
    Source b = new Source("b", data);
    RealStreamSession session = session(manifest(data), List.of(a, b));
    network.kill(a.server.address()); // open, but nothing it is asked for ever comes

    while (!session.completion().isDone() && clock.nanoTime() < 10_000_000_000L) {
      cycle(session);
    }

    assertThat(heard.toByteArray()).isEqualTo(data);
    long finishedMs = timeMs(log.get(indexOf(" finished")));
    assertThat(finishedMs).as("done before any request to the silent source could time out")
        .isLessThan(TimeUnit.NANOSECONDS.toMillis(ScheduledSource.INITIAL_RTO_NS));
    // At the start the sources together have one source's pipeline (two requests), and a copy
    // of a chunk waits until its holder has not answered for two round trips (200 ms assumed).
    assertThat(log).as("the first chunk asked again of b once a is two round trips late")
        .contains("10ms a request 0", "10ms b request 1", "410ms b request 0", "420ms a cancel 0");
    List<String> askedOfA = log.stream().filter(l -> l.contains(" a request ")).toList();
    assertThat(askedOfA).isNotEmpty();
    for (String request : askedOfA) {
      String chunk = request.substring(request.lastIndexOf(' ') + 1);
      String again = log.stream().filter(l -> l.endsWith(" b request " + chunk)).findFirst()
          .orElseThrow(() -> new AssertionError("chunk " + chunk + " never asked of b: " + log));
      assertThat(timeMs(again) - timeMs(request)).as("endgame copy of chunk %s", chunk)
          .isBetween(0L, 2 * ScheduledSource.INITIAL_RTT_ESTIMATE_NS / 1_000_000
              + 2 * CYCLE.toMillis());
      assertThat(log).as("the silent copy of chunk %s is cancelled", chunk)
          .anyMatch(l -> l.endsWith(" a cancel " + chunk));
    }
    assertThat(log).noneMatch(l -> l.contains("dropped"));
  }

  @Test
  void chunksAskedWhenTheSessionWasPreOpenedAreTimedFromThenAndAskedOnceMore() throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE);
    Source a = new Source("a", data);
    // Opened, with its first two chunks asked, 200 ms before the stream session starts (the
    // manifest was on its way meanwhile).
    RealStreamSession.Source pre = a.preOpened(0);
    network.advance(Duration.ofMillis(200));
    RealStreamSession session = session(manifest(data), List.of(pre), 0, List.of(a));

    cycle(session);
    // The test's transport carries no wants in an opening: the two are wanted once, once open.
    assertThat(log).startsWith("210ms buffering", "210ms added a", "210ms a request 0",
        "210ms a request 1");
    cycle(session);
    assertThat(log.stream().filter(l -> l.endsWith(" a request 0"))).hasSize(1);
    // The two answered in the second cycle, 220 ms after they were asked; a chunk asked in the
    // first cycle, 10 ms after: timed from the session's start, every round trip would be 10 ms.
    assertThat(session.sources()).singleElement().satisfies(st ->
        assertThat(st.roundTrip()).as("smoothed, from the opening").isGreaterThan(
            Duration.ofMillis(150)));
  }

  @Test
  void aPreOpenedSourceIsTakenToBeAsFarAsItsStreamInitiationTookUntilItAnswers() throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE);
    Source a = new Source("a", data);
    Source b = new Source("b", data);
    // Its stream initiation took 500 ms, request to accept: a slow path.
    RealStreamSession.Source pre = a.preOpened(500_000_000L);
    network.kill(a.server.address()); // open, but nothing it is asked for comes
    RealStreamSession session = session(manifest(data), List.of(pre, b.spec()), 0, List.of(a, b));
    while (log.stream().noneMatch(l -> l.endsWith(" b request 0"))
        && clock.nanoTime() < 3_000_000_000L) {
      cycle(session);
    }
    // Not two assumed round trips (400 ms) after the opening, but two of its own: 1,000 ms.
    assertThat(timeMs(log.get(indexOf(" b request 0")))).isBetween(1000L, 1020L);
  }
}
