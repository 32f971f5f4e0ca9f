package io.loudp2p.transport.udp.internal;

/**
 * A token bucket filled at {@code gain * cwnd / srtt} (gain 2 in slow start, 1.25 after, as RFC
 * 9002 section 7.7 suggests), holding at most ten datagrams or one tick's worth of bytes, so that
 * a sender woken once per tick keeps its rate without bursting a whole window.
 */
public final class DefaultPacer implements Pacer {
  private final int maxDatagram;
  private final long tickNs;
  private double bytesPerNs;
  private double capacity;
  private double tokens;
  private long lastNs = Long.MIN_VALUE;

  /**
   * @param maxDatagram the largest datagram
   * @param tickNs how often the sender is woken at the least
   */
  public DefaultPacer(int maxDatagram, long tickNs) {
    this.maxDatagram = maxDatagram;
    this.tickNs = tickNs;
    setRate((long) DefaultCongestionController.INITIAL_WINDOW_DATAGRAMS * maxDatagram,
        DefaultRttEstimator.INITIAL_RTT_NS, true);
    this.tokens = capacity;
  }

  @Override
  public void setRate(long windowBytes, long smoothedRttNs, boolean slowStart) {
    double gain = slowStart ? 2.0 : 1.25;
    bytesPerNs = gain * windowBytes / Math.max(1, smoothedRttNs);
    capacity = Math.max(10.0 * maxDatagram, bytesPerNs * tickNs);
  }

  private void refill(long nowNs) {
    if (lastNs == Long.MIN_VALUE) {
      lastNs = nowNs;
      return;
    }
    if (nowNs > lastNs) {
      tokens = Math.min(capacity, tokens + (nowNs - lastNs) * bytesPerNs);
      lastNs = nowNs;
    }
  }

  @Override
  public long nextSendNs(long nowNs, int bytes) {
    refill(nowNs);
    if (tokens >= bytes) {
      return nowNs;
    }
    return nowNs + (long) Math.ceil((bytes - tokens) / bytesPerNs);
  }

  @Override
  public void onSent(long nowNs, int bytes) {
    refill(nowNs);
    tokens -= bytes;
  }
}
