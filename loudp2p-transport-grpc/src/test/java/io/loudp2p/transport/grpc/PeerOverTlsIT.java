package io.loudp2p.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.RotatingCredentials;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.testing.PeerScenarios;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.internal.GrpcControlTransport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The shared scenarios between peers that speak TLS 1.3 bound to their IDs, chunks on the gRPC
 * stream; and what a TLS peer refuses: a dialler that expected another peer, and a plaintext one.
 */
class PeerOverTlsIT extends PeerScenarios {
  @Override
  protected String dataTransport() {
    return "grpc";
  }

  @Override
  protected Peer.Builder configure(Peer.Builder builder) {
    return builder.plaintext(false);
  }

  private static byte[] exchange(Identity from) {
    return new EnvelopeSealer(from).seal(Payload.newBuilder()
        .setPeerExchange(PeerExchange.newBuilder())).toByteArray();
  }

  @Test
  void aDiallerThatExpectsAnotherPeerAtTheAddressIsRefusedSayingWhom() throws Exception {
    Peer reached = start(Peer.builder());
    Identity me = Identity.generate();
    Identity expected = Identity.generate();
    try (GrpcControlTransport client = new GrpcControlTransport(TransportOptions.builder()
        .credentials(new RotatingCredentials(me)).build())) {
      InetSocketAddress at = at(reached);
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
          ExecutionException.class, () -> client.call(at, expected.peerId(),
              ControlMethod.EXCHANGE_PEERS, exchange(me), Duration.ofSeconds(5))
              .get(10, TimeUnit.SECONDS));
      assertThat(e.getCause()).isInstanceOf(ControlException.class);
      ControlException c = (ControlException) e.getCause();
      assertThat(c.code()).isEqualTo(ControlErrorCode.UNAUTHENTICATED);
      assertThat(c.getMessage()).contains("WRONG_PEER").contains(expected.peerId().toString())
          .contains(reached.id().toString());

      // The same address, the peer that is there expected: answered.
      assertThat(client.call(at, reached.id(), ControlMethod.EXCHANGE_PEERS, exchange(me),
          Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS)).isNotEmpty();
    }
  }

  @Test
  void aBootstrapEntryWithAnotherPeersIdIsRefusedAtTheHandshakeAndWithItsOwnIdJoins()
      throws Exception {
    Peer there = start(Peer.builder());
    Peer wrong = start(Peer.builder().bootstrap(Identity.generate().peerId(), at(there)));
    Peer right = start(Peer.builder().bootstrap(there.id(), at(there)));
    assertThat(wrong.peers()).noneMatch(io.loudp2p.PeerInfo::reachable);
    assertThat(right.peers()).anyMatch(p -> p.id().equals(there.id()) && p.reachable());
  }

  @Test
  void aPlaintextDiallerGetsNoAnswerFromATlsPeer() throws Exception {
    Peer tls = start(Peer.builder());
    Identity me = Identity.generate();
    try (GrpcControlTransport plain = new GrpcControlTransport(TransportOptions.defaults())) {
      ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(
          ExecutionException.class, () -> plain.call(at(tls), ControlMethod.EXCHANGE_PEERS,
              exchange(me), Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS));
      assertThat(e.getCause()).isInstanceOf(ControlException.class);
      assertThat(((ControlException) e.getCause()).code()).isEqualTo(ControlErrorCode.UNAVAILABLE);
    }
  }
}
