package io.loudp2p.transport.grpc;

import io.loudp2p.core.testing.AbstractControlTransportTest;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.internal.GrpcControlTransport;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** The gRPC control transport passes the control transport conformance test. */
class GrpcControlTransportConformanceTest extends AbstractControlTransportTest {
  @Override
  protected ControlTransport newTransport(int maxMessageBytes) {
    return new GrpcControlTransport(TransportOptions.builder().settings(
        GrpcTransportOptions.builder().maxMessageBytes(maxMessageBytes).build()).build());
  }

  @Override
  protected InetSocketAddress bindAddress() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  @Override
  protected InetSocketAddress unreachableEndpoint() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
    }
  }
}
