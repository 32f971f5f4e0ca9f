package io.loudp2p.transport.udp.internal;

/**
 * NewReno as in RFC 9002 section 7: slow start to the first loss, then additive increase of one
 * datagram per window and a halving at most once per round trip (the recovery period starts when
 * the loss is detected and ends with the first packet sent after it being acknowledged).
 */
public final class DefaultCongestionController implements CongestionController {
  private final int maxDatagram;
  private final long minWindow;
  private final long maxWindow;
  private long window;
  private long slowStartThreshold = Long.MAX_VALUE;
  private long recoveryStartNs = Long.MIN_VALUE;
  private long avoidanceCredit;

  /**
   * @param maxDatagram the largest datagram, the unit of growth
   * @param maxWindow the largest window, which bounds the sender's state
   */
  public DefaultCongestionController(int maxDatagram, long maxWindow) {
    this.maxDatagram = maxDatagram;
    this.minWindow = 2L * maxDatagram;
    this.maxWindow = Math.max(maxWindow, minWindow);
    this.window = Math.min(10L * maxDatagram, this.maxWindow);
  }

  @Override
  public long windowBytes() {
    return window;
  }

  @Override
  public boolean inSlowStart() {
    return window < slowStartThreshold;
  }

  @Override
  public void onAcked(long sentNs, int bytes, boolean windowLimited, long nowNs) {
    if (sentNs <= recoveryStartNs || !windowLimited) {
      return;
    }
    if (inSlowStart()) {
      window = Math.min(maxWindow, window + bytes);
      return;
    }
    // One datagram more for each window's worth of bytes acknowledged.
    avoidanceCredit += bytes;
    if (avoidanceCredit >= window) {
      avoidanceCredit -= window;
      window = Math.min(maxWindow, window + maxDatagram);
    }
  }

  @Override
  public void onLost(long sentNs, int bytes, long nowNs) {
    if (sentNs <= recoveryStartNs) {
      return; // already reduced for this round trip
    }
    recoveryStartNs = nowNs;
    window = Math.max(minWindow, window / 2);
    slowStartThreshold = window;
    avoidanceCredit = 0;
  }
}
