package io.loudp2p;

import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * What happened in a {@link StreamSession} so far: startup latency, stalls, and bytes.
 *
 * <p>Immutable.
 */
public final class StreamStats {
  private final @Nullable Duration timeToFirstByte;
  private final int stalls;
  private final Duration stalledTime;
  private final long verifiedBytes;
  private final long redundantBytes;
  private final int rejectedChunks;

  /** Makes a snapshot. */
  public StreamStats(@Nullable Duration timeToFirstByte, int stalls, Duration stalledTime,
      long verifiedBytes, long redundantBytes, int rejectedChunks) {
    this.timeToFirstByte = timeToFirstByte;
    this.stalls = stalls;
    this.stalledTime = Objects.requireNonNull(stalledTime, "stalledTime");
    this.verifiedBytes = verifiedBytes;
    this.redundantBytes = redundantBytes;
    this.rejectedChunks = rejectedChunks;
  }

  /** From the session's start to its first verified bytes; null before they arrive. */
  public @Nullable Duration timeToFirstByte() {
    return timeToFirstByte;
  }

  /** How often the reader waited for bytes after playback had started. */
  public int stalls() {
    return stalls;
  }

  /** How long the reader waited in all, after playback had started. */
  public Duration stalledTime() {
    return stalledTime;
  }

  /** Bytes fetched and verified. */
  public long verifiedBytes() {
    return verifiedBytes;
  }

  /** Bytes received more than once (duplicate requests near a deadline) or thrown away. */
  public long redundantBytes() {
    return redundantBytes;
  }

  /** Chunks that failed verification. */
  public int rejectedChunks() {
    return rejectedChunks;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof StreamStats)) {
      return false;
    }
    StreamStats s = (StreamStats) o;
    return Objects.equals(timeToFirstByte, s.timeToFirstByte) && stalls == s.stalls
        && stalledTime.equals(s.stalledTime) && verifiedBytes == s.verifiedBytes
        && redundantBytes == s.redundantBytes && rejectedChunks == s.rejectedChunks;
  }

  @Override
  public int hashCode() {
    return Objects.hash(timeToFirstByte, stalls, stalledTime, verifiedBytes, redundantBytes,
        rejectedChunks);
  }

  @Override
  public String toString() {
    return "StreamStats{ttfb=" + (timeToFirstByte == null ? "-" : timeToFirstByte.toMillis() + " ms")
        + ", stalls=" + stalls + " (" + stalledTime.toMillis() + " ms), verified=" + verifiedBytes
        + ", redundant=" + redundantBytes + ", rejected=" + rejectedChunks + "}";
  }
}
