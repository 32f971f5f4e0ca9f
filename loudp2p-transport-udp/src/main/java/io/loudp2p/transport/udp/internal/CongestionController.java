package io.loudp2p.transport.udp.internal;

/**
 * Decides how many bytes a source may have in flight on a path.
 *
 * <p>Not thread-safe: owned by one session on its I/O thread; times are passed in.
 */
public interface CongestionController {
  /** The congestion window: the most bytes in flight allowed now. */
  long windowBytes();

  /** Whether the controller is still probing exponentially (slow start). */
  boolean inSlowStart();

  /**
   * Packets sent at {@code sentNs} and carrying {@code bytes} were acknowledged.
   *
   * @param windowLimited whether the sender was using its whole window (an application-limited
   *     sender learns nothing about the path and does not grow the window)
   */
  void onAcked(long sentNs, int bytes, boolean windowLimited, long nowNs);

  /** A packet sent at {@code sentNs} was declared lost. */
  void onLost(long sentNs, int bytes, long nowNs);

  /**
   * A new round-trip sample arrived: {@code latestRttNs} now, {@code baseDelayNs} the path's base
   * delay (the smallest recent sample, {@link RttEstimator#baseDelayNs()}). A controller that backs
   * off on rising delay (queues building up along the path) looks at the difference; the default
   * ignores it.
   */
  default void onRttSample(long latestRttNs, long baseDelayNs, long nowNs) {}

  /**
   * The session moved to another path (the receiver changed networks): starts over from the
   * initial window, in slow start; losses of packets sent before {@code nowNs} (on the old path)
   * no longer reduce the window.
   */
  void onPathChange(long nowNs);
}
