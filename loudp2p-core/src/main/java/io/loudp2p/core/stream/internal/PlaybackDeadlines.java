package io.loudp2p.core.stream.internal;

import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.CHUNK_LENGTH;
import static io.loudp2p.core.stream.internal.DefaultChunkScheduler.NANOS_PER_SECOND;

/**
 * When each chunk of a track is due for playback, and how far ahead of playback a {@link
 * DefaultChunkScheduler} asks for chunks.
 *
 * <p>The deadline of a chunk is {@code anchor + (offset(chunk) - offset(position)) / bitrate}. The
 * anchor is the time playback was last reported at the start of the position chunk; before
 * playback starts, and after a seek, it is the time asked about, so that every chunk is due at
 * once. Chunks due within the window are fetched by deadline, those due within the buffer are
 * prefetched. Owned by its scheduler; not thread-safe.
 */
final class PlaybackDeadlines {
  private final long bitrateBytesPerSecond;
  private final long windowNs;
  private final long bufferNs;

  private int position;
  private long anchorNs;
  private boolean playing;

  /**
   * Creates the deadlines of a track played at {@code bitrateBytesPerSecond}, fetched by deadline
   * {@code windowNs} ahead and prefetched {@code bufferNs} ahead, before playback starts.
   */
  PlaybackDeadlines(long bitrateBytesPerSecond, long windowNs, long bufferNs) {
    this.bitrateBytesPerSecond = bitrateBytesPerSecond;
    this.windowNs = windowNs;
    this.bufferNs = bufferNs;
  }

  /** Returns the chunk playback is at, or resumes from after a seek. */
  int position() {
    return position;
  }

  /** Playback reached the start of {@code chunk} at {@code nowNs}: the chunk is the new anchor. */
  void reached(int chunk, long nowNs) {
    position = chunk;
    anchorNs = nowNs;
    playing = true;
  }

  /** Playback moved to {@code chunk} at {@code nowNs} and waits for it to arrive. */
  void seek(int chunk, long nowNs) {
    position = chunk;
    anchorNs = nowNs;
    playing = false;
  }

  /** Returns the playback deadline of {@code chunk} as of {@code nowNs}. */
  long deadlineNs(int chunk, long nowNs) {
    long anchor = playing ? anchorNs : nowNs;
    long bytesAhead = ((long) chunk - position) * CHUNK_LENGTH;
    return anchor + bytesAhead * NANOS_PER_SECOND / bitrateBytesPerSecond;
  }

  /** Returns the latest deadline of a chunk fetched by deadline as of {@code nowNs}. */
  long windowEndNs(long nowNs) {
    return nowNs + windowNs;
  }

  /** Returns the latest deadline of a chunk asked for at all as of {@code nowNs}. */
  long bufferEndNs(long nowNs) {
    return nowNs + bufferNs;
  }
}
