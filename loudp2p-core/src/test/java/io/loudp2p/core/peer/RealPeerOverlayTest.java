package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.loudp2p.Peer;
import io.loudp2p.PeerInfo;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.ReachabilityCheck;
import io.loudp2p.core.proto.v1.SearchHits;
import io.loudp2p.core.proto.v1.TrackMetadata;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.testing.InMemoryNetwork;
import io.loudp2p.core.testing.InMemoryTransport;
import io.loudp2p.core.testing.VirtualPeers;
import io.loudp2p.core.wire.EnvelopeException;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The overlay behaviour of real core peers, on an in-memory network and virtual time: minutes of
 * a peer's life in milliseconds, reproducibly.
 */
class RealPeerOverlayTest {
  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(3)
      .delivery(InMemoryNetwork.Delivery.MANUAL).build();
  private final VirtualPeers peers = new VirtualPeers(network, 3);
  private final List<Payload.BodyCase> seen = new ArrayList<>();
  private final List<InetSocketAddress> exchangesTo = new ArrayList<>();

  @AfterEach
  void tearDown() {
    peers.close();
  }

  /** The payload of an envelope's bytes; the default instance when they do not parse. */
  static Payload body(byte[] envelope) {
    try {
      return Payload.parseFrom(Envelope.parseFrom(envelope).getPayload());
    } catch (Exception e) {
      return Payload.getDefaultInstance();
    }
  }

  @Test
  void retriesAnUnansweringBootstrapPeerWithBackoffOneRoundAtATime() throws Exception {
    InetSocketAddress nobody = new InetSocketAddress(network.newTransport().host(), 7070);
    network.observeControl(m -> {
      if (m.length > 0 && body(m).hasPeerExchange()) {
        seen.add(Payload.BodyCase.PEER_EXCHANGE);
      }
    });
    Peer lonely = peers.add(Peer.builder().bootstrap(nobody)).peer().start();

    // Rounds at 0, 1, 3, 7, 15, 31 and 63 s (waits of 1, 2, 4, ... s), however often the shuffle
    // timer finds the view empty meanwhile.
    network.runFor(Duration.ofSeconds(120));
    assertThat(seen).hasSize(7);
    network.runFor(Duration.ofSeconds(60)); // the wait is capped at a minute
    assertThat(seen).hasSize(8);
    assertThat(lonely.peers()).isEmpty();
  }

  /** A peer that answers exchanges as a FULL peer and searches with whatever hits it likes. */
  private final class Liar {
    final Identity identity = Identity.generate();
    final InMemoryTransport transport = network.newTransport();
    final EnvelopeSealer sealer = new EnvelopeSealer(identity, peers.clock(), new Random(5));
    final EnvelopeOpener opener = EnvelopeOpener.builder().clock(peers.clock()).build();
    final Envelope record = sealer.sealRecord(record(transport, PeerRecord.newBuilder()
        .setRole(io.loudp2p.core.proto.v1.Role.ROLE_FULL)));
    SearchHits hits = SearchHits.getDefaultInstance();

    Liar() {
      transport.listen(address(), this::handle).join();
    }

    InetSocketAddress address() {
      return new InetSocketAddress(transport.host(), 7070);
    }

    void handle(byte[] request, InetSocketAddress remote, ControlMethod method, ControlResponder r) {
      boolean streaming = method.streaming();
      SignedMessage m;
      try {
        m = opener.open(request);
      } catch (EnvelopeException e) {
        r.fail(ControlErrorCode.UNAUTHENTICATED, e.getMessage());
        return;
      }
      if (m.payload().hasPeerExchange() || m.payload().hasShuffle()) {
        Payload.Builder answer = m.payload().hasShuffle()
            ? Payload.newBuilder().setShuffle(io.loudp2p.core.proto.v1.Shuffle.newBuilder()
                .setSelfRecord(record))
            : Payload.newBuilder().setPeerExchange(PeerExchange.newBuilder().setSelfRecord(record));
        r.reply(sealer.seal(answer).toByteArray());
      } else if (m.payload().hasSearchQuery() && streaming) {
        r.next(sealer.seal(Payload.newBuilder().setSearchHits(hits.toBuilder()
            .setQueryId(m.payload().getSearchQuery().getQueryId()))).toByteArray());
        r.complete();
      } else {
        r.fail(ControlErrorCode.MALFORMED, "not here");
      }
    }
  }

