package io.loudp2p.transport.grpc;

import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.ControlTransportProvider;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.internal.GrpcControlTransport;

/**
 * Provides the control plane over gRPC/HTTP2 (netty; TLS 1.3 bound to peer IDs when the transport
 * options carry credentials, as a peer's do), found by
 * {@link java.util.ServiceLoader}. Always available where this module is on the class path. Its
 * settings are a {@link GrpcTransportOptions}; settings of another type are refused.
 */
public final class GrpcControlTransportProvider extends ControlTransportProvider {
  /** Called by {@link java.util.ServiceLoader}. */
  public GrpcControlTransportProvider() {}

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int priority() {
    return 5;
  }

  @Override
  public String name() {
    return GrpcTransportOptions.NAME;
  }

  @Override
  public ControlTransport create(TransportOptions options) {
    return new GrpcControlTransport(options);
  }
}
