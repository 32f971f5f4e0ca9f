package io.loudp2p.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.Peer;
import io.loudp2p.PeerInfo;
import io.loudp2p.SearchHit;
import io.loudp2p.StreamSession;
import io.loudp2p.SourceStats;
import io.loudp2p.TrackId;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every deployment of peers must do on 127.0.0.1, whichever transports are on the class
 * path: discovery, search, streaming from several sources while one leaves, moving peers, and
 * serving from the cache. A transport module's integration test extends this and names the data
 * transport its streams are expected to use.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
public abstract class PeerScenarios extends PeerFixture {
  /** The data transport streams should use here, as SourceStats.transport() names it. */
  protected abstract String dataTransport();

  @Test
  void twoPeersFindEachOtherSearchAndStreamARealAudioFile() throws Exception {
    Path music = folderWith("music", "tagged.flac", "id3v23.mp3", "tagged.ogg");
    Peer sharer = start(Peer.builder().share(music));
    Peer listener = start(Peer.builder().bootstrap(at(sharer)));

    assertThat(listener.peers()).extracting(PeerInfo::id).containsExactly(sharer.id());
    assertThat(sharer.peers()).extracting(PeerInfo::id).containsExactly(listener.id());

    List<SearchHit> hits = listener.search("sigur ros", SEARCH, h -> { }).get(10, TimeUnit.SECONDS);
    assertThat(hits).isNotEmpty();
    SearchHit hit = hits.get(0);
    assertThat(hit.track().info().title()).isEqualTo("Svefn-g-englar");
    assertThat(hit.sources()).containsExactly(sharer.id());

    long length = Files.size(music.resolve("tagged.flac"));
    try (StreamSession session = listener.stream(hit.track().id()).get(10, TimeUnit.SECONDS)) {
      assertThat(session.inputStream().readAllBytes())
          .isEqualTo(Files.readAllBytes(music.resolve("tagged.flac")));
      assertThat(session.sources()).extracting(SourceStats::transport).containsOnly(dataTransport());
      awaitCounted(session, length);
      // What each peer counted of it, in its metrics.
      io.loudp2p.PeerMetrics playing = listener.metrics();
      assertThat(playing.sessionsPlayed()).isEqualTo(1);
      assertThat(playing.bytesReceived()).containsEntry(dataTransport(), length);
      assertThat(playing.peersKnown()).isEqualTo(1);
    }
    io.loudp2p.PeerMetrics serving = sharer.metrics();
    assertThat(serving.searchesAnswered()).isPositive();
    assertThat(serving.sessionsServed()).isEqualTo(1);
    assertThat(serving.sessionsPlayed()).isZero();
    assertThat(serving.bytesSent().get(dataTransport())).isGreaterThanOrEqualTo(length);
    assertThat(listener.metrics().bytesReceived()).as("once the session ended")
        .containsEntry(dataTransport(), length);
  }

  @Test
  void aTrackIdAloneIsEnoughToStreamFromAPeerThatHoldsIt() throws Exception {
    Path music = folderWith("music", "tagged.ogg");
    Peer sharer = start(Peer.builder().share(music));
    Peer other = start(Peer.builder().share(folderWith("other", "id3v24.mp3")));
    Peer listener = start(Peer.builder().bootstrap(at(sharer)).bootstrap(at(other)));
    TrackId id = sharer.catalog().search("crystalised", 1).get(0).track().id();

    try (StreamSession session = listener.stream(id).get(10, TimeUnit.SECONDS)) {
      assertThat(session.inputStream().readAllBytes())
          .isEqualTo(Files.readAllBytes(music.resolve("tagged.ogg")));
      assertThat(session.sources()).extracting(SourceStats::peer).containsExactly(sharer.id());
    }
    TrackId unknown = TrackId.fromBytes(new byte[TrackId.LENGTH]);
    assertThatThrownBy(() -> listener.stream(unknown).get(10, TimeUnit.SECONDS))
        .hasMessageContaining("no known peer holds track");
  }

