package io.loudp2p.transport.udp.internal;

/**
 * Loss detection as in RFC 9002 section 6: a packet is lost once a packet sent three packet
 * numbers later is acknowledged, or once it is older than 9/8 of the larger of the smoothed and
 * latest RTT (at least 1 ms) and a later packet is acknowledged; a probe timeout of {@link
 * RttEstimator#probeTimeoutNs} doubling with each consecutive firing covers a lost tail.
 *
 * <p>Packets are kept in a ring indexed by packet number, so the state is bounded by its capacity
 * and {@link #hasRoom()} turns false when the oldest outstanding packet is that far behind.
 */
public final class DefaultLossDetector implements LossDetector {
  /** The packet reordering threshold. */
  public static final int PACKET_THRESHOLD = 3;

  /** The timer granularity. */
  public static final long GRANULARITY_NS = 1_000_000L;

  private final SentPacket[] ring;
  private final int mask;
  private final RttEstimator rtt;
  private final long maxAckDelayNs;
  private long lowest = 0;
  private long next = -1; // highest packet number sent + 1, or -1 before any
  private long largestAcked = -1;
  private long bytesInFlight;
  private int tracked;
  private long lossTimeNs = Long.MAX_VALUE;
  private long lastAckElicitingNs = Long.MIN_VALUE;
  private int probeCount;

  /**
   * @param capacity the most packets tracked; a power of two
   * @param rtt the estimator fed with samples from ACKs
   * @param maxAckDelayNs the most the peer delays an ACK, added to the probe timeout
   */
  public DefaultLossDetector(int capacity, RttEstimator rtt, long maxAckDelayNs) {
    if (Integer.bitCount(capacity) != 1) {
      throw new IllegalArgumentException("capacity must be a power of two: " + capacity);
    }
    this.ring = new SentPacket[capacity];
    this.mask = capacity - 1;
    this.rtt = rtt;
    this.maxAckDelayNs = maxAckDelayNs;
  }

  @Override
  public boolean hasRoom() {
    return next < 0 || next - lowest < ring.length;
  }

  @Override
  public void onSent(SentPacket p) {
    if (!hasRoom()) {
      throw new IllegalStateException("no room to track packet " + p.pn);
    }
    if (next < 0) {
      lowest = p.pn;
    } else if (p.pn < next) {
      throw new IllegalArgumentException("packet numbers must increase: " + p.pn);
    }
    ring[(int) (p.pn & mask)] = p;
    next = p.pn + 1;
    tracked++;
    if (p.inFlight) {
      bytesInFlight += p.bytes;
    }
    lastAckElicitingNs = p.sentNs;
  }

  private SentPacket get(long pn) {
    if (pn < lowest || pn >= next) {
      return null;
    }
    SentPacket p = ring[(int) (pn & mask)];
    return p != null && p.pn == pn ? p : null;
  }

  private void remove(SentPacket p) {
    ring[(int) (p.pn & mask)] = null;
    tracked--;
    if (p.inFlight) {
      bytesInFlight -= p.bytes;
    }
  }

  private void advanceLowest() {
    while (lowest < next && ring[(int) (lowest & mask)] == null) {
      lowest++;
    }
    if (tracked == 0) {
      lowest = next;
    }
  }

  @Override
  public void onAck(long[] ranges, int rangeCount, long ackDelayNs, long nowNs, Outcome outcome) {
    if (rangeCount == 0 || next < 0) {
      return;
    }
    long largest = ranges[1];
    boolean newlyAcked = false;
    SentPacket largestPacket = get(largest);
    if (largestPacket != null) {
      rtt.onSample(nowNs - largestPacket.sentNs, ackDelayNs, nowNs);
    }
    for (int r = 0; r < rangeCount; r++) {
      long lo = Math.max(ranges[2 * r], lowest);
      long hi = Math.min(ranges[2 * r + 1], next - 1);
      for (long pn = lo; pn <= hi; pn++) {
        SentPacket p = get(pn);
        if (p != null) {
          newlyAcked = true;
          remove(p);
          outcome.onAcked(p, nowNs);
        }
      }
    }
    if (largest > largestAcked) {
      largestAcked = Math.min(largest, next - 1);
    }
    if (newlyAcked) {
      probeCount = 0;
    }
    detectLost(nowNs, outcome);
    advanceLowest();
  }

  private long lossDelayNs() {
    long base = Math.max(rtt.smoothedNs(), rtt.latestNs());
    return Math.max(base + base / 8, GRANULARITY_NS);
  }

  private void detectLost(long nowNs, Outcome outcome) {
    lossTimeNs = Long.MAX_VALUE;
    if (largestAcked < 0) {
      return;
    }
    long delay = lossDelayNs();
    long end = Math.min(largestAcked, next);
    for (long pn = lowest; pn < end; pn++) {
      SentPacket p = get(pn);
      if (p == null) {
        continue;
      }
      if (largestAcked - pn >= PACKET_THRESHOLD || nowNs - p.sentNs >= delay) {
        remove(p);
        outcome.onLost(p, nowNs);
      } else {
        lossTimeNs = Math.min(lossTimeNs, p.sentNs + delay);
      }
    }
  }

  @Override
  public long timeoutNs() {
    if (lossTimeNs != Long.MAX_VALUE) {
      return lossTimeNs;
    }
    if (tracked == 0) {
      return Long.MAX_VALUE;
    }
    long pto = rtt.probeTimeoutNs(maxAckDelayNs) << Math.min(probeCount, 16);
    return lastAckElicitingNs + pto;
  }

  @Override
  public boolean onTimeout(long nowNs, Outcome outcome) {
    if (lossTimeNs != Long.MAX_VALUE) {
      if (nowNs >= lossTimeNs) {
        detectLost(nowNs, outcome);
        advanceLowest();
      }
      return false;
    }
    if (tracked > 0 && nowNs >= timeoutNs()) {
      probeCount++;
      return true;
    }
    return false;
  }

  @Override
  public long bytesInFlight() {
    return bytesInFlight;
  }

  @Override
  public int trackedPackets() {
    return tracked;
  }

  /** How many probe timeouts fired since the last acknowledgement. */
  public int probeCount() {
    return probeCount;
  }

  @Override
  public void clear() {
    java.util.Arrays.fill(ring, null);
    tracked = 0;
    bytesInFlight = 0;
    lowest = Math.max(next, 0);
    lossTimeNs = Long.MAX_VALUE;
  }
}
