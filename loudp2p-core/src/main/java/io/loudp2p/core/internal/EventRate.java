package io.loudp2p.core.internal;

/**
 * Counts events over a sliding window of whole seconds in fixed memory: one counter a second in a
 * ring, however many events come. Time is passed in, in milliseconds.
 *
 * <p>Thread-safe.
 */
public final class EventRate {
  private final int[] counts;
  private final long[] seconds;

  /** Counts over the last {@code windowSeconds} seconds (the current one included). */
  public EventRate(int windowSeconds) {
    if (windowSeconds < 1) {
      throw new IllegalArgumentException("window must be at least a second: " + windowSeconds);
    }
    counts = new int[windowSeconds];
    seconds = new long[windowSeconds];
    java.util.Arrays.fill(seconds, Long.MIN_VALUE);
  }

  /** Counts one event at {@code nowMs}. */
  public synchronized void record(long nowMs) {
    long second = Math.floorDiv(nowMs, 1000);
    int slot = (int) Math.floorMod(second, (long) counts.length);
    if (seconds[slot] != second) {
      seconds[slot] = second;
      counts[slot] = 0;
    }
    if (counts[slot] < Integer.MAX_VALUE) {
      counts[slot]++;
    }
  }

  /** Events in the window that ends at {@code nowMs}. */
  public synchronized long count(long nowMs) {
    long second = Math.floorDiv(nowMs, 1000);
    long total = 0;
    for (int i = 0; i < counts.length; i++) {
      if (seconds[i] > second - counts.length && seconds[i] <= second) {
        total += counts[i];
      }
    }
    return total;
  }
}