  @Test
  void aPeerListeningOnEveryInterfaceIsAnnouncedAtAddressesOthersCanDial() throws Exception {
    Path music = folderWith("music", "tagged.ogg");
    Peer sharer = start(Peer.builder().share(music).listen(new InetSocketAddress("0.0.0.0", 0)));
    int port = at(sharer).getPort();
    Peer listener = start(Peer.builder()
        .bootstrap(new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), port)));

    assertThat(listener.peers()).singleElement().satisfies(p -> {
      assertThat(p.addresses()).isNotEmpty().allSatisfy(a -> {
        assertThat(a.getAddress().isAnyLocalAddress()).as("announced %s", a).isFalse();
        assertThat(a.getPort()).isEqualTo(port);
      });
    });
    List<SearchHit> hits = listener.search("crystalised", SEARCH, h -> { }).get(10, TimeUnit.SECONDS);
    assertThat(hits).isNotEmpty();
    try (StreamSession session = listener.stream(hits.get(0).track().id()).get(10, TimeUnit.SECONDS)) {
      assertThat(session.inputStream().readAllBytes())
          .isEqualTo(Files.readAllBytes(music.resolve("tagged.ogg")));
      assertThat(session.sources()).extracting(SourceStats::transport).containsOnly(dataTransport());
    }
  }

  @Test
  void threeSourcesOneClosedMidStreamAndThePlayerNeverStalls() throws Exception {
    byte[] track = TestAudio.noiseWav(8, 42); // 8 s at 352.8 kbit/s: 353 KB, 22 chunks
    List<Peer> sources = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Path dir = Files.createDirectories(tmp.resolve("s" + i));
      Files.write(dir.resolve("noise.wav"), track);
      sources.add(start(Peer.builder().share(dir)));
    }
    Peer.Builder b = Peer.builder();
    for (Peer s : sources) {
      b.bootstrap(at(s));
    }
    Peer listener = start(b);
    List<SearchHit> hits = listener.search("noise", SEARCH, h -> { }).get(10, TimeUnit.SECONDS);
    assertThat(hits).singleElement().satisfies(h -> assertThat(h.sources()).hasSize(3));

    try (StreamSession session = listener.stream(hits.get(0).track().id()).get(10, TimeUnit.SECONDS)) {
      InputStream in = session.inputStream();
      byte[] got = new byte[track.length];
      int half = track.length / 2;
      // Play the first half at four times the real rate, then lose a source, then the rest.
      int read = TestAudio.playPaced(in, got, 0, half, 4 * 44_100);
      sources.get(0).close();
      read += TestAudio.playPaced(in, got, read, track.length - read, 4 * 44_100);

      assertThat(read).isEqualTo(track.length);
      assertThat(got).isEqualTo(track);
      assertThat(session.stats().stalls()).as("stalls after playback started").isZero();
      assertThat(session.sources()).extracting(SourceStats::transport).containsOnly(dataTransport());
    }
  }

  @Test
  void aPeerRestartedOnAnotherPortIsFoundAgainByItsIdWithANewerRecord() throws Exception {
    Path identity = tmp.resolve("moving/identity");
    Peer stayer = start(Peer.builder());
    Peer mover = start(Peer.builder().identityFile(identity).bootstrap(at(stayer)));
    PeerInfo before = stayer.peers().get(0);
    assertThat(before.id()).isEqualTo(mover.id());
    InetSocketAddress oldAddress = at(mover);
    mover.close();

    Peer moved = start(Peer.builder().identityFile(identity).bootstrap(at(stayer)));

    assertThat(moved.id()).isEqualTo(before.id());
    assertThat(at(moved)).isNotEqualTo(oldAddress);
    PeerInfo after = stayer.peers().get(0);
    assertThat(after.id()).isEqualTo(before.id());
    assertThat(after.sequence()).isGreaterThan(before.sequence());
    assertThat(after.addresses()).containsExactly(at(moved));
  }

  /** A peer with a cache that played a track its only holder shared, and that holder gone. */
  private record Played(Peer player, SearchHit hit, byte[] track) {}

  /**
   * Shares {@code name}.wav (seeded noise) at an origin, plays it whole at a player with a cache,
   * waits until the cache holds every chunk, and closes the origin.
   */
  private Played playedWithTheOriginGone(String name, long seed) throws Exception {
    byte[] track = TestAudio.noiseWav(4, seed);
    Path dir = Files.createDirectories(tmp.resolve("origin"));
    Files.write(dir.resolve(name + ".wav"), track);
    Peer origin = start(Peer.builder().share(dir));
    Path cacheDir = tmp.resolve("player-cache");
    Peer player = start(Peer.builder().bootstrap(at(origin)).cache(cacheDir, 64L << 20));
    SearchHit hit = player.search(name, SEARCH, h -> { }).get(10, TimeUnit.SECONDS).get(0);
    try (StreamSession s = player.stream(hit.track().id()).get(10, TimeUnit.SECONDS)) {
      assertThat(s.inputStream().readAllBytes()).isEqualTo(track);
    }
    awaitCached(cacheDir, hit.track().id(), (track.length + 16383) / 16384);
    origin.close();
    return new Played(player, hit, track);
  }

  @Test
  void aPeerThatPlayedATrackServesItFromItsCache() throws Exception {
    Played played = playedWithTheOriginGone("ballad", 7);
    Peer player = played.player();
    SearchHit hit = played.hit();
    byte[] track = played.track();

    Peer newcomer = start(Peer.builder().bootstrap(at(player)));
    List<SearchHit> found = newcomer.search("ballad", SEARCH, h -> { }).get(10, TimeUnit.SECONDS);

    assertThat(found).singleElement().satisfies(h -> assertThat(h.sources()).contains(player.id()));
    try (StreamSession s = newcomer.stream(hit.track().id()).get(10, TimeUnit.SECONDS)) {
      assertThat(s.inputStream().readAllBytes()).isEqualTo(track);
    }
  }

  @Test
  void aTrackPlayedOncePlaysAgainFromTheCacheWithTheNetworkGone() throws Exception {
    Played played = playedWithTheOriginGone("refrain", 8);
    Peer player = played.player();
    SearchHit hit = played.hit();
    byte[] track = played.track();

    try (StreamSession s = player.stream(hit.track().id()).get(10, TimeUnit.SECONDS)) {
      assertThat(s.inputStream().readAllBytes()).isEqualTo(track);
      awaitCounted(s, track.length);
      assertThat(s.sources()).singleElement().satisfies(src -> {
        assertThat(src.transport()).isEqualTo("local");
        assertThat(src.peer()).isEqualTo(player.id());
        assertThat(src.bytes()).isEqualTo(track.length);
      });
    }
  }

  @Test
  void aPartlyCachedTrackResumesAndFetchesOnlyWhatTheCacheLacks() throws Exception {
    // 330 chunks at a CD's bitrate: the 30 s read ahead are more chunks than the session's
    // buffers hold, and the disk serves its chunks at once while the network's come later.
    byte[] track = TestAudio.noiseWavOfBytes(330 * 16384, 9);
    Path dir = Files.createDirectories(tmp.resolve("origin"));
    Files.write(dir.resolve("reprise.wav"), track);
    io.loudp2p.core.content.Manifest manifest = io.loudp2p.core.content.Manifest.ofStream(
        new java.io.ByteArrayInputStream(track),
        io.loudp2p.core.proto.v1.TrackMetadata.newBuilder().setBitrateKbps(1411).build());
    // What an earlier run left: all but three chunks, one of them near the start.
    java.util.Set<Integer> lacking = java.util.Set.of(5, 150, 300);
    Path cacheDir = tmp.resolve("player-cache");
    long cachedBytes = cacheHolding(cacheDir, manifest, track, i -> !lacking.contains(i));
    Peer origin = start(Peer.builder().share(dir));
    Peer player = start(Peer.builder().bootstrap(at(origin)).cache(cacheDir, 64L << 20));

    try (StreamSession s = player.stream(manifest.trackId()).get(10, TimeUnit.SECONDS)) {
      assertThat(s.inputStream().readAllBytes()).isEqualTo(track);
      awaitCounted(s, track.length);
      long fromDisk = 0;
      long fromNetwork = 0;
      for (SourceStats src : s.sources()) {
        if (src.transport().equals("local")) {
          fromDisk += src.bytes();
        } else {
          assertThat(src.peer()).isEqualTo(origin.id());
          fromNetwork += src.bytes();
        }
      }
      assertThat(fromDisk).isEqualTo(cachedBytes);
      assertThat(fromNetwork).isEqualTo(track.length - cachedBytes);
      // The chunk map says the same, chunk by chunk: every chunk played, each from where it was.
      io.loudp2p.ChunkMap map = s.chunks();
      List<SourceStats> sources = s.sources();
      assertThat(map.count()).isEqualTo(manifest.chunkCount());
      assertThat(map.count(io.loudp2p.ChunkMap.State.PLAYED)).isEqualTo(manifest.chunkCount());
      for (int i = 0; i < map.count(); i++) {
        boolean cached = !lacking.contains(i);
        assertThat(sources.get(map.source(i)).transport()).as("chunk %d", i)
            .isEqualTo(cached ? "local" : dataTransport());
      }
    }
  }

  @Test
  void aDownloadStoppedThreeTimesAndResumedFetchesEachChunkFromTheNetworkOnce() throws Exception {
    byte[] track = TestAudio.noiseWavOfBytes(120 * 16384, 11);
    Path dir = Files.createDirectories(tmp.resolve("origin"));
    Files.write(dir.resolve("resume.wav"), track);
    Peer origin = start(Peer.builder().share(dir));
    Path cacheDir = tmp.resolve("player-cache");
    java.util.Random random = new java.util.Random(5);
    TrackId id = origin.catalog().search("resume", 1).get(0).track().id();
    long fromNetwork = 0;
    for (int run = 0; run < 4; run++) {
      // A player process that starts, streams, and stops part way (the last one plays it all).
      Peer player = configure(Peer.builder().bootstrap(at(origin)).cache(cacheDir, 64L << 20))
          .build().start();
      try {
        StreamSession s = player.stream(id).get(10, TimeUnit.SECONDS);
        try (s) {
          int stopAt = run < 3 ? random.nextInt(track.length) : track.length;
          byte[] read = s.inputStream().readNBytes(stopAt);
          assertThat(read).isEqualTo(java.util.Arrays.copyOf(track, stopAt));
        }
        // Counted once the session ended: every chunk it verified, read or fetched ahead.
        for (SourceStats src : s.sources()) {
          if (!src.transport().equals("local")) {
            fromNetwork += src.bytes();
          }
        }
      } finally {
        player.close(); // writes what it verified to the cache before it ends
      }
    }
    assertThat(fromNetwork).as("chunk bytes from the network over four runs")
        .isLessThanOrEqualTo(track.length);
  }

  @Test
  void aChunkDamagedInAWholeCachedTrackIsFetchedFromAPeerAndTheRestFromDisk() throws Exception {
    byte[] track = TestAudio.noiseWav(6, 12);
    Path dir = Files.createDirectories(tmp.resolve("origin"));
    Files.write(dir.resolve("mended.wav"), track);
    io.loudp2p.core.content.Manifest manifest = io.loudp2p.core.content.Manifest.ofStream(
        new java.io.ByteArrayInputStream(track),
        io.loudp2p.core.proto.v1.TrackMetadata.getDefaultInstance());
    Path cacheDir = tmp.resolve("player-cache");
    cacheHolding(cacheDir, manifest, track, i -> true);
    // One byte of chunk 5 changes on disk after the cache wrote it.
    Path data = cacheDir.resolve("chunks/tracks").resolve(manifest.trackId().toString())
        .resolve("chunks.data");
    try (java.nio.channels.FileChannel f = java.nio.channels.FileChannel.open(data,
        java.nio.file.StandardOpenOption.READ, java.nio.file.StandardOpenOption.WRITE)) {
      java.nio.ByteBuffer one = java.nio.ByteBuffer.allocate(1);
      f.read(one, manifest.chunkOffset(5) + 100);
      one.put(0, (byte) (one.get(0) ^ 0x55)).rewind();
      f.write(one, manifest.chunkOffset(5) + 100);
    }
    Peer origin = start(Peer.builder().share(dir));
    Peer player = start(Peer.builder().bootstrap(at(origin)).cache(cacheDir, 64L << 20));

    try (StreamSession s = player.stream(manifest.trackId()).get(10, TimeUnit.SECONDS)) {
      assertThat(s.inputStream().readAllBytes()).isEqualTo(track);
      awaitCounted(s, track.length);
      assertThat(s.sources()).anySatisfy(src -> {
        assertThat(src.peer()).isEqualTo(origin.id());
        assertThat(src.bytes()).isEqualTo(manifest.chunkLength(5));
      });
      assertThat(s.chunks().source(5)).isNotEqualTo(s.chunks().source(4));
    }
  }

  @Test
  void aSharedTrackPlaysFromItsOwnFileWithNoOtherPeer() throws Exception {
    byte[] track = TestAudio.noiseWav(3, 10);
    Path dir = Files.createDirectories(tmp.resolve("mine"));
    Files.write(dir.resolve("solo.wav"), track);
    Peer alone = start(Peer.builder().share(dir));
    TrackId id = alone.catalog().search("solo", 1).get(0).track().id();

    try (StreamSession s = alone.stream(id).get(10, TimeUnit.SECONDS)) {
      assertThat(s.inputStream().readAllBytes()).isEqualTo(track);
      assertThat(s.sources()).singleElement()
          .satisfies(src -> assertThat(src.transport()).isEqualTo("local"));
    }
  }

  /**
   * Waits, bounded, until the session's sources count {@code bytes} in all: the counts catch up
   * with the last chunk read on the session's own thread.
   */
  private static void awaitCounted(StreamSession s, long bytes) {
    Await.until(() -> s.sources().stream().mapToLong(SourceStats::bytes).sum() >= bytes,
        Duration.ofSeconds(5), "every byte counted at its source");
  }

  /**
   * What an earlier run of a player left in {@code cacheDir}: the manifest and the chunks {@code
   * held} names, each checked as written.
   *
   * @return the bytes of those chunks
   */
  private static long cacheHolding(Path cacheDir, io.loudp2p.core.content.Manifest manifest,
      byte[] track, java.util.function.IntPredicate held) throws IOException {
    long bytes = 0;
    try (io.loudp2p.core.content.ChunkCache cache = io.loudp2p.core.content.ChunkCache.open(
        cacheDir.resolve("chunks"), 64L << 20)) {
      cache.put(manifest);
      for (int i = 0; i < manifest.chunkCount(); i++) {
        if (held.test(i)) {
          assertThat(cache.writeChunk(manifest.trackId(), i, track,
              (int) manifest.chunkOffset(i), manifest.chunkLength(i))).isTrue();
          bytes += manifest.chunkLength(i);
        }
      }
    }
    return bytes;
  }

  /** Waits, bounded, until the cache's journal records {@code chunks} chunks of the track. */
  private static void awaitCached(Path cacheDir, io.loudp2p.TrackId id, int chunks) {
    Path journal = cacheDir.resolve("chunks/tracks").resolve(id.toString()).resolve("present.log");
    Await.until(() -> {
      try {
        return Files.exists(journal) && Files.size(journal) >= 4L * chunks;
      } catch (IOException e) {
        return false; // being written: look again
      }
    }, Duration.ofSeconds(10), "the player cached all " + chunks + " chunks");
  }

  @Test
  void streamingATrackNoKnownPeerHoldsFailsClearly() throws Exception {
    Peer lonely = start(Peer.builder());
    assertThatThrownBy(() -> lonely.stream(io.loudp2p.TrackId.fromBytes(new byte[32]))
            .get(5, TimeUnit.SECONDS))
        .hasMessageContaining("no known peer holds track");
  }
}
