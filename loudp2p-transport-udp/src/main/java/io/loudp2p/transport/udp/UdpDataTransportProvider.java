package io.loudp2p.transport.udp;

import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.DataTransportProvider;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.udp.internal.UdpDataTransport;

/**
 * Provides chunk delivery over UDP datagrams, encrypted per session, paced and congestion
 * controlled, found by {@link java.util.ServiceLoader}. It is preferred over the gRPC transport,
 * which remains the fallback when a source cannot be reached over UDP.
 *
 * <p>Settings are documented in {@link UdpTransport}.
 */
public final class UdpDataTransportProvider extends DataTransportProvider {
  /** Called by {@link java.util.ServiceLoader}. */
  public UdpDataTransportProvider() {}

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int priority() {
    return 7;
  }

  @Override
  public String name() {
    return UdpTransport.NAME;
  }

  @Override
  public DataTransport create(TransportOptions options) {
    return new UdpDataTransport(options);
  }
}
