package io.loudp2p.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.PeerCertificates.Refusal;
import io.loudp2p.core.identity.RotatingCredentials;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.testing.PeerFixture;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.internal.GrpcControlTransport;
import io.loudp2p.transport.grpc.testing.TestTls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * What a peer, which speaks TLS 1.3 bound to peer IDs by default (the shared scenarios of {@link
 * PeerOverGrpcIT} run that way), refuses: a dialler that expected another peer, a bootstrap entry
 * naming another peer, a plaintext dialler; and peers that a test has made plaintext on purpose
 * still find each other and stream.
 */
class PeerOverTlsIT extends PeerFixture {
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
      ControlException c = refusal(client, at, expected.peerId(), me);
      assertThat(c.code()).isEqualTo(ControlErrorCode.UNAUTHENTICATED);
      assertThat(c.getMessage()).contains("WRONG_PEER").contains(expected.peerId().toString())
          .contains(reached.id().toString());
      assertThat(client.tlsRefusals()).as("counted by reason")
          .containsExactly(java.util.Map.entry(Refusal.WRONG_PEER, 1L));

      // The same address, the peer that is there expected: answered.
      assertThat(client.call(at, reached.id(), ControlMethod.EXCHANGE_PEERS, exchange(me),
          Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS)).isNotEmpty();
    }
  }

  @Test
  void theConnectionToABareAddressServesTheCallsThatExpectThePeerItFoundThere() throws Exception {
    Peer there = start(Peer.builder());
    Identity me = Identity.generate();
    try (GrpcControlTransport client = new GrpcControlTransport(TestTls.options(me))) {
      assertThat(client.call(at(there), null, ControlMethod.EXCHANGE_PEERS, exchange(me),
          Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS)).isNotEmpty();
      assertThat(client.call(at(there), there.id(), ControlMethod.EXCHANGE_PEERS, exchange(me),
          Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS)).isNotEmpty();
      assertThat(client.openChannels()).as("no second connection to the same peer").isEqualTo(1);
    }
    // A peer that speaks TLS serves a relay, and its metrics count it from the start.
    assertThat(there.metrics().relay()).containsExactly(java.util.Map.entry("bytes", 0L),
        java.util.Map.entry("connections", 0L), java.util.Map.entry("refused", 0L),
        java.util.Map.entry("reservations", 0L));
  }

  @Test
  void aManInTheMiddleWithAValidIdentityOfItsOwnIsRefusedByWhoeverExpectedThePeer()
      throws Exception {
    Peer real = start(Peer.builder());
    Identity relayId = Identity.generate();
    AtomicInteger relayed = new AtomicInteger();
    Identity me = Identity.generate();
    try (GrpcControlTransport upstream = new GrpcControlTransport(TestTls.options(relayId));
        GrpcControlTransport relay = new GrpcControlTransport(TestTls.options(relayId));
        GrpcControlTransport client = new GrpcControlTransport(TestTls.options(me))) {
      // Terminates TLS as itself and passes every call on to the real peer, answers back.
      InetSocketAddress middle = relay.listen(
          new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0),
          (request, remote, method, responder) -> {
            relayed.incrementAndGet();
            upstream.call(at(real), real.id(), method, request, Duration.ofSeconds(5))
                .whenComplete((answer, failure) -> {
                  if (failure == null) {
                    responder.reply(answer);
                  } else {
                    responder.fail(ControlErrorCode.UNAVAILABLE, failure.toString());
                  }
                });
          }).get(5, TimeUnit.SECONDS).address();

      // Whoever dials it expecting the real peer stops at the handshake: nothing is relayed.
      Peer victim = start(Peer.builder().bootstrap(real.id(), middle));
      assertThat(victim.peers()).noneMatch(io.loudp2p.PeerInfo::reachable);
      assertThat(refusal(client, middle, real.id(), me)).satisfies(c -> {
        assertThat(c.code()).isEqualTo(ControlErrorCode.UNAUTHENTICATED);
        assertThat(c.getMessage()).contains("WRONG_PEER").contains(real.id().toString())
            .contains(relayId.peerId().toString());
      });
      assertThat(relayed).hasValue(0);

      // The relay works: a dialler that expects no one in particular is answered through it,
      // and the handshake showed it reached the relay's ID, not the real peer's.
      assertThat(client.call(middle, null, ControlMethod.EXCHANGE_PEERS, exchange(me),
          Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS)).isNotEmpty();
      assertThat(relayed).hasValue(1);
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
  void aPlaintextDiallerAndATlsPeerRefuseEachOtherSayingWhy() throws Exception {
    Peer tls = start(Peer.builder());
    Peer plain = start(Peer.builder().plaintext(true));
    Identity me = Identity.generate();
    try (GrpcControlTransport plainClient = new GrpcControlTransport(TransportOptions.defaults());
        GrpcControlTransport tlsClient = new GrpcControlTransport(TestTls.options(me))) {
      assertThat(refusal(plainClient, at(tls), null, me)).satisfies(c -> {
        assertThat(c.code()).isEqualTo(ControlErrorCode.UNAVAILABLE);
        assertThat(c.getMessage()).contains("may speak TLS 1.3").contains("plaintext");
      });
      assertThat(refusal(tlsClient, at(plain), null, me)).satisfies(c -> {
        assertThat(c.code()).isEqualTo(ControlErrorCode.UNAVAILABLE);
        assertThat(c.getMessage()).contains("does not speak TLS");
      });
    }
  }

  /** How a peer exchange sent to {@code at}, expecting {@code expected} there (any: null), failed. */
  private static ControlException refusal(GrpcControlTransport client, InetSocketAddress at,
      @Nullable PeerId expected, Identity me) {
    ExecutionException e = org.junit.jupiter.api.Assertions.assertThrows(ExecutionException.class,
        () -> client.call(at, expected, ControlMethod.EXCHANGE_PEERS, exchange(me),
            Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS));
    assertThat(e.getCause()).isInstanceOf(ControlException.class);
    return (ControlException) e.getCause();
  }

  @Test
  void peersThatSayTheySpeakPlaintextStillSearchAndStream() throws Exception {
    Peer sharer = start(Peer.builder().plaintext(true).share(folderWith("music", "tagged.flac")));
    Peer listener = start(Peer.builder().plaintext(true).bootstrap(at(sharer)));
    java.util.List<io.loudp2p.SearchHit> hits =
        listener.search("sigur ros", SEARCH, h -> { }).get(10, TimeUnit.SECONDS);
    assertThat(hits).isNotEmpty();
    byte[] expected = java.nio.file.Files.readAllBytes(tmp.resolve("music/tagged.flac"));
    try (io.loudp2p.StreamSession s = listener.stream(hits.get(0).track().id())
        .get(10, TimeUnit.SECONDS)) {
      assertThat(s.inputStream().readAllBytes()).isEqualTo(expected);
    }
    // A TLS peer (the default) and a plaintext one do not understand each other.
    Peer tls = start(Peer.builder().bootstrap(at(sharer)));
    assertThat(tls.peers()).noneMatch(io.loudp2p.PeerInfo::reachable);
  }
}