  private PeerRecord record(InMemoryTransport at, PeerRecord.Builder b) {
    return b.setSequence(1).setExpiresAtMs(peers.clock().millis() + 3_600_000)
        .addEndpoints(Endpoint.newBuilder().setTransport(TransportKind.TRANSPORT_KIND_GRPC)
            .setIp(ByteString.copyFrom(at.host().getAddress())).setPort(7070)).build();
  }

  private Envelope someonesRecord(int n) {
    Identity who = Identity.generate();
    return new EnvelopeSealer(who).sealRecord(PeerRecord.newBuilder().setSequence(1)
        .setExpiresAtMs(peers.clock().millis() + 3_600_000)
        .setRole(io.loudp2p.core.proto.v1.Role.ROLE_FULL)
        .addEndpoints(Endpoint.newBuilder().setTransport(TransportKind.TRANSPORT_KIND_GRPC)
            .setIp(ByteString.copyFrom(new byte[] {10, (byte) (n >>> 8), (byte) n, 1}))
            .setPort(7070)).build());
  }

  @Test
  void aResponderCannotFillTheTableWithTheSourcesOfItsHits() throws Exception {
    Liar liar = new Liar();
    SearchHits.Builder lies = SearchHits.newBuilder();
    for (int h = 0; h < 60; h++) {
      io.loudp2p.core.proto.v1.SearchHit.Builder hit = io.loudp2p.core.proto.v1.SearchHit.newBuilder()
          .setTrackId(ByteString.copyFrom(new byte[] {(byte) h, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11,
              12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31}))
          .setSize(1000).setMetadata(TrackMetadata.newBuilder().setTitle("bait " + h));
      for (int s = 0; s < 10; s++) {
        hit.addSources(someonesRecord(h * 10 + s));
      }
      lies.addHits(hit);
    }
    liar.hits = lies.build();
    Peer asker = peers.add(Peer.builder().bootstrap(liar.address())).peer().start();
    network.runFor(Duration.ofSeconds(1));
    assertThat(asker.peers()).extracting(PeerInfo::id).containsExactly(liar.identity.peerId());

    CompletableFuture<List<SearchHit>> found = asker.search("bait", Duration.ofSeconds(5), h -> {});
    network.runFor(Duration.ofSeconds(6));

    // At most 50 hits (the protocol's limit) with at most 8 sources each are believed, and the
    // table keeps at most 64 records passed on by one peer: 600 offered, 64 kept.
    assertThat(found.get()).hasSizeLessThanOrEqualTo(QueryForwarder.MAX_HITS)
        .allSatisfy(h -> assertThat(h.sources()).hasSizeLessThanOrEqualTo(8));
    assertThat(asker.peers()).hasSize(1 + PeerTable.MAX_PER_SOURCE);
  }

  @Test
  void aLightPeerThatOthersCanReachIsPromotedAndOneBehindNatIsNot() throws Exception {
    VirtualPeers.Made full = peers.add(Peer.builder());
    full.peer().start();
    VirtualPeers.Made open = peers.add(Peer.builder().role(Role.LIGHT).bootstrap(full.address()));
    VirtualPeers.Made natted = peers.add(Peer.builder().role(Role.LIGHT).bootstrap(full.address()));
    network.blockInbound(natted.transport().host());
    open.peer().start();
    natted.peer().start();
    network.observeControl(m -> {
      if (m.length > 0) {
        seen.add(body(m).getBodyCase());
      }
    });

    network.runFor(Duration.ofMinutes(4));
    assertThat(seen).doesNotContain(Payload.BodyCase.REACHABILITY_CHECK);
    // After five minutes each asks its FULL link to dial it back; only one can be reached, and
    // it is promoted once it has been up ten minutes.
    network.runFor(Duration.ofMinutes(8));
    assertThat(seen).filteredOn(b -> b == Payload.BodyCase.REACHABILITY_CHECK).hasSize(2);
    assertThat(open.peer().role()).isEqualTo(Role.FULL);
    assertThat(natted.peer().role()).isEqualTo(Role.LIGHT);
    assertThat(full.peer().peers()).filteredOn(p -> p.id().equals(open.peer().id()))
        .singleElement().satisfies(p -> assertThat(p.role()).isEqualTo(Role.FULL));
  }

