package io.loudp2p.transport.udp.internal;

import java.nio.ByteBuffer;

/**
 * Remembers which packet numbers arrived, as a bounded list of ranges, and decides when to send an
 * ACK frame: after {@link #ACK_EVERY} ack-eliciting packets, after the maximum ACK delay, or at
 * once when a packet arrives out of order. Not thread-safe; times are passed in.
 */
public final class AckTracker {
  /**
   * Ack-eliciting packets that trigger an ACK at once. Ten rather than QUIC's default of two
   * (RFC 9000 section 13.2.2 allows more): an ACK costs a datagram to seal, send, open and process,
   * and the maximum ACK delay and the immediate ACK on reordering still bound how late loss is
   * seen.
   */
  public static final int ACK_EVERY = 10;

  /** The most ranges remembered and sent. */
  public static final int MAX_RANGES = 32;

  private final long maxAckDelayNs;
  // Ranges, largest first: lo[i]..hi[i], disjoint and not adjacent.
  private final long[] lo = new long[MAX_RANGES + 1];
  private final long[] hi = new long[MAX_RANGES + 1];
  private int count;
  private int unacked;
  private boolean immediate;
  private long largestReceivedNs;
  private long ackDeadlineNs = Long.MAX_VALUE;

  /** @param maxAckDelayNs how long an ack-eliciting packet may wait for its ACK */
  public AckTracker(long maxAckDelayNs) {
    this.maxAckDelayNs = maxAckDelayNs;
  }

  /** Records an authenticated packet. */
  public void onReceived(long pn, boolean ackEliciting, long nowNs) {
    boolean outOfOrder = count > 0 && pn != hi[0] + 1;
    insert(pn);
    if (count > 0 && pn == hi[0]) {
      largestReceivedNs = nowNs;
    }
    if (!ackEliciting) {
      return;
    }
    unacked++;
    if (outOfOrder || unacked >= ACK_EVERY) {
      immediate = true;
    }
    if (ackDeadlineNs == Long.MAX_VALUE) {
      ackDeadlineNs = nowNs + maxAckDelayNs;
    }
  }

  private void insert(long pn) {
    int i = 0;
    while (i < count && pn < lo[i] - 1) {
      i++;
    }
    if (i < count && pn <= hi[i] + 1) {
      if (pn >= lo[i] && pn <= hi[i]) {
        return;
      }
      if (pn == hi[i] + 1) {
        hi[i] = pn;
        if (i > 0 && lo[i - 1] == pn + 1) { // joins the range above
          hi[i] = hi[i - 1];
          removeAt(i - 1);
        }
      } else { // pn == lo[i] - 1
        lo[i] = pn;
        if (i + 1 < count && hi[i + 1] == pn - 1) {
          lo[i] = lo[i + 1];
          removeAt(i + 1);
        }
      }
      return;
    }
    // A new range at position i.
    if (i == MAX_RANGES) {
      return; // older than everything remembered
    }
    System.arraycopy(lo, i, lo, i + 1, count - i);
    System.arraycopy(hi, i, hi, i + 1, count - i);
    lo[i] = pn;
    hi[i] = pn;
    count = Math.min(count + 1, MAX_RANGES);
  }

  private void removeAt(int i) {
    System.arraycopy(lo, i + 1, lo, i, count - i - 1);
    System.arraycopy(hi, i + 1, hi, i, count - i - 1);
    count--;
  }

  /** Whether an ACK should go out now. */
  public boolean ackDue(long nowNs) {
    return unacked > 0 && (immediate || nowNs >= ackDeadlineNs);
  }

  /** When an ACK will be due, or {@code Long.MAX_VALUE}. */
  public long deadlineNs() {
    return unacked == 0 ? Long.MAX_VALUE : (immediate ? 0 : ackDeadlineNs);
  }

  /** Whether any packet was received at all. */
  public boolean hasRanges() {
    return count > 0;
  }

  /** The bytes {@link #writeAck} takes with every range. */
  public int frameLength() {
    return Wire.ackFrameLength(count);
  }

  /** Writes an ACK frame of every remembered range and counts the ACK as sent. */
  public void writeAck(ByteBuffer out, long nowNs) {
    long delayMicros = Math.max(0, (nowNs - largestReceivedNs) / 1000);
    Wire.writeAck(out, lo, hi, count, delayMicros);
    unacked = 0;
    immediate = false;
    ackDeadlineNs = Long.MAX_VALUE;
  }

  /** The number of ranges remembered. */
  public int rangeCount() {
    return count;
  }

  /** The smallest packet number of range {@code i} (0 is the largest range). */
  public long rangeLow(int i) {
    return lo[i];
  }

  /** The largest packet number of range {@code i}. */
  public long rangeHigh(int i) {
    return hi[i];
  }
}
