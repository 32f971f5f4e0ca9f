package io.loudp2p.transport.udp.internal;

/**
 * The estimator of RFC 9002 section 5 (the RFC 6298 filter with the peer's ACK delay taken off
 * samples that stay above the minimum).
 */
public final class DefaultRttEstimator implements RttEstimator {
  /** The estimate before any sample. */
  public static final long INITIAL_RTT_NS = 100_000_000L;

  private long smoothed = INITIAL_RTT_NS;
  private long variance = INITIAL_RTT_NS / 2;
  private long latest = INITIAL_RTT_NS;
  private long min = INITIAL_RTT_NS;
  private boolean sampled;
  private long samples;

  @Override
  public void onSample(long latestRttNs, long ackDelayNs) {
    long sample = Math.max(1, latestRttNs);
    latest = sample;
    samples++;
    if (!sampled) {
      sampled = true;
      min = sample;
      smoothed = sample;
      variance = sample / 2;
      return;
    }
    min = Math.min(min, sample);
    long adjusted = sample;
    if (sample - Math.max(0, ackDelayNs) >= min) {
      adjusted = sample - Math.max(0, ackDelayNs);
    }
    variance = (3 * variance + Math.abs(smoothed - adjusted)) / 4;
    smoothed = (7 * smoothed + adjusted) / 8;
  }

  @Override
  public long smoothedNs() {
    return smoothed;
  }

  @Override
  public long varianceNs() {
    return variance;
  }

  @Override
  public long latestNs() {
    return latest;
  }

  @Override
  public long minNs() {
    return min;
  }

  @Override
  public boolean hasSample() {
    return sampled;
  }

  @Override
  public long samples() {
    return samples;
  }
}
