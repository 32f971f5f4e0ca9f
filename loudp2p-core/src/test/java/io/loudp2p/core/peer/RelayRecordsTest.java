package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.loudp2p.NetworkStatus;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.core.wire.SignedPeerRecord;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.TransportServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Relays in records (PROTOCOL.md sections 2 and 10): which relay a record names, the routes told
 * to the control transport as records come and go, and when a peer takes itself to be behind a
 * NAT.
 */
class RelayRecordsTest {
  private static final EnvelopeOpener OPENER = EnvelopeOpener.withDefaults();
  private static final Identity RELAY = Identity.generate();
  private static final InetSocketAddress RELAY_AT =
      new InetSocketAddress(address(10, 0, 0, 1), 7070);

  @Test
  void aRecordNamesItsFirstUsableRelay() throws Exception {
    Identity owner = Identity.generate();
    Identity other = Identity.generate();
    assertThat(RelayEndpoint.of(record(owner, 1))).isNull();
    SignedPeerRecord r = record(owner, 1,
        relayed(RELAY_AT, new byte[10]), // not a peer ID
        relayed(RELAY_AT, owner.peerId().bytes()), // itself
        relayed(new InetSocketAddress(address(10, 0, 0, 2), 7071), other.peerId().bytes()),
        relayed(RELAY_AT, RELAY.peerId().bytes()));
    assertThat(RelayEndpoint.of(r)).isEqualTo(new RelayEndpoint(
        new InetSocketAddress(address(10, 0, 0, 2), 7071), other.peerId()));
    assertThat(new RelayEndpoint(RELAY_AT, RELAY.peerId()).toEndpoint())
        .isEqualTo(relayed(RELAY_AT, RELAY.peerId().bytes()));
  }

  @Test
  void theTransportIsToldARouteOnlyWhenAPeersRelayChanges() throws Exception {
    Told told = new Told();
    Identity self = Identity.generate();
    RelayRoutes routes = new RelayRoutes(self.peerId(), told);
    Identity natted = Identity.generate();
    routes.learnt(record(natted, 1));
    assertThat(told.said).isEmpty();
    routes.learnt(record(natted, 2, relayed(RELAY_AT, RELAY.peerId().bytes())));
    routes.learnt(record(natted, 3, relayed(RELAY_AT, RELAY.peerId().bytes())));
    assertThat(told.said).containsExactly(natted.peerId() + " via " + RELAY.peerId());
    assertThat(routes.of(natted.peerId())).isEqualTo(new RelayEndpoint(RELAY_AT, RELAY.peerId()));
    routes.learnt(record(natted, 4)); // reachable again: called directly
    assertThat(told.said).containsExactly(natted.peerId() + " via " + RELAY.peerId(),
        natted.peerId() + " direct");
    assertThat(routes.of(natted.peerId())).isNull();
    // A peer whose relays include this peer: this peer reaches it through itself, since it
    // cannot dial it either.
    routes.learnt(record(natted, 5, relayed(RELAY_AT, RELAY.peerId().bytes()),
        relayed(RELAY_AT, self.peerId().bytes())));
    assertThat(told.said).endsWith(natted.peerId() + " via " + self.peerId());
  }

  @Test
  void ofTheRelaysARecordListsOneThisPeerIsConnectedToIsTaken() throws Exception {
    Told told = new Told();
    RelayRoutes routes = new RelayRoutes(Identity.generate().peerId(), told);
    Identity other = Identity.generate();
    InetSocketAddress otherAt = new InetSocketAddress(address(10, 0, 0, 3), 7070);
    Identity natted = Identity.generate();
    routes.prefer(id -> id.equals(other.peerId()));
    routes.learnt(record(natted, 1, relayed(RELAY_AT, RELAY.peerId().bytes()),
        relayed(otherAt, other.peerId().bytes())));
    assertThat(routes.of(natted.peerId())).isEqualTo(new RelayEndpoint(otherAt, other.peerId()));
    // Connected to none of them: the first listed.
    routes.prefer(id -> false);
    Identity another = Identity.generate();
    routes.learnt(record(another, 1, relayed(RELAY_AT, RELAY.peerId().bytes()),
        relayed(otherAt, other.peerId().bytes())));
    assertThat(routes.of(another.peerId())).isEqualTo(new RelayEndpoint(RELAY_AT, RELAY.peerId()));
  }

  @Test
  void aFailedRelayIsLeftForAnotherTheRecordListsAndNotTakenAgainWhileOneIs() throws Exception {
    Told told = new Told();
    RelayRoutes routes = new RelayRoutes(Identity.generate().peerId(), told);
    Identity other = Identity.generate();
    InetSocketAddress otherAt = new InetSocketAddress(address(10, 0, 0, 3), 7070);
    RelayEndpoint first = new RelayEndpoint(RELAY_AT, RELAY.peerId());
    RelayEndpoint second = new RelayEndpoint(otherAt, other.peerId());
    Identity natted = Identity.generate();
    SignedPeerRecord both = record(natted, 1, relayed(RELAY_AT, RELAY.peerId().bytes()),
        relayed(otherAt, other.peerId().bytes()));
    routes.learnt(both);
    assertThat(routes.of(natted.peerId())).isEqualTo(first);

    assertThat(routes.failOver(both, first)).isEqualTo(second);
    assertThat(routes.of(natted.peerId())).isEqualTo(second);
    assertThat(told.said).endsWith(natted.peerId() + " via " + other.peerId());
    // A second session that lost the same relay finds the route moved already.
    assertThat(routes.failOver(both, first)).isNull();
    // The record learnt again, or a newer one listing both: the failed relay stays left.
    routes.learnt(record(natted, 2, relayed(RELAY_AT, RELAY.peerId().bytes()),
        relayed(otherAt, other.peerId().bytes())));
    assertThat(routes.of(natted.peerId())).isEqualTo(second);
    // One listing only the failed relay: it is all there is.
    routes.learnt(record(natted, 3, relayed(RELAY_AT, RELAY.peerId().bytes())));
    assertThat(routes.of(natted.peerId())).isEqualTo(first);
    // A record that lists no other relay has nowhere to fail over to.
    assertThat(routes.failOver(record(natted, 3, relayed(RELAY_AT, RELAY.peerId().bytes())),
        first)).isNull();
    assertThat(routes.of(natted.peerId())).isEqualTo(first);
  }

