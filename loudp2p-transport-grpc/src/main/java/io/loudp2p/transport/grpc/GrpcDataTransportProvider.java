package io.loudp2p.transport.grpc;

import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.DataTransportProvider;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.internal.GrpcDataTransport;

/**
 * Provides chunk delivery over gRPC streams, the data path for peers without UDP (browsers,
 * mobile networks), found by {@link java.util.ServiceLoader}. Its priority is below the UDP
 * transport's, so it is the fallback.
 */
public final class GrpcDataTransportProvider extends DataTransportProvider {
  /** Called by {@link java.util.ServiceLoader}. */
  public GrpcDataTransportProvider() {}

  @Override
  public boolean isAvailable() {
    return true;
  }

  @Override
  public int priority() {
    return 3;
  }

  @Override
  public String name() {
    return GrpcTransport.NAME;
  }

  @Override
  public DataTransport create(TransportOptions options) {
    return new GrpcDataTransport(options);
  }
}
