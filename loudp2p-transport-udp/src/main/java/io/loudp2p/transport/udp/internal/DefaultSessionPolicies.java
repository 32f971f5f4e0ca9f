package io.loudp2p.transport.udp.internal;

/**
 * The default policies of a UDP session: {@link DefaultRttEstimator}, {@link DefaultLossDetector},
 * {@link DefaultCongestionController} and {@link DefaultPacer}. Stateless and thread-safe.
 */
public final class DefaultSessionPolicies implements SessionPolicies {
  /** The one instance. */
  public static final DefaultSessionPolicies INSTANCE = new DefaultSessionPolicies();

  private DefaultSessionPolicies() {}

  @Override
  public RttEstimator rttEstimator() {
    return new DefaultRttEstimator();
  }

  @Override
  public LossDetector lossDetector(int capacity, RttEstimator rtt, long maxAckDelayNs) {
    return new DefaultLossDetector(capacity, rtt, maxAckDelayNs);
  }

  @Override
  public CongestionController congestionController(int maxDatagram, long maxWindowBytes) {
    return new DefaultCongestionController(maxDatagram, maxWindowBytes);
  }

  @Override
  public Pacer pacer(int maxDatagram, long tickNs) {
    return new DefaultPacer(maxDatagram, tickNs);
  }
}
