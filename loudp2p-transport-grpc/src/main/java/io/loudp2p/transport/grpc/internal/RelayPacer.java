package io.loudp2p.transport.grpc.internal;

import java.util.function.LongSupplier;

/**
 * A token bucket: {@code bytesPerSecond} refill up to {@code burstBytes}. Not thread-safe: its
 * owner, a {@link RelaySplice} direction, calls it under the splice's lock.
 */
final class RelayPacer {
  private final long bytesPerSecond;
  private final long burstBytes;
  private final LongSupplier nanoTime;
  private double tokens;
  private long lastNs;

  RelayPacer(long bytesPerSecond, long burstBytes, LongSupplier nanoTime) {
    this.bytesPerSecond = bytesPerSecond;
    this.burstBytes = burstBytes;
    this.nanoTime = nanoTime;
    this.tokens = burstBytes;
    this.lastNs = nanoTime.getAsLong();
  }

  /** Takes {@code bytes} sent; the nanoseconds to wait before the next send (0: none). */
  long take(long bytes) {
    long now = nanoTime.getAsLong();
    tokens = Math.min(burstBytes, tokens + (now - lastNs) * (double) bytesPerSecond / 1e9);
    lastNs = now;
    tokens -= bytes;
    return tokens >= 0 ? 0 : (long) Math.ceil(-tokens * 1e9 / bytesPerSecond);
  }
}
