package io.loudp2p.transport.udp;

import io.loudp2p.Peer;
import io.loudp2p.core.testing.PeerScenarios;

/**
 * The shared scenarios between peers whose control connections are TLS 1.3 bound to their IDs,
 * chunks on the UDP data plane (sealed with its own session keys).
 */
class PeerOverUdpTlsIT extends PeerScenarios {
  @Override
  protected String dataTransport() {
    return "udp";
  }

  @Override
  protected Peer.Builder configure(Peer.Builder builder) {
    return builder.plaintext(false);
  }
}
