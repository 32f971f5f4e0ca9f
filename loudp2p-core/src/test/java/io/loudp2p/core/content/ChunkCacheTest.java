package io.loudp2p.core.content;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.TrackId;
import io.loudp2p.core.testing.FakeClock;
import io.loudp2p.core.testing.TestTracks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChunkCacheTest {
  private static final int CHUNK = Manifest.CHUNK_SIZE;
  private static final long BIG = 100L << 20;

  @TempDir Path dir;

  // Moves one millisecond at every read, so that every access has a time of its own.
  private final Clock clock =
      FakeClock.atWallMillis(1_790_000_000_000L).autoAdvance(Duration.ofMillis(1)).wallClock();

  private static byte[] bytes(int size, long seed) {
    byte[] b = new byte[size];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  private static Manifest manifest(byte[] track) throws IOException {
    return TestTracks.manifest(track);
  }

  private ChunkCache open(long bound) throws IOException {
    return ChunkCache.open(dir, bound, clock, ChunkCache.Storage.DEFAULT);
  }

  private static void writeAll(ChunkCache cache, Manifest m, byte[] track) throws IOException {
    for (int i = 0; i < m.chunkCount(); i++) {
      assertThat(cache.writeChunk(m.trackId(), i, track, i * CHUNK, m.chunkLength(i))).isTrue();
    }
  }

  private static byte[] read(ChunkCache cache, TrackId id, int index) throws IOException {
    byte[] buf = new byte[CHUNK];
    int n = cache.readChunk(id, index, buf, 0);
    return n < 0 ? null : java.util.Arrays.copyOf(buf, n);
  }

  @Test
  void storesVerifiedChunksAndServesThemBack() throws IOException {
    byte[] track = bytes(3 * CHUNK + 100, 1);
    Manifest m = manifest(track);
    try (ChunkCache cache = open(BIG)) {
      cache.put(m);
      writeAll(cache, m, track);

      assertThat(cache.isComplete(m.trackId())).isTrue();
      assertThat(read(cache, m.trackId(), 3)).isEqualTo(java.util.Arrays.copyOfRange(track, 3 * CHUNK, track.length));
      assertThat(cache.usedBytes()).isEqualTo(track.length + ChunkCache.TRACK_OVERHEAD);
      assertThat(cache.manifest(m.trackId())).isEqualTo(m);
    }
  }

  @Test
  void refusesBytesThatAreNotTheChunk() throws IOException {
    byte[] track = bytes(2 * CHUNK, 2);
    Manifest m = manifest(track);
    try (ChunkCache cache = open(BIG)) {
      cache.put(m);
      byte[] wrong = track.clone();
      wrong[10] ^= 1;

      assertThat(cache.writeChunk(m.trackId(), 0, wrong, 0, CHUNK)).isFalse();
      assertThat(cache.availability(m.trackId()).isEmpty()).isTrue();
      assertThat(read(cache, m.trackId(), 0)).isNull();
    }
  }

  @Test
  void partialTrackResumesAfterRestart() throws IOException {
    byte[] track = bytes(5 * CHUNK, 3);
    Manifest m = manifest(track);
    try (ChunkCache cache = open(BIG)) {
      cache.put(m);
      cache.writeChunk(m.trackId(), 1, track, CHUNK, CHUNK);
      cache.writeChunk(m.trackId(), 3, track, 3 * CHUNK, CHUNK);
    }
    try (ChunkCache reopened = open(BIG)) {
      assertThat(reopened.tracks()).containsExactly(m.trackId());
      assertThat(reopened.availability(m.trackId()).stream()).containsExactly(1, 3);
      assertThat(read(reopened, m.trackId(), 3)).isEqualTo(java.util.Arrays.copyOfRange(track, 3 * CHUNK, 4 * CHUNK));
      assertThat(reopened.usedBytes()).isEqualTo(2L * CHUNK + ChunkCache.TRACK_OVERHEAD);
    }
  }

  @Test
  void aBatchIsWrittenThenRecordedInOneJournalWriteAndACorruptChunkIsLeftOut() throws IOException {
    byte[] track = bytes(4 * CHUNK, 5);
    Manifest m = manifest(track);
    AtomicInteger writes = new AtomicInteger();
    ChunkCache.Storage counting = (channel, data, position) -> {
      writes.incrementAndGet();
      ChunkCache.Storage.DEFAULT.write(channel, data, position);
    };
    byte[] corrupt = java.util.Arrays.copyOfRange(track, 3 * CHUNK, 4 * CHUNK);
    corrupt[7] ^= 1;
    try (ChunkCache cache = ChunkCache.open(dir, BIG, clock, counting)) {
      cache.put(m);
      int verified = cache.writeChunks(m.trackId(), List.of(
          new ChunkCache.Chunk(0, track, 0, CHUNK), new ChunkCache.Chunk(2, track, 2 * CHUNK, CHUNK),
          new ChunkCache.Chunk(3, corrupt, 0, CHUNK), new ChunkCache.Chunk(1, track, CHUNK, CHUNK)));

      assertThat(verified).isEqualTo(3);
      assertThat(writes.get()).as("three chunks' bytes, then one journal write").isEqualTo(4);
      assertThat(cache.availability(m.trackId()).stream()).containsExactly(0, 1, 2);
      // Held already: nothing is written again.
      assertThat(cache.writeChunks(m.trackId(), List.of(new ChunkCache.Chunk(1, track, CHUNK, CHUNK))))
          .isEqualTo(1);
      assertThat(writes.get()).isEqualTo(4);
    }
    try (ChunkCache reopened = open(BIG)) {
      assertThat(reopened.availability(m.trackId()).stream()).containsExactly(0, 1, 2);
    }
  }

  @Test
  void aCrashBeforeABatchIsRecordedLosesTheBatchAndRecordsNoneOfIt() throws IOException {
    byte[] track = bytes(4 * CHUNK, 6);
    Manifest m = manifest(track);
    AtomicInteger writes = new AtomicInteger();
    ChunkCache.Storage crashOnTheJournal = (channel, data, position) -> {
      if (writes.incrementAndGet() == 3) { // the batch's journal records: its bytes are on disk
        throw new IOException("process killed");
      }
      ChunkCache.Storage.DEFAULT.write(channel, data, position);
    };
    try (ChunkCache cache = ChunkCache.open(dir, BIG, clock, crashOnTheJournal)) {
      cache.put(m);
      assertThatThrownBy(() -> cache.writeChunks(m.trackId(), List.of(
          new ChunkCache.Chunk(0, track, 0, CHUNK), new ChunkCache.Chunk(1, track, CHUNK, CHUNK))))
          .isInstanceOf(IOException.class).hasMessageContaining("process killed");
      assertThat(cache.availability(m.trackId()).stream()).isEmpty();
    }
    try (ChunkCache reopened = open(BIG)) {
      assertThat(reopened.availability(m.trackId()).stream()).isEmpty();
      writeAll(reopened, m, track);
      assertThat(reopened.isComplete(m.trackId())).isTrue();
    }
  }

  @Test
  void crashBeforeTheJournalRecordLosesOnlyTheChunkInFlight() throws IOException {
    byte[] track = bytes(4 * CHUNK, 4);
    Manifest m = manifest(track);
    AtomicInteger writes = new AtomicInteger();
    ChunkCache.Storage crashOnFourthWrite = (channel, data, position) -> {
      if (writes.incrementAndGet() == 4) { // chunk 1's journal record: its data is already on disk
        throw new IOException("process killed");
      }
      ChunkCache.Storage.DEFAULT.write(channel, data, position);
    };
    try (ChunkCache cache = ChunkCache.open(dir, BIG, clock, crashOnFourthWrite)) {
      cache.put(m);
      cache.writeChunk(m.trackId(), 0, track, 0, CHUNK);
      assertThatThrownBy(() -> cache.writeChunk(m.trackId(), 1, track, CHUNK, CHUNK))
          .isInstanceOf(IOException.class).hasMessageContaining("process killed");
    }
    try (ChunkCache reopened = open(BIG)) {
      assertThat(reopened.availability(m.trackId()).stream()).containsExactly(0);
      writeAll(reopened, m, track);
      assertThat(reopened.isComplete(m.trackId())).isTrue();
    }
  }

  @Test
  void tornJournalTailIsIgnoredAndOverwritten() throws IOException {
    byte[] track = bytes(3 * CHUNK, 5);
    Manifest m = manifest(track);
    Path journal;
    try (ChunkCache cache = open(BIG)) {
      cache.put(m);
      cache.writeChunk(m.trackId(), 2, track, 2 * CHUNK, CHUNK);
      journal = dir.resolve("tracks").resolve(m.trackId().toString()).resolve(ChunkCache.JOURNAL);
    }
    Files.write(journal, new byte[] {0, 0}, StandardOpenOption.APPEND); // half a record
    try (ChunkCache reopened = open(BIG)) {
      assertThat(reopened.availability(m.trackId()).stream()).containsExactly(2);
      reopened.writeChunk(m.trackId(), 0, track, 0, CHUNK);
    }
    try (ChunkCache again = open(BIG)) {
      assertThat(again.availability(m.trackId()).stream()).containsExactly(0, 2);
    }
  }

  @Test
  void aChunkFoundDamagedIsNotAdvertisedAfterARestartUntilItIsFetchedAgain() throws IOException {
    byte[] track = bytes(3 * CHUNK, 8);
    Manifest m = manifest(track);
    try (ChunkCache cache = open(BIG)) {
      cache.put(m);
      writeAll(cache, m, track);
    }
    Path data = dir.resolve("tracks").resolve(m.trackId().toString()).resolve(ChunkCache.DATA);
    try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {42}), 2L * CHUNK + 3);
    }
    try (ChunkCache reopened = open(BIG)) {
      assertThat(reopened.availability(m.trackId()).stream()).containsExactly(0, 1, 2);
      assertThat(read(reopened, m.trackId(), 2)).isNull();
      assertThat(reopened.isComplete(m.trackId())).isFalse();
    }
    try (ChunkCache again = open(BIG)) {
      assertThat(again.availability(m.trackId()).stream()).as("after a restart")
          .containsExactly(0, 1);
      assertThat(again.writeChunk(m.trackId(), 2, track, 2 * CHUNK, CHUNK)).isTrue();
    }
    try (ChunkCache whole = open(BIG)) {
      assertThat(whole.availability(m.trackId()).stream()).containsExactly(0, 1, 2);
      assertThat(read(whole, m.trackId(), 2))
          .isEqualTo(java.util.Arrays.copyOfRange(track, 2 * CHUNK, 3 * CHUNK));
    }
  }

  @Test
  void chunkDamagedOnDiskIsDroppedNeverServed() throws IOException {
    byte[] track = bytes(2 * CHUNK, 6);
    Manifest m = manifest(track);
    try (ChunkCache cache = open(BIG)) {
      cache.put(m);
      writeAll(cache, m, track);
    }
    Path data = dir.resolve("tracks").resolve(m.trackId().toString()).resolve(ChunkCache.DATA);
    try (FileChannel ch = FileChannel.open(data, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {42}), CHUNK + 7);
    }
    try (ChunkCache reopened = open(BIG)) {
      assertThat(read(reopened, m.trackId(), 1)).isNull();
      assertThat(reopened.availability(m.trackId()).stream()).containsExactly(0);
      assertThat(read(reopened, m.trackId(), 0)).isEqualTo(java.util.Arrays.copyOf(track, CHUNK));
      // Fetched again, it is whole again.
      assertThat(reopened.writeChunk(m.trackId(), 1, track, CHUNK, CHUNK)).isTrue();
      assertThat(read(reopened, m.trackId(), 1)).isEqualTo(java.util.Arrays.copyOfRange(track, CHUNK, 2 * CHUNK));
    }
  }

  @Test
  void evictsTheLeastRecentlyPlayedTrackToStayWithinTheBound() throws IOException {
    long bound = 2 * (2L * CHUNK + ChunkCache.TRACK_OVERHEAD);
    byte[] a = bytes(2 * CHUNK, 7);
    byte[] b = bytes(2 * CHUNK, 8);
    byte[] c = bytes(2 * CHUNK, 9);
    Manifest ma = manifest(a);
    Manifest mb = manifest(b);
    Manifest mc = manifest(c);
    try (ChunkCache cache = open(bound)) {
      cache.put(ma);
      writeAll(cache, ma, a);
      cache.put(mb);
      writeAll(cache, mb, b);
      cache.markPlayed(ma.trackId()); // b is now the least recently played

      cache.put(mc);
      writeAll(cache, mc, c);

      assertThat(cache.tracks()).containsExactlyInAnyOrder(ma.trackId(), mc.trackId());
      assertThat(cache.usedBytes()).isLessThanOrEqualTo(bound);
    }
    try (ChunkCache reopened = open(bound)) {
      assertThat(reopened.tracks()).containsExactlyInAnyOrder(ma.trackId(), mc.trackId());
    }
  }

  @Test
  void leasedTracksAreNotEvictedAndAFullCacheIsAClearError() throws IOException {
    long bound = 2L * CHUNK + 2 * ChunkCache.TRACK_OVERHEAD + CHUNK / 2;
    byte[] a = bytes(2 * CHUNK, 10);
    byte[] b = bytes(CHUNK, 11);
    Manifest ma = manifest(a);
    Manifest mb = manifest(b);
    try (ChunkCache cache = open(bound)) {
      cache.put(ma);
      writeAll(cache, ma, a);
      try (ChunkCache.Lease playing = cache.lease(ma.trackId())) {
        cache.put(mb);
        assertThatThrownBy(() -> cache.writeChunk(mb.trackId(), 0, b, 0, CHUNK))
            .isInstanceOf(CacheFullException.class)
            .hasMessageContaining(dir.toString())
            .hasMessageContaining("being played or fetched");
        assertThat(cache.isComplete(ma.trackId())).isTrue();
      }
      // The lease is released: the older track can now make room.
      assertThat(cache.writeChunk(mb.trackId(), 0, b, 0, CHUNK)).isTrue();
      assertThat(cache.tracks()).containsExactly(mb.trackId());
    }
  }

  @Test
  void fullDiskIsAClearErrorThatLosesNothingStored() throws IOException {
    byte[] track = bytes(3 * CHUNK, 12);
    Manifest m = manifest(track);
    AtomicInteger writes = new AtomicInteger();
    ChunkCache.Storage fillsUp = (channel, data, position) -> {
      if (writes.incrementAndGet() > 2) {
        throw new IOException("No space left on device");
      }
      ChunkCache.Storage.DEFAULT.write(channel, data, position);
    };
    try (ChunkCache cache = ChunkCache.open(dir, BIG, clock, fillsUp)) {
      cache.put(m);
      cache.writeChunk(m.trackId(), 0, track, 0, CHUNK);
      long used = cache.usedBytes();

      assertThatThrownBy(() -> cache.writeChunk(m.trackId(), 1, track, CHUNK, CHUNK))
          .isInstanceOf(CacheFullException.class)
          .hasMessageContaining("the disk is full")
          .hasMessageContaining(dir.toString());
      assertThat(cache.usedBytes()).isEqualTo(used);
      assertThat(read(cache, m.trackId(), 0)).isEqualTo(java.util.Arrays.copyOf(track, CHUNK));
    }
    try (ChunkCache reopened = open(BIG)) {
      assertThat(reopened.availability(m.trackId()).stream()).containsExactly(0);
    }
  }

  @Test
  void damagedTrackFolderIsRemovedOnOpenAndTheRestLoads() throws IOException {
    byte[] good = bytes(CHUNK, 13);
    byte[] bad = bytes(CHUNK, 14);
    Manifest mg = manifest(good);
    Manifest mbad = manifest(bad);
    try (ChunkCache cache = open(BIG)) {
      cache.put(mg);
      writeAll(cache, mg, good);
      cache.put(mbad);
    }
    Files.write(dir.resolve("tracks").resolve(mbad.trackId().toString()).resolve(ChunkCache.MANIFEST),
        new byte[] {1, 2, 3});
    Files.createDirectories(dir.resolve("tracks").resolve("not-a-track"));
    try (ChunkCache reopened = open(BIG)) {
      assertThat(reopened.tracks()).containsExactly(mg.trackId());
      assertThat(Files.exists(dir.resolve("tracks").resolve(mbad.trackId().toString()))).isFalse();
    }
  }

  @Test
  void concurrentWritersAndReadersKeepEveryChunkIntact() throws Exception {
    List<byte[]> tracks = new ArrayList<>();
    List<Manifest> manifests = new ArrayList<>();
    for (int t = 0; t < 3; t++) {
      tracks.add(bytes(8 * CHUNK + t, 20 + t));
      manifests.add(manifest(tracks.get(t)));
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (ChunkCache cache = open(BIG)) {
      for (Manifest m : manifests) {
        cache.put(m);
      }
      List<Future<?>> work = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int worker = w;
        work.add(pool.submit(() -> {
          for (int t = 0; t < 3; t++) {
            Manifest m = manifests.get(t);
            for (int k = 0; k < m.chunkCount(); k++) {
              int i = (k + worker * 3) % m.chunkCount();
              cache.writeChunk(m.trackId(), i, tracks.get(t), i * CHUNK, m.chunkLength(i));
              byte[] got = read(cache, m.trackId(), i);
              assertThat(got).isEqualTo(java.util.Arrays.copyOfRange(tracks.get(t), i * CHUNK, i * CHUNK + m.chunkLength(i)));
            }
          }
          return null;
        }));
      }
      for (Future<?> f : work) {
        f.get(30, TimeUnit.SECONDS);
      }
      for (Manifest m : manifests) {
        assertThat(cache.isComplete(m.trackId())).isTrue();
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
