package io.loudp2p.transport.udp;

import io.loudp2p.core.testing.PeerScenarios;

/**
 * Peers on 127.0.0.1 with both transports on the class path: control over gRPC, chunks over the
 * UDP data plane. The shared scenarios check that every stream's sources used UDP.
 */
class PeerOverUdpIT extends PeerScenarios {
  @Override
  protected String dataTransport() {
    return "udp";
  }
}
