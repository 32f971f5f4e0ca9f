package io.loudp2p.transport.udp;

import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.udp.internal.RawPeerTestBase;
import io.loudp2p.transport.udp.internal.UdpDataTransport;

/**
 * What the UDP session tests share: transports on loopback, and everything a test opened closed
 * after it, last first, whatever happened.
 */
abstract class UdpTestBase extends RawPeerTestBase {
  /** A UDP transport with the default options, closed after the test. */
  UdpDataTransport transport() {
    return (UdpDataTransport) later(
        new UdpDataTransportProvider().create(TransportOptions.defaults()));
  }
}
