package io.loudp2p.core.testing;

import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.TransportOptions;
import java.net.InetSocketAddress;
import java.time.Duration;

/** The in-memory transport passes the control transport conformance test. */
class InMemoryControlTransportTest extends AbstractControlTransportTest {
  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(7).build();

  @Override
  protected ControlTransport newTransport(int maxMessageBytes) {
    return network.newTransport(maxMessageBytes);
  }

  @Override
  protected InetSocketAddress bindAddress() {
    return new InetSocketAddress(0);
  }

  @Override
  protected InetSocketAddress unreachableEndpoint() {
    return new InetSocketAddress(network.newTransport().host(), 9);
  }

  @Override
  protected void letTimePass(Duration duration) {
    network.advance(duration);
  }
}
