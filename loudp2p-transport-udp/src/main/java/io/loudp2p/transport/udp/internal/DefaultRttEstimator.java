package io.loudp2p.transport.udp.internal;

/**
 * The estimator of RFC 9002 section 5 (the RFC 6298 filter with the peer's ACK delay taken off
 * samples that stay above the minimum), with LEDBAT's base delay (RFC 6817 section 3.4.2) beside
 * it: the smallest sample of the current minute and of each of the {@link #BASE_HISTORY} - 1
 * minutes before it, so that samples older than ten minutes no longer count.
 *
 * <p>{@link #minNs()} is the smallest sample ever, as RFC 9002 uses it to judge ACK delays; {@link
 * #baseDelayNs()} is what delay-based congestion control measures queuing against.
 */
public final class DefaultRttEstimator implements RttEstimator {
  /** The estimate before any sample. */
  public static final long INITIAL_RTT_NS = 100_000_000L;
  /** How long one base-delay interval lasts: a minute. */
  public static final long BASE_INTERVAL_NS = 60_000_000_000L;
  /** How many intervals the base delay spans: ten, LEDBAT's BASE_HISTORY. */
  public static final int BASE_HISTORY = 10;

  /** The smallest sample of each interval, a ring whose newest entry is {@link #baseNewest}. */
  private final long[] baseMinima = new long[BASE_HISTORY];
  private int baseNewest;
  private long baseIntervalStartNs;
  private long base = INITIAL_RTT_NS;

  private long smoothed = INITIAL_RTT_NS;
  private long variance = INITIAL_RTT_NS / 2;
  private long latest = INITIAL_RTT_NS;
  private long min = INITIAL_RTT_NS;
  private boolean sampled;
  private long samples;

  @Override
  public void onSample(long latestRttNs, long ackDelayNs, long nowNs) {
    long sample = Math.max(1, latestRttNs);
    latest = sample;
    samples++;
    updateBase(sample, nowNs);
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
  public long baseDelayNs() {
    return base;
  }

  private void updateBase(long sample, long nowNs) {
    if (!sampled) {
      java.util.Arrays.fill(baseMinima, Long.MAX_VALUE);
      baseIntervalStartNs = nowNs;
    }
    long elapsed = nowNs - baseIntervalStartNs;
    if (elapsed >= BASE_INTERVAL_NS) {
      // One new interval per minute passed; minutes without samples hold none.
      long passed = elapsed / BASE_INTERVAL_NS;
      for (long i = 0; i < Math.min(passed, BASE_HISTORY); i++) {
        baseNewest = (baseNewest + 1) % BASE_HISTORY;
        baseMinima[baseNewest] = Long.MAX_VALUE;
      }
      baseIntervalStartNs += passed * BASE_INTERVAL_NS;
    }
    baseMinima[baseNewest] = Math.min(baseMinima[baseNewest], sample);
    long b = Long.MAX_VALUE;
    for (long m : baseMinima) {
      b = Math.min(b, m);
    }
    base = b;
  }

  @Override
  public void onPathChange() {
    sampled = false;
    smoothed = INITIAL_RTT_NS;
    variance = INITIAL_RTT_NS / 2;
    latest = INITIAL_RTT_NS;
    min = INITIAL_RTT_NS;
    base = INITIAL_RTT_NS;
    baseNewest = 0;
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
