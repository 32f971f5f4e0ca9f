package io.loudp2p.transport.udp.internal;

/**
 * Makes the policies of each UDP session: its round-trip estimator, loss detector, congestion
 * controller and pacer. Asked once per session for a fresh set, which the session then owns and
 * uses on its I/O thread only; times are passed in to the policies, never read inside.
 *
 * <p>{@link DefaultSessionPolicies} gives the defaults; a transport made with another factory
 * (see {@link UdpDataTransport#UdpDataTransport(io.loudp2p.spi.TransportOptions, SessionPolicies)})
 * runs its sessions with what that factory makes. Implementations must be thread-safe: sessions
 * are created on several threads.
 */
public interface SessionPolicies {
  /** A round-trip estimator for a new session. */
  RttEstimator rttEstimator();

  /**
   * A loss detector for a new session.
   *
   * @param capacity the most packets it may track (a power of two)
   * @param rtt the session's estimator, which the detector feeds with samples
   * @param maxAckDelayNs the most the peer delays an acknowledgement
   */
  LossDetector lossDetector(int capacity, RttEstimator rtt, long maxAckDelayNs);

  /**
   * A congestion controller for a new session.
   *
   * @param maxDatagram the largest datagram, in bytes
   * @param maxWindowBytes the largest window the transport's settings allow
   */
  CongestionController congestionController(int maxDatagram, long maxWindowBytes);

  /**
   * A pacer for a new session.
   *
   * @param maxDatagram the largest datagram, in bytes
   * @param tickNs how often the session is woken at the least
   */
  Pacer pacer(int maxDatagram, long tickNs);
}
