package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.content.ChunkCache;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.testing.TestTracks;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The chunks a session verified reach the cache in batches of what arrived while the disk was
 * busy, at most 64 chunks a batch (the cache flushes each batch's bytes, then its records, once).
 */
class CacheWriterTest {
  private static final int CHUNK = Manifest.CHUNK_SIZE;
  @TempDir Path dir;

  @Test
  void chunksThatArriveWhileTheDiskIsBusyAreWrittenAsOneBatch() throws Exception {
    byte[] track = new byte[70 * CHUNK];
    new SplittableRandom(3).nextBytes(track);
    Manifest m = TestTracks.manifest(track);
    ArrayDeque<Runnable> disk = new ArrayDeque<>();
    AtomicInteger batches = new AtomicInteger();
    BitSet had = new BitSet();
    had.set(5); // held before the session: not written again
    try (ChunkCache cache = ChunkCache.open(dir, 1L << 30)) {
      cache.put(m);
      CacheWriter writer = new CacheWriter(cache, m.trackId(), had, disk::add);

      for (int i = 0; i < 3; i++) {
        writer.onVerifiedChunk(i, java.util.Arrays.copyOfRange(track, i * CHUNK, (i + 1) * CHUNK), CHUNK);
      }
      assertThat(disk).as("one batch is due for all three").hasSize(1);
      disk.poll().run();
      assertThat(disk).as("nothing left for another batch").isEmpty();
      assertThat(cache.availability(m.trackId()).cardinality()).isEqualTo(3);

      for (int i = 3; i < 70; i++) {
        writer.onVerifiedChunk(i, java.util.Arrays.copyOfRange(track, i * CHUNK, (i + 1) * CHUNK), CHUNK);
      }
      while (!disk.isEmpty()) {
        disk.poll().run();
        batches.incrementAndGet();
      }
      // 66 new chunks (5 was held): a batch of 64, then one of the 2 left.
      assertThat(batches.get()).isEqualTo(2);
      assertThat(cache.availability(m.trackId()).cardinality()).isEqualTo(69);
      assertThat(cache.availability(m.trackId()).get(5)).isFalse();
    }
  }

  @Test
  void aWriterWhoseDiskRefusesWorkDropsItsChunksAndCanBeGivenMore() throws Exception {
    byte[] track = new byte[2 * CHUNK];
    new SplittableRandom(4).nextBytes(track);
    Manifest m = TestTracks.manifest(track);
    boolean[] refusing = {true};
    ArrayDeque<Runnable> disk = new ArrayDeque<>();
    try (ChunkCache cache = ChunkCache.open(dir, 1L << 30)) {
      cache.put(m);
      CacheWriter writer = new CacheWriter(cache, m.trackId(), new BitSet(), r -> {
        if (refusing[0]) {
          throw new java.util.concurrent.RejectedExecutionException("closing");
        }
        disk.add(r);
      });
      writer.onVerifiedChunk(0, java.util.Arrays.copyOfRange(track, 0, CHUNK), CHUNK);
      refusing[0] = false;
      writer.onVerifiedChunk(1, java.util.Arrays.copyOfRange(track, CHUNK, 2 * CHUNK), CHUNK);
      disk.poll().run();
      assertThat(cache.availability(m.trackId()).stream()).containsExactly(1);
    }
  }
}
