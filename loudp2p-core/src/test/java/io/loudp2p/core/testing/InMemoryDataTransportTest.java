package io.loudp2p.core.testing;

import io.loudp2p.spi.DataTransport;
import java.net.InetSocketAddress;

/** The in-memory transport passes the data transport conformance test. */
class InMemoryDataTransportTest extends AbstractDataTransportTest {
  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(7).build();

  @Override
  protected DataTransport newSourceTransport() {
    return network.newTransport();
  }

  @Override
  protected DataTransport newReceiverTransport() {
    return network.newTransport();
  }

  @Override
  protected InetSocketAddress bindAddress() {
    return new InetSocketAddress(0);
  }
}
