package io.loudp2p.core.peer;

import io.loudp2p.TrackId;
import io.loudp2p.core.content.ChunkCache;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.internal.ThrottledLog;
import io.loudp2p.core.stream.internal.RealStreamSession;
import java.io.IOException;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the chunks a stream session verified to the cache on the disk executor, in batches of
 * what arrived meanwhile (at most {@link #MAX_BATCH}): each batch is flushed to disk twice in all
 * ({@link ChunkCache#writeChunks}), so the cache keeps up with a fast network instead of queueing
 * chunks that a killed process would lose. One writer per session; thread-safe.
 */
final class CacheWriter implements RealStreamSession.ChunkSink {
  /** Chunks written in one batch at most: 1 MiB. */
  static final int MAX_BATCH = 64;

  private static final Logger log = LoggerFactory.getLogger(Loggers.CACHE);
  private static final ThrottledLog throttled = new ThrottledLog(log);

  private final ChunkCache cache;
  private final TrackId track;
  private final BitSet have;
  private final Executor disk;
  private final ConcurrentLinkedQueue<ChunkCache.Chunk> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  /**
   * @param have the chunks the cache held already when the session started: not written again
   */
  CacheWriter(ChunkCache cache, TrackId track, BitSet have, Executor disk) {
    this.cache = cache;
    this.track = track;
    this.have = have;
    this.disk = disk;
  }

  @Override
  public void onVerifiedChunk(int index, byte[] data, int length) {
    if (have.get(index)) {
      return;
    }
    pending.add(new ChunkCache.Chunk(index, data, 0, length));
    schedule();
  }

  private void schedule() {
    if (!scheduled.compareAndSet(false, true)) {
      return; // a batch is due and will take this chunk
    }
    try {
      disk.execute(this::drain);
    } catch (RejectedExecutionException e) {
      log.debug("not caching {} chunks of {}: the peer is closing", pending.size(), track);
      pending.clear();
      scheduled.set(false);
    }
  }

  private void drain() {
    List<ChunkCache.Chunk> batch = new ArrayList<>();
    for (ChunkCache.Chunk c; batch.size() < MAX_BATCH && (c = pending.poll()) != null; ) {
      batch.add(c);
    }
    scheduled.set(false);
    if (!pending.isEmpty()) {
      schedule(); // what came meanwhile, or past the batch's bound, goes in the next batch
    }
    if (batch.isEmpty()) {
      return;
    }
    try {
      cache.writeChunks(track, batch);
    } catch (IOException | IllegalStateException e) {
      throttled.warn("cannot cache {} chunks of {}: {}", batch.size(), track, e.getMessage());
    }
  }
}
