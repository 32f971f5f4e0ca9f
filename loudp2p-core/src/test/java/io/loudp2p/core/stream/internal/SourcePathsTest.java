package io.loudp2p.core.stream.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.loudp2p.SourceStats;
import io.loudp2p.core.content.Manifest;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A stream session driven by hand ({@link HandDrivenSessionTest}) whose source the relay carries
 * gains a direct path to it: the direct one takes over, or, when it does not open, nothing
 * changes.
 */
class SourcePathsTest extends HandDrivenSessionTest {
  @Test
  void aDirectPathToASourceTheRelayCarriesTakesOverAndTheRelayedSessionIsLetGo() throws Exception {
    byte[] data = track(100 * Manifest.CHUNK_SIZE);
    Source relayed = new Source("r", data);
    Source direct = new Source("d", data, relayed.id);
    Manifest m = manifest(data);
    RealStreamSession session =
        session(m, List.of(relayed.over("grpc-relayed")), 1, List.of(relayed));
    for (int i = 0; i < 30; i++) {
      playCycle(session);
    }
    session.addSource(direct.over("udp"));
    while (!session.completion().isDone() && clock.nanoTime() < 120_000_000_000L) {
      playCycle(session);
    }

    assertThat(session.completion()).isCompleted();
    heard.write(session.inputStream().readAllBytes());
    assertThat(java.util.Arrays.equals(heard.toByteArray(), data)).as("the track, whole").isTrue();
    assertThat(log).contains("310ms moved r from grpc-relayed to udp: a direct path opened")
        .noneMatch(l -> l.contains("added") && l.startsWith("310ms"));
    assertThat(log.stream().filter(l -> l.contains(" r request ")))
        .as("nothing asked of the relayed session once the direct one opened")
        .allMatch(l -> timeMs(l) < 310);
    assertThat(session.sources()).extracting(SourceStats::transport, SourceStats::active)
        .containsExactly(tuple("grpc-relayed", false), tuple("udp", true));
    assertThat(session.sources().get(1).chunks()).as("the direct path's share").isPositive();
  }

  @Test
  void aDirectPathThatDoesNotOpenLeavesTheRelayedSessionAsItWasAndDropsNoSource()
      throws Exception {
    byte[] data = track(40 * Manifest.CHUNK_SIZE);
    Source relayed = new Source("r", data);
    Source direct = new Source("d", data, relayed.id);
    network.kill(direct.server.address()); // the punch does not get through
    Manifest m = manifest(data);
    RealStreamSession session =
        session(m, List.of(relayed.over("grpc-relayed")), 1, List.of(relayed));
    for (int i = 0; i < 10; i++) {
      cycle(session);
    }
    session.addSource(direct.over("udp"));
    while (!session.completion().isDone() && clock.nanoTime() < 30_000_000_000L) {
      cycle(session);
    }
    assertThat(session.completion()).isCompleted();
    heard.write(session.inputStream().readAllBytes());
    assertThat(java.util.Arrays.equals(heard.toByteArray(), data)).as("the track, whole").isTrue();
    assertThat(log).noneMatch(l -> l.contains("dropped") || l.contains("moved"));
    assertThat(session.sources()).extracting(SourceStats::transport)
        .containsExactly("grpc-relayed", "udp");
    assertThat(session.sources().get(0).chunks()).isEqualTo(40);
  }
}
