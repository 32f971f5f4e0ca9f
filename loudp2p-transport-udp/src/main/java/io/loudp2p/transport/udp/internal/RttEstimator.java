package io.loudp2p.transport.udp.internal;

/**
 * Estimates a path's round-trip time from acknowledgement samples.
 *
 * <p>Not thread-safe: owned by one session on its I/O thread. Times are {@link System#nanoTime()}
 * values passed in, never read inside.
 */
public interface RttEstimator {
  /**
   * Takes one sample.
   *
   * @param latestRttNs time from sending the largest newly acknowledged packet to its ACK
   * @param ackDelayNs the delay the peer reported between receiving it and acknowledging it
   * @param nowNs when the sample was taken
   */
  void onSample(long latestRttNs, long ackDelayNs, long nowNs);

  /** The smoothed round-trip time (the initial estimate before any sample). */
  long smoothedNs();

  /** The round-trip time variation. */
  long varianceNs();

  /** The most recent sample, or the smoothed value before any sample. */
  long latestNs();

  /** The smallest sample seen, or the initial estimate before any sample. */
  long minNs();

  /**
   * The path's base delay: the smallest recent sample, which forgets samples older than some
   * minutes so that a path whose delay rose for good (a route change) gets a new base; the
   * initial estimate before any sample.
   */
  long baseDelayNs();

  /** Whether at least one sample was taken. */
  boolean hasSample();

  /** How many samples were taken. */
  long samples();

  /**
   * The session moved to another path (the receiver changed networks): what was learnt of the old
   * one no longer holds. Starts over from the initial estimate, base delay included.
   */
  void onPathChange();

  /** The probe timeout before backoff: {@code srtt + max(4 rttvar, 1 ms) + maxAckDelay}. */
  default long probeTimeoutNs(long maxAckDelayNs) {
    return smoothedNs() + Math.max(4 * varianceNs(), DefaultLossDetector.GRANULARITY_NS)
        + maxAckDelayNs;
  }
}
