package io.loudp2p.transport.udp;

import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.DataTransportDescriptor;
import io.loudp2p.spi.DataTransportProvider;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.udp.internal.UdpDataTransport;

/**
 * Provides chunk delivery over UDP datagrams, encrypted per session, paced and congestion
 * controlled, found by {@link java.util.ServiceLoader}. It is preferred over the gRPC transport,
 * which remains the fallback when a source cannot be reached over UDP.
 *
 * <p>Its settings are a {@link UdpTransportOptions}, given to a peer with {@code
 * Peer.Builder.transport(...)}; settings of another type are refused.
 */
public final class UdpDataTransportProvider extends DataTransportProvider {
  private static final DataTransportDescriptor DESCRIPTOR =
      DataTransportDescriptor.builder(TransportKind.TRANSPORT_KIND_UDP_VALUE)
          .preference(7).sessionKeys().build();

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
    return UdpTransportOptions.NAME;
  }

  /**
   * {@code UDP} on the wire, offered before gRPC chunk streams; each session gets a socket of its
   * own and X25519 keys exchanged in the signed open and accept.
   */
  @Override
  public DataTransportDescriptor descriptor() {
    return DESCRIPTOR;
  }

  @Override
  public DataTransport create(TransportOptions options) {
    return new UdpDataTransport(options);
  }
}
