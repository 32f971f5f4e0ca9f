package io.loudp2p.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.NetworkStatus;
import io.loudp2p.Peer;
import io.loudp2p.core.peer.PeerDiagnostics;
import io.loudp2p.core.testing.Await;
import io.loudp2p.core.testing.PeerScenarios;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Peers on 127.0.0.1 with both transports on the class path: control over gRPC, chunks over the
 * UDP data plane. The shared scenarios check that every stream's sources used UDP.
 */
class PeerOverUdpIT extends PeerScenarios {
  @Override
  protected String dataTransport() {
    return "udp";
  }

  @Test
  void twoFullPeersShowAPeerThatItsUdpSocketsAreNotMapped() throws Exception {
    Peer a = start(Peer.builder());
    Peer b = start(Peer.builder());
    Peer light = start(Peer.builder().role(io.loudp2p.Role.LIGHT).bootstrap(at(a))
        .bootstrap(at(b)));
    assertThat(light.network().udpMapping()).isEqualTo(NetworkStatus.Mapping.UNKNOWN);

    Await.until(() -> light.network().udpMapping() != NetworkStatus.Mapping.UNKNOWN,
        Duration.ofSeconds(15), "the light peer observed its UDP mapping");

    NetworkStatus status = light.network();
    assertThat(status.udpMapping()).isEqualTo(NetworkStatus.Mapping.NONE);
    assertThat(status.udpPublic()).hasValueSatisfying(
        s -> assertThat(s.getAddress().isLoopbackAddress()).isTrue());
    assertThat(status.observedAt()).isPresent();
    assertThat(status.publicAddress()).contains(java.net.InetAddress.getLoopbackAddress());
  }

  @Test
  void datagramsNoSessionWantsAreCountedInThePeersMetrics() throws Exception {
    Peer sharer = start(Peer.builder());
    InetSocketAddress server = PeerDiagnostics.dataServers(sharer).get("udp");
    try (DatagramChannel stray = DatagramChannel.open()) {
      for (int i = 0; i < 3; i++) {
        stray.send(ByteBuffer.wrap(new byte[] {0x21, 1, 2, 3}), server);
      }
    }
    Await.until(() -> sharer.metrics().datagramsDropped().getOrDefault("udp/WRONG_LENGTH", 0L)
        + sharer.metrics().datagramsDropped().getOrDefault("udp/UNKNOWN_SESSION", 0L) >= 3,
        Duration.ofSeconds(5), "the stray datagrams counted");
  }
}
