package io.loudp2p.core.testing;

import com.google.protobuf.ByteString;
import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.SearchHit;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.network.PeerSampler;
import io.loudp2p.core.network.QueryRouter;
import io.loudp2p.core.peer.PeerDiagnostics;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.RoleChange;
import io.loudp2p.core.proto.v1.SearchHits;
import io.loudp2p.core.proto.v1.Shuffle;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.EnvelopeException;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Honest core peers under a Sybil attack, on an in-memory network and virtual time: a share of all
 * identities belongs to one attacker, who runs each of them as a live FULL peer that answers every
 * call and spends its whole budget on poisoning views. Each attacker identity:
 *
 * <ul>
 *   <li>greets the seeds and honest peers with a {@code PeerExchange} carrying its own record and
 *       32 records of other attacker identities;
 *   <li>pushes a {@code Shuffle} (its record and seven attacker records, all of age 0) or such a
 *       {@code PeerExchange} to honest peers, {@link Config#pushesPerPeerPerSecond} a second per
 *       honest peer in all (ten times what an honest peer receives);
 *   <li>answers every shuffle and exchange with attacker records only, and acknowledges every search
 *       with an empty first batch of hits and then forwards nothing (it swallows walks).
 * </ul>
 *
 * <p>The attacker knows every honest peer's address from the start. Honest peers are all FULL;
 * 1% of them hold each rare track. {@link #run()} lets the attack go on for {@link Config#attack}
 * and then measures the share of honest entries in honest views and the success of routed
 * searches. Single-threaded; not thread-safe.
 */
public final class SybilSimulation {
  /**
   * The scenario.
   *
   * @param honest how many honest peers (the first three are the seeds)
   * @param attackerShare the share of all identities that are the attacker's, from 0 to below 1
   * @param seed the seed of everything random
   * @param pushesPerPeerPerSecond unsolicited pushes per honest peer a second, from all attacker
   *     identities together
   * @param attack how long the attack runs before the measurements
   * @param searches routed searches in the batch measured
   */
  public record Config(int honest, double attackerShare, long seed, double pushesPerPeerPerSecond,
      Duration attack, int searches) {
    /** The scenario of the unit test and the benchmark. */
    public static Config of(int honest, double attackerShare, long seed) {
      return new Config(honest, attackerShare, seed, 1.0, Duration.ofMinutes(10), 200);
    }
  }

  /** What a run measured. */
  public record Report(int honest, int attackers, double meanHonestShare, double worstHonestShare,
      double tenthPercentileHonestShare, double fullyHonestViews, int searches, int found,
      long pushes) {
    /** The share of searches that found their track. */
    public double searchSuccess() {
      return searches == 0 ? 0 : (double) found / searches;
    }

    /** The attacker's share of all identities. */
    public double attackerShare() {
      return (double) attackers / (honest + attackers);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, String.join("%n",
          "sybil simulation: %d honest FULL peers, %d attacker identities (%.0f%% of all), view %d;"
              + " %d attacker pushes",
          "  honest share of honest views: mean %.1f%%, 10th percentile %.1f%%, worst %.1f%%;"
              + " %.1f%% of views wholly honest",
          "  attacker share of views: %.1f%% (its share of identities plus %.1f points)",
          "  routed searches: %d/%d found (%.1f%%)"),
          honest, attackers, 100 * attackerShare(), PeerSampler.DEFAULT_VIEW_SIZE, pushes,
          100 * meanHonestShare, 100 * tenthPercentileHonestShare, 100 * worstHonestShare,
          100 * fullyHonestViews, 100 * (1 - meanHonestShare),
          100 * (1 - meanHonestShare - attackerShare()), found, searches,
          100 * searchSuccess());
    }
  }

  private final Config config;
  private final Random random;
  private final InMemoryNetwork network;
  private final VirtualPeers made;
  private final List<Peer> honest = new ArrayList<>();
  private final List<InetSocketAddress> honestAddresses = new ArrayList<>();
  private final Map<String, List<Integer>> holders = new HashMap<>();
  private final List<Attacker> attackers = new ArrayList<>();
  private final Set<PeerId> attackerIds = new HashSet<>();
  private final EnvelopeOpener opener;
  private long pushes;

  /** A simulation of {@code config}. */
  public SybilSimulation(Config config) {
    if (!(config.attackerShare() >= 0 && config.attackerShare() < 1)) {
      throw new IllegalArgumentException("attacker share must be from 0 to below 1");
    }
    this.config = config;
    this.random = new Random(config.seed());
    this.network = InMemoryNetwork.builder().seed(config.seed())
        .delivery(InMemoryNetwork.Delivery.MANUAL)
        .controlLatency(Duration.ofMillis(10), Duration.ofMillis(100)).build();
    this.made = new VirtualPeers(network, random.nextLong());
    this.opener = EnvelopeOpener.builder().clock(made.clock()).build();
  }

  /** One attacker identity: a live FULL peer that only poisons. */
  private final class Attacker {
    final InMemoryTransport transport;
    final EnvelopeSealer sealer;
    final PeerId id;
    Envelope record;

    Attacker(Identity identity) {
      this.transport = network.newTransport();
      this.sealer = new EnvelopeSealer(identity, made.clock(), new Random(random.nextLong()));
      this.id = identity.peerId();
    }

    InetSocketAddress address() {
      return new InetSocketAddress(transport.host(), VirtualPeers.PORT);
    }

    void sign(long nowMs) {
      record = sealer.sealRecord(PeerRecord.newBuilder().setSequence(1)
          .setExpiresAtMs(nowMs + Duration.ofHours(2).toMillis())
          .setRole(io.loudp2p.core.proto.v1.Role.ROLE_FULL)
          .addEndpoints(Endpoint.newBuilder().setTransport(TransportKind.TRANSPORT_KIND_GRPC)
              .setIp(ByteString.copyFrom(transport.host().getAddress()))
              .setPort(VirtualPeers.PORT))
          .build());
    }

    void listen() throws Exception {
      transport.listen(address(), this::handle).get(5, TimeUnit.SECONDS);
    }

    private void handle(byte[] request, InetSocketAddress remote, ControlMethod method,
        ControlResponder responder) {
      boolean streaming = method.streaming();
      SignedMessage message;
      try {
        message = opener.open(request);
      } catch (EnvelopeException e) {
        responder.fail(ControlErrorCode.UNAUTHENTICATED, e.getMessage());
        return;
      }
      Payload p = message.payload();
      switch (p.getBodyCase()) {
        case PEER_EXCHANGE -> responder.reply(sealer.seal(Payload.newBuilder()
            .setPeerExchange(exchange())).toByteArray());
        case SHUFFLE -> responder.reply(sealer.seal(Payload.newBuilder()
            .setShuffle(shuffle(PeerSampler.SHUFFLE_LENGTH))).toByteArray());
        case ROLE_CHANGE -> responder.reply(sealer.seal(Payload.newBuilder()
            .setRoleChange(RoleChange.newBuilder().setRecord(record))).toByteArray());
        case SEARCH_QUERY -> {
          // Acknowledge the walk as a live FULL peer would, then let it die here.
          byte[] empty = sealer.seal(Payload.newBuilder().setSearchHits(SearchHits.newBuilder()
              .setQueryId(p.getSearchQuery().getQueryId()))).toByteArray();
          if (streaming) {
            responder.next(empty);
            responder.complete();
          } else {
            responder.reply(empty);
          }
        }
        default -> responder.fail(ControlErrorCode.UNAVAILABLE, "not answered here");
      }
    }

    PeerExchange exchange() {
      PeerExchange.Builder b = PeerExchange.newBuilder().setSelfRecord(record);
      for (Attacker other : others(32)) {
        b.addSample(other.record);
      }
      return b.build();
    }

    Shuffle shuffle(int n) {
      Shuffle.Builder b = Shuffle.newBuilder().setSelfRecord(record);
      for (Attacker other : others(n)) {
        b.addSample(other.record).addSampleAges(0);
      }
      return b.build();
    }

    private List<Attacker> others(int n) {
      List<Attacker> out = new ArrayList<>();
      for (int tries = 0; out.size() < Math.min(n, attackers.size() - 1) && tries < 4 * n;
          tries++) {
        Attacker a = attackers.get(random.nextInt(attackers.size()));
        if (a != this && !out.contains(a)) {
          out.add(a);
        }
      }
      return out;
    }

    /** One unsolicited push to {@code target}: a shuffle or a greeting. */
    void push(InetSocketAddress target) {
      boolean shuffle = random.nextBoolean();
      Payload.Builder body = shuffle
          ? Payload.newBuilder().setShuffle(shuffle(PeerSampler.SHUFFLE_LENGTH - 1))
          : Payload.newBuilder().setPeerExchange(exchange());
      transport.call(target, shuffle ? ControlMethod.SHUFFLE : ControlMethod.EXCHANGE_PEERS,
          sealer.seal(body).toByteArray(), Duration.ofSeconds(2));
      pushes++;
    }
  }

  private long nowMs() {
    return network.nowNs() / 1_000_000;
  }

  /** Plays the scenario and returns its numbers. */
  public Report run() {
    Path music;
    try {
      music = Files.createTempDirectory("loudp2p-sybil");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      return play(music);
    } catch (Exception e) {
      throw new IllegalStateException("the simulation failed", e);
    } finally {
      made.close();
      OverlaySimulation.delete(music);
    }
  }

  private Report play(Path music) throws Exception {
    int n = config.honest();
    int a = (int) Math.round(n * config.attackerShare() / (1 - config.attackerShare()));
    List<String> tracks = new ArrayList<>();
    for (int t = 0; t < 20; t++) {
      tracks.add(word(9));
    }
    int perTrack = Math.max(2, (int) Math.round(n * 0.01));
    List<List<String>> titles = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      titles.add(new ArrayList<>(List.of(word(6))));
    }
    for (String t : tracks) {
      List<Integer> who = new ArrayList<>();
      for (int h : sampleIndexes(3, n, perTrack)) { // seeds hold nothing: others must be found
        titles.get(h).add(t);
        who.add(h);
      }
      holders.put(t, who);
    }
    List<InMemoryTransport> transports = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      transports.add(network.newTransport());
      honestAddresses.add(new InetSocketAddress(transports.get(i).host(), VirtualPeers.PORT));
    }
    for (int i = 0; i < n; i++) {
      Path folder = Files.createDirectories(music.resolve("peer" + i));
      for (String title : titles.get(i)) {
        Files.write(folder.resolve(title + ".wav"), TestAudio.noiseWavOfBytes(512, random.nextLong()));
      }
      Peer.Builder b = Peer.builder().share(folder);
      for (int s = 0; s < 3; s++) {
        if (s != i) {
          b.bootstrap(honestAddresses.get(s));
        }
      }
      honest.add(made.add(transports.get(i), b).peer());
    }
    for (int i = 0; i < a; i++) {
      Attacker attacker = new Attacker(identity());
      attackers.add(attacker);
      attackerIds.add(attacker.id);
    }
    for (Attacker attacker : attackers) {
      attacker.sign(made.clock().millis());
      attacker.listen();
    }

    // The attacker is there from the start: the seeds hear from every identity first.
    for (Attacker attacker : attackers) {
      for (int s = 0; s < 3; s++) {
        attacker.transport.call(honestAddresses.get(s), ControlMethod.EXCHANGE_PEERS,
            attacker.sealer.seal(Payload.newBuilder()
            .setPeerExchange(attacker.exchange())).toByteArray(), Duration.ofSeconds(2));
      }
    }
    for (int i = 0; i < n; i++) {
      if (i < 3 || i % 50 == 0) {
        network.runFor(Duration.ofMillis(20));
      }
      honest.get(i).start();
    }
    long end = nowMs() + config.attack().toMillis();
    double owed = 0;
    while (nowMs() < end) {
      owed += config.pushesPerPeerPerSecond() * n;
      while (owed >= 1 && !attackers.isEmpty()) {
        owed--;
        attackers.get(random.nextInt(attackers.size()))
            .push(honestAddresses.get(random.nextInt(n)));
      }
      network.runFor(Duration.ofSeconds(1));
    }

    double[] shares = new double[n];
    int wholly = 0;
    for (int i = 0; i < n; i++) {
      List<PeerId> view = PeerDiagnostics.neighbours(honest.get(i));
      int good = 0;
      for (PeerId id : view) {
        if (!attackerIds.contains(id)) {
          good++;
        }
      }
      shares[i] = view.isEmpty() ? 0 : (double) good / view.size();
      if (!view.isEmpty() && good == view.size()) {
        wholly++;
      }
    }
    double[] sorted = shares.clone();
    Arrays.sort(sorted);
    double mean = Arrays.stream(shares).average().orElse(0);

    int found = searches(tracks);
    return new Report(n, a, mean, sorted[0], sorted[n / 10], (double) wholly / n,
        config.searches(), found, pushes);
  }

  private int searches(List<String> tracks) {
    List<String> asked = new ArrayList<>();
    List<CompletableFuture<List<SearchHit>>> results = new ArrayList<>();
    for (int i = 0; i < config.searches(); i++) {
      String title = tracks.get(random.nextInt(tracks.size()));
      Peer asker = honest.get(random.nextInt(honest.size()));
      asked.add(title);
      results.add(PeerDiagnostics.search(asker, title, OverlaySimulation.SEARCH_DEADLINE,
          hit -> { }, QueryRouter.DEFAULT_WALKERS));
      network.runFor(OverlaySimulation.SEARCH_GAP);
    }
    network.runFor(OverlaySimulation.SEARCH_DEADLINE.plusSeconds(1));
    int found = 0;
    for (int i = 0; i < asked.size(); i++) {
      CompletableFuture<List<SearchHit>> r = results.get(i);
      String title = asked.get(i);
      if (r.isDone() && !r.isCompletedExceptionally() && r.join().stream()
          .anyMatch(h -> h.track().info().title().equalsIgnoreCase(title))) {
        found++;
      }
    }
    return found;
  }

  private List<Integer> sampleIndexes(int from, int to, int count) {
    List<Integer> all = new ArrayList<>();
    for (int i = from; i < to; i++) {
      all.add(i);
    }
    Collections.shuffle(all, random);
    return all.subList(0, Math.min(count, all.size()));
  }

  private String word(int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.append((char) ('a' + random.nextInt(26)));
    }
    return sb.toString();
  }

  /** A seeded identity, so that a run is reproducible to the digit. */
  private Identity identity() {
    byte[] secret = new byte[Identity.PRIVATE_KEY_LENGTH];
    while (true) {
      random.nextBytes(secret);
      try {
        return Identity.fromPrivateKey(secret);
      } catch (IllegalArgumentException e) {
        // not a valid scalar (about one in 2^128): draw again
      }
    }
  }
}