  @Test
  void aReachabilityCheckDialsOnlyTheAddressTheCheckCameFromAndOnceAMinute() throws Exception {
    VirtualPeers.Made checker = peers.add(Peer.builder());
    checker.peer().start();
    VirtualPeers.Made victim = peers.add(Peer.builder());
    victim.peer().start();
    network.observeControl(m -> {
      if (m.length > 0 && body(m).hasPeerExchange()) {
        seen.add(Payload.BodyCase.PEER_EXCHANGE);
      }
    });
    // An asker whose own signed record names the victim's address, not its own.
    Identity asker = Identity.generate();
    InMemoryTransport askerAt = network.newTransport();
    EnvelopeSealer sealer = new EnvelopeSealer(asker, peers.clock(), new Random(9));
    Envelope lying = sealer.sealRecord(record(victim.transport(),
        PeerRecord.newBuilder().setRole(io.loudp2p.core.proto.v1.Role.ROLE_LIGHT)));
    byte[] check = sealer.seal(Payload.newBuilder().setReachabilityCheck(
        ReachabilityCheck.newBuilder().setRecord(lying))).toByteArray();

    CompletableFuture<byte[]> answer = askerAt.call(checker.address(),
        ControlMethod.CHECK_REACHABILITY, check, Duration.ofSeconds(5));
    network.runFor(Duration.ofSeconds(6));
    Payload result = body(answer.get());
    assertThat(result.hasReachabilityResult()).isTrue();
    assertThat(result.getReachabilityResult().getReached()).isFalse();
    assertThat(result.getReachabilityResult().hasDialed()).isFalse();
    assertThat(seen).as("nobody was dialed").isEmpty();

    byte[] again = sealer.seal(Payload.newBuilder().setReachabilityCheck(
        ReachabilityCheck.newBuilder().setRecord(lying))).toByteArray();
    CompletableFuture<byte[]> refused = askerAt.call(checker.address(),
        ControlMethod.CHECK_REACHABILITY, again, Duration.ofSeconds(5));
    network.runFor(Duration.ofSeconds(6));
    assertThat(refused).isCompletedExceptionally();
    try {
      refused.get();
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(ControlException.class);
      assertThat(((ControlException) e.getCause()).code())
          .isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED);
    }
  }
  @Test
  void manyIdentitiesSendingValidSearchesAreRefusedPastTheTotalAndCannotDemoteAFullPeer()
      throws Exception {
    VirtualPeers.Made busy = peers.add(Peer.builder());
    busy.peer().start();
    VirtualPeers.Made neighbour = peers.add(Peer.builder().bootstrap(busy.address()));
    neighbour.peer().start();
    network.runFor(Duration.ofSeconds(305)); // past the five minutes a new role is held

    // Twenty throwaway identities, each within its own limit (40 a second), send 800 valid
    // queries a second for 90 s: 72,000, four times what a peer answers in all.
    List<InMemoryTransport> askers = new ArrayList<>();
    List<EnvelopeSealer> sealers = new ArrayList<>();
    for (int a = 0; a < 20; a++) {
      askers.add(network.newTransport());
      sealers.add(new EnvelopeSealer(Identity.generate(), peers.clock(), new Random(a)));
    }
    Random ids = new Random(11);
    int[] answered = new int[1];
    int[] refused = new int[1];
    for (int second = 0; second < 90; second++) {
      for (int a = 0; a < askers.size(); a++) {
        for (int q = 0; q < 40; q++) {
          byte[] id = new byte[16];
          ids.nextBytes(id);
          byte[] query = sealers.get(a).seal(Payload.newBuilder().setSearchQuery(
              io.loudp2p.core.proto.v1.SearchQuery.newBuilder().setQueryId(ByteString.copyFrom(id))
                  .addTerms("anything").setTtl(3).setWalkers(1))).toByteArray();
          askers.get(a).callStreaming(busy.address(), ControlMethod.SEARCH, query, Duration.ofSeconds(5), r -> { })
              .whenComplete((v, t) -> {
                if (t == null) {
                  answered[0]++;
                } else if (t instanceof ControlException c
                    && c.code() == ControlErrorCode.RESOURCE_EXHAUSTED
                    && c.getMessage().contains("searches a second in all")) {
                  refused[0]++;
                }
              });
        }
      }
      network.runFor(Duration.ofSeconds(1));
    }
    network.runFor(Duration.ofSeconds(70)); // past the next role check
    assertThat(answered[0] + refused[0]).isEqualTo(72_000);
    assertThat(answered[0]).as("answered").isBetween(90 * InboundDispatcher.TOTAL_SEARCHES_PER_SECOND,
        90 * InboundDispatcher.TOTAL_SEARCHES_PER_SECOND + InboundDispatcher.TOTAL_SEARCH_BURST);
    assertThat(busy.peer().role()).as("valid queries from strangers are not the peer's load")
        .isEqualTo(Role.FULL);
    assertThat(PeerDiagnostics.neighbours(busy.peer())).containsExactly(neighbour.peer().id());
    // Other requests still get through the total, and the neighbour still sees a FULL peer.
    assertThat(neighbour.peer().peers()).singleElement()
        .satisfies(p -> assertThat(p.role()).isEqualTo(Role.FULL));
  }

  @Test
  void aFullPeerWhoseOwnResourcesAreExhaustedDemotesItselfAndTellsItsNeighbours()
      throws Exception {
    double[] load = {0.2};
    VirtualPeers.Made busy = peers.add(Peer.builder(), () -> load[0]);
    busy.peer().start();
    VirtualPeers.Made neighbour = peers.add(Peer.builder().bootstrap(busy.address()));
    neighbour.peer().start();
    network.runFor(Duration.ofSeconds(305)); // past the five minutes a new role is held
    assertThat(busy.peer().role()).isEqualTo(Role.FULL);
    assertThat(neighbour.peer().peers()).singleElement()
        .satisfies(p -> assertThat(p.role()).isEqualTo(Role.FULL));

    load[0] = 1.0; // its CPU or heap is at the limit
    network.runFor(Duration.ofSeconds(61)); // the minute's role check comes

    assertThat(busy.peer().role()).isEqualTo(Role.LIGHT);
    assertThat(neighbour.peer().peers()).singleElement()
        .satisfies(p -> assertThat(p.role()).as("told by a signed RoleChange").isEqualTo(Role.LIGHT));
  }

  @Test
  void aSearchCallEndsByTheDeadlineItsTtlImpliesWhileItsWalkGoesOnPastSilentNeighbours()
      throws Exception {
    VirtualPeers.Made hub = peers.add(Peer.builder());
    hub.peer().start();
    List<VirtualPeers.Made> around = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      around.add(peers.add(Peer.builder().bootstrap(hub.address())));
      around.get(i).peer().start();
    }
    network.runFor(Duration.ofSeconds(30));
    assertThat(PeerDiagnostics.neighbours(hub.peer())).containsExactlyInAnyOrderElementsOf(ids(around));
    for (VirtualPeers.Made m : around) {
      network.kill(m.address()); // silent from now on: each hop of the walk waits a second
    }
    long start = peers.clock().millis();
    List<Long> forwardedAt = new ArrayList<>();
    network.observeControl(m -> {
      if (m.length > 0 && body(m).hasSearchQuery() && body(m).getSearchQuery().getTtl() == 1) {
        forwardedAt.add(peers.clock().millis() - start);
      }
    });
    InMemoryTransport asker = network.newTransport();
    EnvelopeSealer sealer = new EnvelopeSealer(Identity.generate(), peers.clock(), new Random(4));
    byte[] query = sealer.seal(Payload.newBuilder().setSearchQuery(
        io.loudp2p.core.proto.v1.SearchQuery.newBuilder()
            .setQueryId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
                14, 15, 16}))
            .addTerms("anything").setTtl(2).setWalkers(1))).toByteArray();
    long[] endedAt = {-1};
    CompletableFuture<Void> call = asker.callStreaming(hub.address(), ControlMethod.SEARCH, query,
        Duration.ofSeconds(30), r -> { }).whenComplete((v, t) -> endedAt[0] = peers.clock().millis() - start);
    network.runFor(Duration.ofSeconds(10));

    // ttl 2: the hub holds the call three seconds (one per hop left and its own), not the seven
    // its walk takes to try six silent neighbours one after another, each for a second.
    assertThat(call).isCompleted().isNotCompletedExceptionally();
    assertThat(endedAt[0]).isBetween(3_000L, 3_500L);
    assertThat(forwardedAt).hasSize(6);
    assertThat(forwardedAt).filteredOn(t -> t > endedAt[0]).as("the walk goes on").hasSize(2);
  }

  @Test
  void aNetworkSplitInTwoJoinsAgainWithinTwoMinutesOfTheLinkComingBack(
      @org.junit.jupiter.api.io.TempDir Path music) throws Exception {
    // Side A: a seed and three peers; side B: four peers that joined through the seed, one of
    // them sharing "needle".
    VirtualPeers.Made seed = peers.add(Peer.builder());
    seed.peer().start();
    List<VirtualPeers.Made> sideA = new ArrayList<>(List.of(seed));
    List<VirtualPeers.Made> sideB = new ArrayList<>();
    for (int i = 0; i < 7; i++) {
      Peer.Builder b = Peer.builder().bootstrap(seed.address());
      if (i == 6) {
        Path folder = java.nio.file.Files.createDirectories(music.resolve("b"));
        java.nio.file.Files.write(folder.resolve("needle.wav"),
            io.loudp2p.core.testing.TestAudio.noiseWavOfBytes(512, 5));
        b.share(folder);
      }
      VirtualPeers.Made m = peers.add(b);
      m.peer().start();
      (i < 3 ? sideA : sideB).add(m);
      network.runFor(Duration.ofMillis(500));
    }
    network.runFor(Duration.ofMinutes(2));
    Peer asker = sideA.get(1).peer();
    assertThat(found(asker)).as("before the split").isTrue();

    List<java.net.InetAddress> hostsA = new ArrayList<>();
    for (VirtualPeers.Made m : sideA) {
      hostsA.add(m.transport().host());
    }
    network.partition(hostsA);
    network.runFor(Duration.ofMinutes(5));
    assertThat(found(asker)).as("across the cut").isFalse();
    assertThat(PeerDiagnostics.neighbours(asker)).as("side A's view after the split")
        .doesNotContainAnyElementsOf(ids(sideB));

    network.heal();
    long healedAt = peers.clock().millis();
    long joinedAfter = -1;
    for (int tries = 0; tries < 30 && joinedAfter < 0; tries++) {
      network.runFor(Duration.ofSeconds(10));
      if (found(asker)) {
        joinedAfter = peers.clock().millis() - healedAt;
      }
    }
    System.out.println("a search found across the healed cut " + joinedAfter + " ms after it healed");
    // Two greetings a minute (a lost peer, a bootstrap peer out of the view) join the two sides.
    assertThat(joinedAfter).as("ms from the link's return to a search that finds across it")
        .isBetween(0L, 120_000L);
  }

  /** Whether a search from {@code asker} finds "needle" (on the network's time). */
  private boolean found(Peer asker) throws Exception {
    CompletableFuture<List<SearchHit>> hits = asker.search("needle", Duration.ofSeconds(5), h -> { });
    network.runFor(Duration.ofSeconds(6));
    return !hits.get(0, java.util.concurrent.TimeUnit.SECONDS).isEmpty();
  }

  /** Three seeds, and six more FULL peers joined through them that share "needle". */
  private List<VirtualPeers.Made> seedsAndFullPeers(Path music) throws Exception {
    List<VirtualPeers.Made> full = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      full.add(peers.add(Peer.builder()));
      full.get(i).peer().start();
    }
    for (int i = 0; i < 6; i++) {
      Path folder = java.nio.file.Files.createDirectories(music.resolve("holder" + i));
      java.nio.file.Files.write(folder.resolve("needle.wav"),
          io.loudp2p.core.testing.TestAudio.noiseWavOfBytes(512, 5));
      Peer.Builder b = Peer.builder().share(folder);
      for (int s = 0; s < 3; s++) {
        b.bootstrap(full.get(s).address());
      }
      VirtualPeers.Made m = peers.add(b);
      m.peer().start();
      full.add(m);
      network.runFor(Duration.ofMillis(500));
    }
    return full;
  }

  /** A LIGHT peer bootstrapped from the three seeds, whose links are at first just those. */
  private VirtualPeers.Made light(List<VirtualPeers.Made> full) throws Exception {
    Peer.Builder b = Peer.builder().role(Role.LIGHT);
    for (int s = 0; s < 3; s++) {
      b.bootstrap(full.get(s).address());
    }
    VirtualPeers.Made light = peers.add(b);
    light.peer().start();
    network.runFor(Duration.ofSeconds(3));
    assertThat(PeerDiagnostics.links(light.peer())).as("at first, the bootstrap peers")
        .hasSize(3).containsExactlyInAnyOrderElementsOf(ids(full.subList(0, 3)));
    return light;
  }

  private static List<io.loudp2p.PeerId> ids(List<VirtualPeers.Made> made) {
    List<io.loudp2p.PeerId> out = new ArrayList<>();
    for (VirtualPeers.Made m : made) {
      out.add(m.peer().id());
    }
    return out;
  }

  @Test
  void aLightPeerWhoseLinksAllLeaveAtOnceDrawsNewOnesFromItsViewAndItsSearchGoesThrough(
      @org.junit.jupiter.api.io.TempDir Path music) throws Exception {
    List<VirtualPeers.Made> full = seedsAndFullPeers(music);
    VirtualPeers.Made light = light(full);
    for (VirtualPeers.Made seed : full.subList(0, 3)) {
      network.kill(seed.address()); // gone without a word: calls to them end at their deadline
    }
    CompletableFuture<List<SearchHit>> hits =
        light.peer().search("needle", Duration.ofSeconds(8), h -> {});
    network.runFor(Duration.ofSeconds(9));

    assertThat(hits).isCompleted();
    // The seeds share nothing: the hit comes from a link the light peer drew from its view once
    // its three bootstrap links had each kept silent for a second.
    assertThat(hits.join()).singleElement().satisfies(h -> assertThat(h.sources())
        .isNotEmpty().isSubsetOf(ids(full.subList(3, 9))));
    // The calls to the seeds end at their deadlines (the last 10 s after the search began): by
    // then each has been dropped as a link, even one drawn back while it kept silent.
    network.runFor(Duration.ofSeconds(3));
    assertThat(PeerDiagnostics.links(light.peer())).isNotEmpty()
        .doesNotContainAnyElementsOf(ids(full.subList(0, 3)));
  }

  @Test
  void aLightPeersLinksMoveFromItsBootstrapPeersToFullPeersOfItsView(
      @org.junit.jupiter.api.io.TempDir Path music) throws Exception {
    List<VirtualPeers.Made> full = seedsAndFullPeers(music);
    VirtualPeers.Made light = light(full);
    List<io.loudp2p.PeerId> seeds = ids(full.subList(0, 3));

    // One link moves every 30 s: after five minutes, each has moved three times or more.
    network.runFor(Duration.ofMinutes(5));
    List<io.loudp2p.PeerId> links = PeerDiagnostics.links(light.peer());
    assertThat(links).hasSize(3).doesNotHaveDuplicates();
    assertThat(links).filteredOn(id -> !seeds.contains(id)).as("links beyond the bootstrap peers")
        .isNotEmpty();
    assertThat(ids(full)).containsAll(links);
  }
}
