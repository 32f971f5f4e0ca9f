package io.loudp2p.transport.udp.internal;

/**
 * Spreads a window's worth of datagrams over a round trip instead of sending them in one burst.
 *
 * <p>Not thread-safe: owned by one session on its I/O thread; times are passed in.
 */
public interface Pacer {
  /** Sets the rate from the congestion window and the smoothed round-trip time. */
  void setRate(long windowBytes, long smoothedRttNs, boolean slowStart);

  /** The earliest time a datagram of {@code bytes} may leave: {@code nowNs} or later. */
  long nextSendNs(long nowNs, int bytes);

  /** A datagram of {@code bytes} left at {@code nowNs}. */
  void onSent(long nowNs, int bytes);
}
