package io.loudp2p.transport.udp.internal;

/**
 * NewReno as in RFC 9002 section 7: slow start to the first loss, then additive increase of one
 * datagram per window and a halving at most once per round trip (the recovery period starts when
 * the loss is detected and ends with the first packet sent after it being acknowledged).
 *
 * <p>It also backs off on rising delay, as LEDBAT (RFC 6817) does, so that a stream does not fill
 * the queues of a home router ahead of everything else: when a round-trip sample exceeds the
 * path's base delay (the smallest sample of the last ten minutes, {@link
 * DefaultRttEstimator#baseDelayNs()}) by more than {@link #TARGET_QUEUE_DELAY_NS}, slow start ends
 * and the window shrinks by {@link #DELAY_BACKOFF} (at most once per round trip). Because the base
 * delay forgets old samples, a path whose delay rose for good stops counting as queued once the
 * last samples of the old path age out, and the window grows again.
 */
public final class DefaultCongestionController implements CongestionController {
  /** The queuing delay tolerated before backing off: LEDBAT's target. */
  public static final long TARGET_QUEUE_DELAY_NS = 100_000_000L;
  /**
   * The initial window, in datagrams: 16 (19,200 bytes), so that the first 16 KiB chunk a
   * listener waits on (15 datagrams) goes out in the first flight rather than in two, a round
   * trip apart. RFC 9002's ten datagrams would leave its last five for the second.
   */
  public static final int INITIAL_WINDOW_DATAGRAMS = 16;
  /** The factor the window is multiplied by on too much delay. */
  public static final double DELAY_BACKOFF = 0.8;

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
    this.window = Math.min((long) INITIAL_WINDOW_DATAGRAMS * maxDatagram, this.maxWindow);
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
  public void onRttSample(long latestRttNs, long baseDelayNs, long nowNs) {
    if (latestRttNs - baseDelayNs <= TARGET_QUEUE_DELAY_NS || nowNs < recoveryStartNs + latestRttNs) {
      return; // little queuing, or backed off within the last round trip
    }
    recoveryStartNs = nowNs;
    window = Math.max(minWindow, (long) (window * DELAY_BACKOFF));
    slowStartThreshold = window;
    avoidanceCredit = 0;
  }

  @Override
  public void onPathChange(long nowNs) {
    window = Math.min((long) INITIAL_WINDOW_DATAGRAMS * maxDatagram, maxWindow);
    slowStartThreshold = Long.MAX_VALUE;
    recoveryStartNs = nowNs;
    avoidanceCredit = 0;
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
