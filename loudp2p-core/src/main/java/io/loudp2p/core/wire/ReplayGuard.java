package io.loudp2p.core.wire;

import java.util.Arrays;
import java.util.HashSet;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * Remembers (sender, nonce) pairs of accepted messages so that a replay is refused.
 *
 * <p>Messages older than the skew window are refused as stale anyway, so a pair only needs to be
 * remembered until its timestamp leaves the window. Memory is bounded: when {@code capacity}
 * pairs are held, the one with the oldest timestamp is forgotten and the acceptance floor rises
 * to its timestamp, so a forgotten pair can never be accepted again (it is refused as stale). Under
 * a flood the window shrinks; it never lets a replay through.
 *
 * <p>Thread-safe.
 */
final class ReplayGuard {
  private final int capacity;
  private final Set<Key> seen = new HashSet<>();
  private final PriorityQueue<Key> byTime =
      new PriorityQueue<>((a, b) -> Long.compare(a.timestampMs, b.timestampMs));
  private long floorMs = Long.MIN_VALUE;

  ReplayGuard(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("replay memory capacity must be positive: " + capacity);
    }
    this.capacity = capacity;
  }

  enum Verdict {
    ACCEPTED,
    REPLAYED,
    BELOW_FLOOR
  }

  /**
   * Records the pair unless it was seen; forgets pairs older than {@code oldestAcceptedMs}.
   *
   * @param oldestAcceptedMs the oldest timestamp the skew window still accepts
   */
  synchronized Verdict check(byte[] sender, byte[] nonce, long timestampMs, long oldestAcceptedMs) {
    while (!byTime.isEmpty() && byTime.peek().timestampMs < oldestAcceptedMs) {
      seen.remove(byTime.poll());
    }
    if (timestampMs <= floorMs) {
      return Verdict.BELOW_FLOOR;
    }
    Key key = new Key(sender, nonce, timestampMs);
    if (!seen.add(key)) {
      return Verdict.REPLAYED;
    }
    byTime.add(key);
    while (seen.size() > capacity) {
      Key evicted = byTime.poll();
      seen.remove(evicted);
      floorMs = Math.max(floorMs, evicted.timestampMs);
    }
    if (key.timestampMs <= floorMs) {
      // The new pair itself was the oldest and has just been forgotten: refuse it as well.
      return Verdict.BELOW_FLOOR;
    }
    return Verdict.ACCEPTED;
  }

  synchronized int size() {
    return seen.size();
  }

  /** Identity is sender and nonce; the timestamp rides along for expiry. */
  private static final class Key {
    final byte[] sender;
    final byte[] nonce;
    final long timestampMs;
    final int hash;

    Key(byte[] sender, byte[] nonce, long timestampMs) {
      this.sender = sender;
      this.nonce = nonce;
      this.timestampMs = timestampMs;
      this.hash = 31 * Arrays.hashCode(sender) + Arrays.hashCode(nonce);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Key
          && Arrays.equals(nonce, ((Key) o).nonce)
          && Arrays.equals(sender, ((Key) o).sender);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }
}
