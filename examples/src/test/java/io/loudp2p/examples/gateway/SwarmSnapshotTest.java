package io.loudp2p.examples.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.ChunkMap;
import io.loudp2p.ChunkMap.State;
import io.loudp2p.PeerId;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import io.loudp2p.StreamStats;
import io.loudp2p.TrackId;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class SwarmSnapshotTest {
  private static final TrackId TRACK = TrackId.fromBytes(new byte[TrackId.LENGTH]);
  private static final StreamStats STATS =
      new StreamStats(null, 2, Duration.ofMillis(300), 5000, 100, 1);

  @Test
  void eachChunkIsOneCharacterOfTheDocumentedAlphabet() {
    State[] states = {State.PLAYED, State.PLAYED, State.BUFFERED, State.BUFFERED, State.ARRIVING,
        State.MISSING, State.BUFFERED, State.PLAYED, State.BUFFERED};
    int[] from = {0, 1, 1, 24, -1, -1, 25, 30, -1};

    SwarmSnapshot s = SwarmSnapshot.of(
        new Fake(9L * SwarmSnapshot.CHUNK_SIZE - 5, ChunkMap.of(states, from), sources(2)));

    assertThat(s.chunks()).isEqualTo("ABby~.zZz");
    assertThat(s.chunkSize()).isEqualTo(16_384);
    assertThat(s.sources()).hasSize(2);
  }

  @Test
  void aTrackOfMoreChunksThanTheLimitSharesCharactersAndSaysSo() {
    int count = SwarmSnapshot.MAX_CHARS * 2 + 1;
    State[] states = new State[count];
    Arrays.fill(states, State.MISSING);
    states[0] = State.PLAYED;
    states[3] = State.BUFFERED; // the first of the second three
    int[] from = new int[count];

    SwarmSnapshot s = SwarmSnapshot.of(new Fake((long) count * SwarmSnapshot.CHUNK_SIZE,
        ChunkMap.of(states, from), sources(SwarmSnapshot.MAX_SOURCES + 5)));

    assertThat(s.chunks().length()).isEqualTo(count / 3 + 1);
    assertThat(s.chunks().substring(0, 4)).isEqualTo("Aa..");
    assertThat(s.chunkSize()).isEqualTo(3 * SwarmSnapshot.CHUNK_SIZE);
    assertThat(s.sources()).hasSize(SwarmSnapshot.MAX_SOURCES);
    assertThat(s.json(true, Optional.empty()).length()).isLessThan(140_000);
  }

  @Test
  void theJsonTellsSourcesAndStats() {
    SwarmSnapshot s = SwarmSnapshot.of(new Fake(20_000,
        ChunkMap.of(new State[] {State.PLAYED, State.ARRIVING}, new int[] {0, -1}), sources(1)));

    String json = s.json(false, Optional.empty());

    assertThat(json).isEqualTo("{\"open\":false,\"length\":20000,\"chunkSize\":16384,"
        + "\"chunks\":\"A~\",\"sources\":[{\"peer\":\"" + peer(0) + "\",\"transport\":\"udp\","
        + "\"bytes\":16384,\"chunks\":1,\"rateBytesPerSecond\":1000,\"rttMs\":40,"
        + "\"active\":false,\"bad\":0}],\"stats\":{\"timeToFirstByteMs\":-1,\"stalls\":2,"
        + "\"stalledMs\":300,\"verifiedBytes\":5000,\"redundantBytes\":100,\"rejectedChunks\":1}}");
  }

  private static List<SourceStats> sources(int n) {
    List<SourceStats> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new SourceStats(peer(i), 16_384, 1, 0, Duration.ofMillis(40), 1000, i > 0, "udp"));
    }
    return out;
  }

  private static PeerId peer(int n) {
    byte[] b = new byte[PeerId.LENGTH];
    b[0] = (byte) PeerId.VERSION;
    b[1] = (byte) n;
    return PeerId.fromBytes(b);
  }

  private record Fake(long length, ChunkMap chunks, List<SourceStats> sources)
      implements StreamSession {
    @Override
    public TrackId trackId() {
      return TRACK;
    }

    @Override
    public InputStream inputStream() {
      return InputStream.nullInputStream();
    }

    @Override
    public void seek(long byteOffset) {}

    @Override
    public StreamStats stats() {
      return STATS;
    }

    @Override
    public CompletableFuture<Void> completion() {
      return new CompletableFuture<>();
    }

    @Override
    public void close() {}
  }
}
