package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.PeerIds;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.Role;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.testing.InMemoryNetwork;
import io.loudp2p.core.testing.InMemoryTransport;
import io.loudp2p.core.testing.VirtualPeers;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.ControlMethod;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a peer passes on in its answer to a {@code PeerExchange} (PROTOCOL.md section 3): records of
 * other peers it can call, never the caller's own record nor a record without an endpoint.
 */
class PeerExchangeRulesTest {
  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(7)
      .delivery(InMemoryNetwork.Delivery.MANUAL).build();
  private final VirtualPeers peers = new VirtualPeers(network, 7);
  private VirtualPeers.Made answering;

  /** Someone who greets the peer: an identity and the transport it calls from. */
  private final class Greeter {
    final Identity identity;
    final EnvelopeSealer sealer;
    final InMemoryTransport at = network.newTransport();

    Greeter(int seed) {
      byte[] secret = new byte[Identity.PRIVATE_KEY_LENGTH];
      new Random(seed).nextBytes(secret);
      identity = Identity.fromPrivateKey(secret);
      sealer = new EnvelopeSealer(identity, peers.clock(), new Random(seed));
    }

    PeerId id() {
      return identity.peerId();
    }

    Envelope record(boolean withEndpoint) {
      PeerRecord.Builder r = PeerRecord.newBuilder().setSequence(1)
          .setExpiresAtMs(peers.clock().millis() + Duration.ofHours(1).toMillis())
          .setRole(withEndpoint ? Role.ROLE_FULL : Role.ROLE_LIGHT);
      if (withEndpoint) {
        r.addEndpoints(Endpoint.newBuilder().setTransport(TransportKind.TRANSPORT_KIND_GRPC)
            .setIp(ByteString.copyFrom(at.host().getAddress())).setPort(VirtualPeers.PORT));
      }
      return sealer.sealRecord(r.build());
    }

    /** Greets the peer with its own record; returns the IDs of the sample it answers with. */
    List<PeerId> greet(boolean withEndpoint) throws Exception {
      Envelope e = sealer.seal(Payload.newBuilder().setPeerExchange(
          PeerExchange.newBuilder().setSelfRecord(record(withEndpoint))));
      CompletableFuture<byte[]> answer =
          at.call(answering.address(), ControlMethod.EXCHANGE_PEERS, e.toByteArray(),
          Duration.ofSeconds(5));
      network.runFor(Duration.ofSeconds(1));
      PeerExchange got = Payload.parseFrom(Envelope.parseFrom(answer.get()).getPayload())
          .getPeerExchange();
      List<PeerId> ids = new ArrayList<>();
      for (Envelope r : got.getSampleList()) {
        ids.add(PeerIds.of(r.getSignerPublicKey().toByteArray()));
      }
      return ids;
    }
  }

  @BeforeEach
  void setUp() throws Exception {
    answering = peers.add(Peer.builder());
    answering.peer().start();
    network.runFor(Duration.ofSeconds(1));
  }

  @AfterEach
  void tearDown() {
    peers.close();
  }

  @Test
  void theAnswerLeavesOutTheCallersOwnRecordAndRecordsWithoutAnEndpoint() throws Exception {
    Greeter caller = new Greeter(1);
    Greeter other = new Greeter(2);
    Greeter noEndpoint = new Greeter(3);
    caller.greet(true);
    other.greet(true);
    noEndpoint.greet(false);

    List<PeerId> sample = caller.greet(true);

    assertThat(sample).contains(other.id()).doesNotContain(caller.id(), noEndpoint.id());
  }
}