  @Test
  void routesAreBoundedAndTheOldestGoesFirst() throws Exception {
    Told told = new Told();
    RelayRoutes routes = new RelayRoutes(Identity.generate().peerId(), told, 2);
    List<Identity> peers = List.of(Identity.generate(), Identity.generate(), Identity.generate());
    for (Identity p : peers) {
      routes.learnt(record(p, 1, relayed(RELAY_AT, RELAY.peerId().bytes())));
    }
    assertThat(told.said).endsWith(peers.get(0).peerId() + " direct");
    assertThat(routes.of(peers.get(0).peerId())).isNull();
    assertThat(routes.of(peers.get(2).peerId())).isNotNull();
  }

  @Test
  void aPeerIsBehindANatWhenItsSocketWasSeenMappedOrOthersSeeAnAddressNotItsOwn()
      throws Exception {
    NetworkStatus open = NetworkStatus.unknown(null, NetworkStatus.Dialable.UNKNOWN);
    assertThat(behindNat(open)).isFalse();
    assertThat(behindNat(mapped(NetworkStatus.Mapping.ENDPOINT_INDEPENDENT))).isTrue();
    assertThat(behindNat(mapped(NetworkStatus.Mapping.ENDPOINT_DEPENDENT))).isTrue();
    assertThat(behindNat(mapped(NetworkStatus.Mapping.NONE))).isFalse();
    assertThat(behindNat(NetworkStatus.unknown(InetAddress.getLoopbackAddress(),
        NetworkStatus.Dialable.UNKNOWN))).isFalse();
    // 192.0.2.7 (TEST-NET-1) is no interface's address here: seen there, this peer is behind a NAT.
    assertThat(behindNat(NetworkStatus.unknown(address(192, 0, 2, 7),
        NetworkStatus.Dialable.UNKNOWN))).isTrue();
  }

  private static boolean behindNat(NetworkStatus status) {
    return RelayKeeper.behindNat(status, RelayKeeper::isLocal);
  }

  private static NetworkStatus mapped(NetworkStatus.Mapping mapping) {
    return new NetworkStatus(Optional.empty(), NetworkStatus.Dialable.UNKNOWN, mapping,
        Optional.empty(), Optional.empty());
  }

  static SignedPeerRecord record(Identity who, long sequence, Endpoint... more)
      throws Exception {
    PeerRecord.Builder r = PeerRecord.newBuilder().setSequence(sequence)
        .setExpiresAtMs(System.currentTimeMillis() + 3_600_000)
        .addEndpoints(SelfRecord.endpoint(TransportKind.TRANSPORT_KIND_GRPC,
            new InetSocketAddress(address(192, 168, 1, 2), 7070)));
    for (Endpoint e : more) {
      r.addEndpoints(e);
    }
    return OPENER.openRecord(new EnvelopeSealer(who).sealRecord(r.build()));
  }

  static Endpoint relayed(InetSocketAddress at, byte[] peerId) {
    return SelfRecord.endpoint(TransportKind.TRANSPORT_KIND_GRPC_RELAYED, at).toBuilder()
        .setPeerId(ByteString.copyFrom(peerId)).build();
  }

  static InetAddress address(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (java.net.UnknownHostException e) {
      throw new IllegalArgumentException(e);
    }
  }

  /** What a test's transport answers where it reaches no one: UNAVAILABLE. */
  static <T> CompletableFuture<T> unreachable(InetSocketAddress at) {
    return CompletableFuture.failedFuture(new ControlException(ControlErrorCode.UNAVAILABLE,
        "nothing listens at " + at + " in this test"));
  }

  /**
   * A control transport that records the routes it is told and reaches no one: what the routes
   * are told is all these tests look at.
   */
  private static final class Told implements ControlTransport {
    final List<String> said = new ArrayList<>();

    @Override
    public void routeThroughRelay(PeerId peer, InetSocketAddress relay,
        @Nullable PeerId relayPeer) {
      said.add(peer + (relayPeer == null ? " direct" : " via " + relayPeer));
    }

    @Override
    public CompletableFuture<byte[]> call(InetSocketAddress endpoint, ControlMethod method,
        byte[] request, Duration deadline) {
      return unreachable(endpoint);
    }

    @Override
    public CompletableFuture<Void> callStreaming(InetSocketAddress endpoint, ControlMethod method,
        byte[] request, Duration deadline, Consumer<byte[]> onResponse) {
      return unreachable(endpoint);
    }

    @Override
    public CompletableFuture<TransportServer> listen(InetSocketAddress address,
        ControlHandler handler) {
      return unreachable(address);
    }

    @Override
    public void close() {}
  }
}
