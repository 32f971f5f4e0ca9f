package io.loudp2p.transport.grpc;

import io.loudp2p.core.testing.AbstractDataTransportTest;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.internal.GrpcDataTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/** The gRPC chunk streams pass the conformance test every data transport passes. */
class GrpcDataTransportTest extends AbstractDataTransportTest {
  @Override
  protected DataTransport newSourceTransport() {
    return new GrpcDataTransport(TransportOptions.defaults());
  }

  @Override
  protected DataTransport newReceiverTransport() {
    return new GrpcDataTransport(TransportOptions.defaults());
  }

  @Override
  protected boolean asksFirstWantsInTheOpening() {
    return true; // in the first ChunkRequest, beside the handshake
  }

  @Override
  protected InetSocketAddress bindAddress() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }
}
