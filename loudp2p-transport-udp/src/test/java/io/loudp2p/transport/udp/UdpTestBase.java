package io.loudp2p.transport.udp;

import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.udp.internal.UdpDataTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/**
 * What the UDP session tests share: transports on loopback, and everything a test opened closed
 * after it, last first, whatever happened.
 */
abstract class UdpTestBase {
  static final InetSocketAddress LOOPBACK =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

  private final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  /** Closes {@code c} after the test. */
  <T extends AutoCloseable> T later(T c) {
    toClose.add(c);
    return c;
  }

  /** A UDP transport with the default options, closed after the test. */
  UdpDataTransport transport() {
    return (UdpDataTransport) later(
        new UdpDataTransportProvider().create(TransportOptions.defaults()));
  }
}
