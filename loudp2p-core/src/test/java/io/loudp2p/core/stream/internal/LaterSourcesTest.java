package io.loudp2p.core.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.content.Manifest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A stream session driven by hand ({@link HandDrivenSessionTest}) that starts while more sources
 * are being asked: they join as they accept, and the session fails only once none is left to come.
 */
class LaterSourcesTest extends HandDrivenSessionTest {
  @Test
  void aSourceThatAcceptsLaterJoinsTheRunningSessionAndTakesAShareOfTheTrack() throws Exception {
    byte[] data = track(100 * Manifest.CHUNK_SIZE); // 41 s at the bitrate
    Source a = new Source("a", data);
    Source b = new Source("b", data);
    Manifest m = manifest(data);
    RealStreamSession session = session(m, List.of(a.spec()), 1, List.of(a, b));

    for (int i = 0; i < 30; i++) { // 300 ms on a before b accepts
      playCycle(session);
    }
    assertThat(log).contains("10ms added a", "20ms started").noneMatch(l -> l.contains(" b "));
    session.addSource(b.spec());
    while (!session.completion().isDone() && clock.nanoTime() < 120_000_000_000L) {
      playCycle(session);
    }

    assertThat(session.completion()).isCompleted();
    heard.write(session.inputStream().readAllBytes()); // what the last cycle left
    assertThat(java.util.Arrays.equals(heard.toByteArray(), data)).as("the track, whole").isTrue();
    assertThat(log).contains("310ms added b");
    assertThat(session.sources()).hasSize(2);
    assertThat(session.sources().get(1).peer()).isEqualTo(b.id);
    assertThat(session.sources().get(1).chunks()).as("b's share of the track").isPositive();
  }

  @Test
  void aSessionWhoseOnlyOpenSourceFailsWaitsForThoseStillBeingAsked() throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE);
    Source a = new Source("a", data);
    Source b = new Source("b", data);
    Source c = new Source("c", data);
    network.kill(a.server.address()); // a cannot be reached: its open fails
    Manifest m = manifest(data);
    RealStreamSession session = session(m, List.of(a.spec()), 2, List.of(a, b, c));
    for (int i = 0; i < 10; i++) {
      cycle(session);
    }
    assertThat(session.completion()).as("b and c are still being asked").isNotDone();

    session.sourceNotComing("it did not accept a session");
    cycle(session);
    assertThat(session.completion()).as("c is still being asked").isNotDone();
    session.addSource(c.spec());
    while (!session.completion().isDone() && clock.nanoTime() < 30_000_000_000L) {
      cycle(session);
    }
    assertThat(session.completion()).isCompleted();
    heard.write(session.inputStream().readAllBytes());
    assertThat(java.util.Arrays.equals(heard.toByteArray(), data)).as("the track, whole").isTrue();
  }

  @Test
  void aSessionFailsOnceTheLastSourceStillBeingAskedDoesNotCome() throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE);
    Source a = new Source("a", data);
    Source b = new Source("b", data);
    network.kill(a.server.address());
    Manifest m = manifest(data);
    RealStreamSession session = session(m, List.of(a.spec()), 1, List.of(a, b));
    for (int i = 0; i < 10; i++) {
      cycle(session);
    }
    assertThat(session.completion()).isNotDone();
    session.sourceNotComing("it did not accept a session");
    cycle(session);
    assertThat(session.completion()).isCompletedExceptionally();
    assertThat(log.get(log.size() - 1)).contains("failed: cannot play ")
        .contains("it did not accept a session");
  }

  @Test
  void aSessionWhoseSourcesLackAChunkFailsOnceTheLastSourceBeingAskedDoesNotCome()
      throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE);
    Source a = new Source("a", data);
    java.util.BitSet half = new java.util.BitSet();
    half.set(0, 20); // a holds the first half of the track, as a partial copy on disk does
    Manifest m = manifest(data);
    RealStreamSession session = session(m, List.of(a.spec(half)), 1, List.of(a));
    while (clock.nanoTime() < 20_000_000_000L) {
      cycle(session);
    }
    assertThat(session.completion()).as("the peer still being asked may hold the rest")
        .isNotDone();
    session.sourceNotComing("it did not accept a session");
    for (int i = 0; i < 10 && !session.completion().isDone(); i++) {
      cycle(session);
    }
    assertThat(session.completion()).as("nobody left has chunk 20").isCompletedExceptionally();
    assertThat(log.get(log.size() - 1)).contains("failed: cannot play ").contains("chunk 20");
  }
}
