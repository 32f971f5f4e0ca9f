package io.loudp2p.core.stream.internal;

import io.loudp2p.StreamStats;
import io.loudp2p.core.content.Manifest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What a {@link StreamSessionAgent} counts for its statistics: when the first chunk verified,
 * which source each chunk's copy came from, the bytes that arrived twice or unwanted, the chunks
 * rejected, and each source's bytes, chunks and rates (kept on its {@link SessionSource}).
 *
 * <p>Threading: fragments are counted on the transport threads that deliver them and rejected
 * chunks under the buffer's lock; the first byte's time and the sources' rates are set on the
 * agent thread. Everything may be read from any thread.
 */
final class SessionTally {
  private final Manifest manifest;
  private final long startNs;
  /** For each chunk, the index of the source whose copy of it verified last, or -1. */
  private final AtomicIntegerArray origins;
  private final AtomicLong redundantBytes = new AtomicLong();
  private final AtomicInteger rejectedChunks = new AtomicInteger();
  private final AtomicBoolean started = new AtomicBoolean();
  private volatile long firstByteNs = -1;

  /** Makes the tally of a session of {@code manifest}'s track that started at {@code startNs}. */
  SessionTally(Manifest manifest, long startNs) {
    this.manifest = manifest;
    this.startNs = startNs;
    this.origins = new AtomicIntegerArray(manifest.chunkCount());
    for (int i = 0; i < manifest.chunkCount(); i++) {
      origins.set(i, -1);
    }
  }

  /**
   * Counts what became of a fragment of {@code length} bytes of {@code chunkIndex} from {@code
   * source}: a chunk it completed goes to the source's counts and makes the source its origin; a
   * duplicate or unwanted fragment counts as redundant bytes. On a transport thread.
   *
   * @return whether the fragment completed the session's first verified chunk
   */
  boolean countFragment(
      SessionSource source, int chunkIndex, int length, Reassembler.Outcome outcome) {
    switch (outcome) {
      case COMPLETED:
        source.bytes += manifest.chunkLength(chunkIndex);
        source.chunks++;
        origins.set(chunkIndex, source.index);
        return started.compareAndSet(false, true);
      case DUPLICATE:
      case NOT_WANTED:
        redundantBytes.addAndGet(length);
        return false;
      default:
        return false;
    }
  }

  /** Counts a chunk dropped for failing verification or conflicting overlaps; any thread. */
  void countRejectedChunk() {
    rejectedChunks.incrementAndGet();
  }

  /** Records when the first chunk verified; on the agent thread. */
  void firstByteAt(long nowNs) {
    firstByteNs = nowNs;
  }

  /** Copies the scheduler's round-trip and rate estimates to each active source; agent thread. */
  void sampleRates(List<SessionSource> sources, ChunkScheduler scheduler) {
    for (SessionSource s : sources) {
      if (s.active) {
        s.rttNs = scheduler.smoothedRttNs(s.index);
        s.bytesPerSecond = (long) scheduler.throughputBytesPerSecond(s.index);
      }
    }
  }

  /** The index of the source whose copy of {@code chunk} verified last, or -1; any thread. */
  int origin(int chunk) {
    return origins.get(chunk);
  }

  /** Whether a first chunk was verified (playback can begin); any thread. */
  boolean started() {
    return started.get();
  }

  /** The session's counters over {@code sources}, with the reader's stalls as given. */
  StreamStats stats(List<SessionSource> sources, int stalls, long stalledNs) {
    long first = firstByteNs;
    long verified = 0;
    for (SessionSource s : sources) {
      verified += s.bytes;
    }
    return new StreamStats(first < 0 ? null : Duration.ofNanos(first - startNs), stalls,
        Duration.ofNanos(stalledNs), verified, redundantBytes.get(), rejectedChunks.get());
  }
}
