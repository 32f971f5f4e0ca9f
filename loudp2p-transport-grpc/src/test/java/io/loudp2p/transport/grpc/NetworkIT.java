package io.loudp2p.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import io.loudp2p.PeerInfo;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import io.loudp2p.StreamSession;
import io.loudp2p.core.peer.PeerDiagnostics;
import io.loudp2p.core.testing.PeerFixture;
import io.loudp2p.core.testing.TestAudio;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Twenty peers over real gRPC on 127.0.0.1: a LIGHT client that knows one FULL peer finds a track
 * three hops away (the hits come back along the path the query took) and streams it; the FULL peer
 * it relied on leaves while it plays, and the client keeps playing without a stall while its next
 * search goes through another FULL peer.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NetworkIT extends PeerFixture {
  private static final Duration SEARCH_TIME = Duration.ofSeconds(5);
  /** Playback at eight times real time: a minute of audio in under eight seconds. */
  private static final int PACE = 8 * 44_100;

  @Test
  void lightClientFindsATrackThreeHopsAwayAndPlaysOnWhenItsFullPeerLeaves() throws Exception {
    byte[] track = TestAudio.noiseWav(60, 99);
    Path shared = Files.createDirectories(tmp.resolve("holder"));
    Files.write(shared.resolve("needle.wav"), track);

    // A line L - F1 - F2 - F3 (the holder), and sixteen more peers joined behind F3.
    Peer f1 = start(Peer.builder());
    Peer f2 = start(Peer.builder().bootstrap(at(f1)));
    Peer holder = start(Peer.builder().share(shared).bootstrap(at(f2)));
    Peer light = start(Peer.builder().role(Role.LIGHT).bootstrap(at(f1)));
    // Checked before the first shuffle (10 s after a peer starts) can tell F1 of the holder.
    assertThat(light.role()).isEqualTo(Role.LIGHT);
    assertThat(f1.peers()).extracting(PeerInfo::id).doesNotContain(holder.id());
    assertThat(light.peers()).extracting(PeerInfo::id).doesNotContain(holder.id());
    assertThat(PeerDiagnostics.links(light)).as("the light client relies on its bootstrap peer")
        .first().isEqualTo(f1.id());
    Peer previous = holder;
    for (int i = 0; i < 16; i++) {
      previous = start(Peer.builder().share(Files.createDirectories(tmp.resolve("empty" + i)))
          .bootstrap(at(previous)));
    }

    List<SearchHit> hits = light.search("needle", SEARCH_TIME, h -> { }).get(10, TimeUnit.SECONDS);
    assertThat(hits).singleElement()
        .satisfies(h -> assertThat(h.sources()).containsExactly(holder.id()));

    try (StreamSession session = light.stream(hits.get(0).track().id()).get(10, TimeUnit.SECONDS)) {
      InputStream in = session.inputStream();
      byte[] got = new byte[track.length];
      int read = TestAudio.playPaced(in, got, 0, track.length / 4, PACE);

      f1.close(); // the FULL peer the light client relied on leaves while it plays
      List<SearchHit> again = light.search("needle", SEARCH_TIME, h -> { }).get(10, TimeUnit.SECONDS);
      assertThat(again).as("found through another FULL peer").singleElement()
          .satisfies(h -> assertThat(h.sources()).containsExactly(holder.id()));
      assertThat(PeerDiagnostics.links(light)).as("the light client moved on")
          .isNotEmpty().doesNotContain(f1.id());

      read += TestAudio.playPaced(in, got, read, track.length - read, PACE);
      assertThat(read).isEqualTo(track.length);
      assertThat(got).isEqualTo(track);
      assertThat(session.stats().stalls()).as("stalls after playback started").isZero();
    }
  }
}
