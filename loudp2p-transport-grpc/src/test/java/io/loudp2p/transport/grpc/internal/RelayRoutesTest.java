package io.loudp2p.transport.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.PeerId;
import io.loudp2p.spi.TransportOptions;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * A route through a relay tells whether it changed: the transports let go of a peer's channels
 * only then, so that a route given again leaves the calls and chunk streams under way through it.
 */
class RelayRoutesTest {
  private static PeerId peer(int n) {
    byte[] b = new byte[PeerId.LENGTH];
    b[0] = (byte) PeerId.VERSION;
    b[1] = (byte) n;
    return PeerId.fromBytes(b);
  }

  @Test
  void aPeersRouteChangesOnlyWhenItsRelayDoes() {
    PeerId peer = peer(1);
    InetSocketAddress r1 = new InetSocketAddress("10.0.0.1", 7070);
    InetSocketAddress r2 = new InetSocketAddress("10.0.0.2", 7070);
    try (Relays relays = new Relays(new GrpcSettings(TransportOptions.defaults()),
        RelayLimits.DEFAULT)) {
      assertThat(relays.route(peer, r1, peer(2))).isTrue();
      assertThat(relays.route(peer, r1, peer(2))).as("the same again").isFalse();
      assertThat(relays.route(peer, r2, peer(3))).as("another relay").isTrue();
      assertThat(relays.route(peer, r2, null)).as("forgotten").isTrue();
      assertThat(relays.route(peer, r2, null)).as("forgotten already").isFalse();
    }
  }

  @Test
  void anEndpointsRouteChangesWhenItsPeerOrItsRelayDoes() {
    InetSocketAddress source = new InetSocketAddress("100.64.0.9", 40000);
    InetSocketAddress relay = new InetSocketAddress("10.0.0.1", 7070);
    try (Relays relays = new Relays(new GrpcSettings(TransportOptions.defaults()),
        RelayLimits.DEFAULT)) {
      assertThat(relays.route(source, peer(1), relay, peer(2))).isTrue();
      assertThat(relays.route(source, peer(1), relay, peer(2))).as("the same again").isFalse();
      assertThat(relays.route(source, peer(4), relay, peer(2))).as("another peer there").isTrue();
      assertThat(relays.route(source, peer(4), relay, null)).as("forgotten").isTrue();
      assertThat(relays.route(source, peer(4), relay, null)).as("forgotten already").isFalse();
    }
  }
}
