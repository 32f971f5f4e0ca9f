package io.loudp2p.core.internal;

import java.util.function.LongSupplier;

/**
 * A token bucket per key: each key may do {@code burst} things at once and {@code perSecond} a
 * second on average. Remembers at most {@code maxKeys} keys, the least recently seen forgotten
 * first (a forgotten key starts again with a full bucket). Time comes from a nanosecond clock
 * passed in.
 *
 * <p>Thread-safe.
 */
public final class RateLimiter<K> {
  private final double perNano;
  private final double burst;
  private final LongSupplier clock;
  private final LruMap<K, Bucket> buckets;

  private static final class Bucket {
    double tokens;
    long lastNs;

    Bucket(double tokens, long lastNs) {
      this.tokens = tokens;
      this.lastNs = lastNs;
    }
  }

  /**
   * @param perSecond tokens added each second
   * @param burst the most tokens a bucket holds
   * @param maxKeys the most keys remembered
   * @param clock nanoseconds ({@code System::nanoTime} in production)
   */
  public RateLimiter(double perSecond, int burst, int maxKeys, LongSupplier clock) {
    if (!(perSecond > 0) || burst < 1) {
      throw new IllegalArgumentException("rate and burst must be positive");
    }
    this.perNano = perSecond / 1e9;
    this.burst = burst;
    this.clock = clock;
    this.buckets = new LruMap<>(maxKeys);
  }

  /** Takes a token from {@code key}'s bucket; false when it is empty. */
  public synchronized boolean tryAcquire(K key) {
    long now = clock.getAsLong();
    Bucket b = buckets.get(key);
    if (b == null) {
      b = new Bucket(burst, now);
      buckets.put(key, b);
    } else {
      b.tokens = Math.min(burst, b.tokens + Math.max(0, now - b.lastNs) * perNano);
      b.lastNs = now;
    }
    if (b.tokens < 1) {
      return false;
    }
    b.tokens -= 1;
    return true;
  }
}
