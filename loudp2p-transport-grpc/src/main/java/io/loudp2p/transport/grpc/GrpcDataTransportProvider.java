package io.loudp2p.transport.grpc;

import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.DataTransportDescriptor;
import io.loudp2p.spi.DataTransportProvider;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.internal.GrpcDataTransport;

/**
 * Provides chunk delivery over gRPC streams, the data path for peers without UDP (browsers,
 * mobile networks), found by {@link java.util.ServiceLoader}. Its priority is below the UDP
 * transport's, so it is the fallback. Its settings are a {@link GrpcTransportOptions} (the same
 * as the control transport's); settings of another type are refused.
 */
public final class GrpcDataTransportProvider extends DataTransportProvider {
  private static final DataTransportDescriptor DESCRIPTOR =
      DataTransportDescriptor.builder(TransportKind.TRANSPORT_KIND_GRPC_VALUE)
          .preference(3).fallback().build();

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
    return GrpcTransportOptions.NAME;
  }

  /**
   * {@code GRPC} on the wire, offered after UDP; announced at its server's address and the
   * fallback path: a receiver that cannot reach a source over UDP fetches the session here.
   */
  @Override
  public DataTransportDescriptor descriptor() {
    return DESCRIPTOR;
  }

  @Override
  public DataTransport create(TransportOptions options) {
    return new GrpcDataTransport(options);
  }
}
