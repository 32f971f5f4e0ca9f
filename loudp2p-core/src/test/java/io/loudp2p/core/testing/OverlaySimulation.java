package io.loudp2p.core.testing;

import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import io.loudp2p.core.network.DefaultRolePolicy;
import io.loudp2p.core.network.PeerSampler;
import io.loudp2p.core.network.QueryRouter;
import io.loudp2p.core.peer.PeerDiagnostics;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Thousands of real peers in one JVM: each is the core's own peer ({@link VirtualPeers}), with
 * its identity, signed envelopes, catalog of real audio files, peer table, Cyclon view, query
 * router, light links and role policy, talking the wire protocol through an {@link
 * InMemoryNetwork} instead of gRPC. Every message is sealed, signed, serialized, checked and
 * parsed as on a real network; nothing of the protocol is re-implemented here.
 *
 * <p>Time is virtual ({@link VirtualPeers}): the network's clock, read by every peer through its
 * runtime and its {@link VirtualTimer}, moves only as the simulation runs it, so minutes of network life take
 * seconds, and a run is reproducible (seeded identities, randomness, latencies and choices). Each
 * control message takes 10 to 100 ms; a peer that leaves vanishes silently (calls to it end at
 * their deadline). Some LIGHT peers are behind NAT (they take no inbound calls), so only the
 * others can be promoted.
 *
 * <p>{@link #run()} plays the scenario (bootstrap from three seeds, routed, walk-only and flooded
 * searches for tracks held by 1% of peers, 30% of peers leaving at once, recovery and role changes)
 * and returns the numbers. Single-threaded; not thread-safe.
 */
public final class OverlaySimulation {
  /** How long a search waits for hits. */
  public static final Duration SEARCH_DEADLINE = Duration.ofSeconds(5);
  /** The gap between two searches of a batch. */
  public static final Duration SEARCH_GAP = Duration.ofMillis(50);

  /**
   * The scenario's knobs.
   *
   * @param peers how many peers
   * @param seeds how many of them are the bootstrap peers every other one knows
   * @param seed the seed of everything random
   * @param routedSearches searches per batch with routing (walks and keyword summaries)
   * @param floodSearches searches with flooding, the baseline routing is measured against
   * @param leaving the share of peers that leave at once
   * @param holders the share of peers that hold each rare track
   * @param tracks how many rare tracks there are
   */
  public record Config(int peers, int seeds, long seed, int routedSearches, int floodSearches,
      double leaving, double holders, int tracks) {
    /** The scenario of the unit test and the benchmark: three seeds, 1% holders, 30% leave. */
    public static Config of(int peers, long seed) {
      return new Config(peers, 3, seed, 200, 10, 0.30, 0.01, 50);
    }

    /** This scenario with {@code n} routed searches per batch and {@code floods} flooded ones. */
    public Config searches(int n, int floods) {
      return new Config(peers, seeds, seed, n, floods, leaving, holders, tracks);
    }
  }

  /** What one batch of searches did. */
  public record SearchStats(int searches, int found, double messagesPerSearch,
      double meanFirstHitMs) {
    /** The share of searches that found their track. */
    public double successRate() {
      return searches == 0 ? 0 : (double) found / searches;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%d/%d found (%.1f%%), %.1f messages per search, first hit"
          + " after %.0f ms on average", found, searches, 100.0 * successRate(), messagesPerSearch,
          meanFirstHitMs);
    }
  }

  /** The overlay's shape at one moment. */
  public record Shape(int peers, int full, int outsideLargestComponent, int shortViews,
      int lightWithoutFull) {
    /** Every live peer in one component of the overlay (view links taken both ways). */
    public boolean connected() {
      return outsideLargestComponent == 0 && lightWithoutFull == 0;
    }

    /** Connected, and every view full of live FULL peers (one entry may be out on a shuffle). */
    public boolean healthy() {
      return connected() && shortViews == 0;
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%d peers (%d FULL): %d outside the largest component,"
          + " %d views short of live FULL peers, %d LIGHT peers knowing no live FULL peer",
          peers, full, outsideLargestComponent, shortViews, lightWithoutFull);
    }
  }

  /** The numbers a run produced. */
  public record Report(int peers, long bootstrapMs, Shape afterBootstrap, SearchStats routed,
      SearchStats randomWalkOnly, SearchStats flooded, int fullBeforeChurn, int left,
      int fullRightAfterChurn, Shape rightAfterChurn, SearchStats routedRightAfterChurn,
      long recoveryMs, Shape afterRecovery, SearchStats routedAfterRecovery,
      int fullAfterRebalance, int promotions, int demotions, int lightWithLinks, int lightAlive,
      Map<Payload.BodyCase, Long> messages, long simulatedMs, long heapPerPeerBytes) {
    /** Whether every view filled and the overlay connected after bootstrap. */
    public boolean connectedAfterBootstrap() {
      return bootstrapMs >= 0;
    }

    /** Whether the overlay healed (views full, connected) after the peers left. */
    public boolean connectedAfterRecovery() {
      return recoveryMs >= 0;
    }

    @Override
    public String toString() {
      StringBuilder kinds = new StringBuilder();
      messages.forEach((k, v) -> kinds.append(kinds.length() == 0 ? "" : ", ")
          .append(k.name().toLowerCase(Locale.ROOT)).append(' ').append(v));
      return String.format(Locale.ROOT, String.join("%n",
          "overlay simulation: %d real peers over an in-memory network, 3 seeds, view %d,"
              + " TTL %d, %d walkers; every message signed and checked",
          "  bootstrap: every view full and overlay connected after %s of simulated time",
          "  search, track held by 1%% of peers:",
          "    routed (walks + keyword summaries): %s",
          "    random walks only:                  %s",
          "    flooding (no routing):              %s",
          "  30%% leave at once: %d of %d peers gone; FULL peers %d before, %d right after",
          "    the overlay right after: %s",
          "    routed searches right after:  %s",
          "    views full again and overlay connected after %s",
          "    routed searches after recovery: %s",
          "  roles: %d promotions, %d demotions; FULL peers after rebalancing: %d;"
              + " LIGHT peers with a live FULL link: %d of %d",
          "  messages: %s",
          "  %.0f s simulated; live heap %.0f KiB per peer"),
          peers, PeerSampler.DEFAULT_VIEW_SIZE, QueryRouter.MAX_TTL, QueryRouter.DEFAULT_WALKERS,
          seconds(bootstrapMs), routed, randomWalkOnly, flooded, left, peers, fullBeforeChurn,
          fullRightAfterChurn, rightAfterChurn, routedRightAfterChurn, seconds(recoveryMs),
          routedAfterRecovery, promotions, demotions, fullAfterRebalance, lightWithLinks,
          lightAlive, kinds, simulatedMs / 1000.0, heapPerPeerBytes / 1024.0);
    }

    private static String seconds(long ms) {
      return ms < 0 ? "NEVER (within 10 minutes)" : String.format(Locale.ROOT, "%.1f s", ms / 1000.0);
    }
  }

  private final Config config;
  private final Random random;
  private final InMemoryNetwork network;
  private final VirtualPeers made;
  private final List<SimPeer> peers = new ArrayList<>();
  private final Map<PeerId, SimPeer> byId = new HashMap<>();
  private final List<String> targets = new ArrayList<>();
  private final Map<Payload.BodyCase, Long> messages = new EnumMap<>(Payload.BodyCase.class);
  private int promotions;
  private int demotions;

  /** A simulation of {@code config}. */
  public OverlaySimulation(Config config) {
    this.config = config;
    this.random = new Random(config.seed());
    this.network = InMemoryNetwork.builder().seed(config.seed())
        .delivery(InMemoryNetwork.Delivery.MANUAL)
        .controlLatency(Duration.ofMillis(10), Duration.ofMillis(100)).build();
    this.made = new VirtualPeers(network, random.nextLong());
    network.observeControl(this::count);
  }

  private void count(byte[] message) {
    if (message.length == 0) {
      return;
    }
    try {
      Payload p = Payload.parseFrom(Envelope.parseFrom(message).getPayload());
      messages.merge(p.getBodyCase(), 1L, Long::sum);
    } catch (IOException e) {
      messages.merge(Payload.BodyCase.BODY_NOT_SET, 1L, Long::sum);
    }
  }

  private long searchMessages() {
    return messages.getOrDefault(Payload.BodyCase.SEARCH_QUERY, 0L)
        + messages.getOrDefault(Payload.BodyCase.SEARCH_HITS, 0L);
  }

  private long nowMs() {
    return network.nowNs() / 1_000_000;
  }

  private void runFor(Duration d) {
    network.runFor(d);
  }

  // ---------------------------------------------------------------------------------------------
  // Peers
  // ---------------------------------------------------------------------------------------------

  private static final class SimPeer {
    final Peer peer;
    final InMemoryTransport transport;
    final Set<String> titles;
    Role lastRole;
    boolean alive = true;

    SimPeer(Peer peer, InMemoryTransport transport, Set<String> titles, Role role) {
      this.peer = peer;
      this.transport = transport;
      this.titles = titles;
      this.lastRole = role;
    }

    InetSocketAddress address() {
      return new InetSocketAddress(transport.host(), VirtualPeers.PORT);
    }
  }

  /** A tiny WAV of seeded noise: distinct bytes, so a distinct track ID, named after its title. */
  private void writeTrack(Path folder, String title) throws IOException {
    Files.write(folder.resolve(title + ".wav"), TestAudio.noiseWavOfBytes(512, random.nextLong()));
  }

  private static String word(Random random, int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.append((char) ('a' + random.nextInt(26)));
    }
    return sb.toString();
  }

  private void populate(Path music) throws IOException {
    List<String> vocabulary = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      vocabulary.add(word(random, 6));
    }
    for (int t = 0; t < config.tracks(); t++) {
      targets.add(word(random, 9));
    }
    List<Role> roles = new ArrayList<>();
    List<Boolean> reachable = new ArrayList<>();
    List<Set<String>> titles = new ArrayList<>();
    List<Integer> strongFull = new ArrayList<>();
    for (int i = 0; i < config.peers(); i++) {
      boolean seed = i < config.seeds();
      double kind = random.nextDouble();
      // Seeds and 40% of the others start FULL; of the LIGHT ones, half take inbound calls (and
      // may be promoted), half are behind NAT.
      roles.add(seed || kind < 0.4 ? Role.FULL : Role.LIGHT);
      reachable.add(seed || kind < 0.4 || kind > 0.7);
      Set<String> mine = new HashSet<>();
      for (int t = 0; t < 5; t++) {
        mine.add(vocabulary.get(random.nextInt(vocabulary.size())));
      }
      titles.add(mine);
      if (roles.get(i) == Role.FULL) {
        strongFull.add(i);
      }
    }
    int holders = Math.max(1, (int) Math.round(config.peers() * config.holders()));
    for (String track : targets) {
      Collections.shuffle(strongFull, random);
      for (int h : strongFull.subList(0, Math.min(holders, strongFull.size()))) {
        titles.get(h).add(track);
      }
    }
    List<InMemoryTransport> transports = new ArrayList<>();
    for (int i = 0; i < config.peers(); i++) {
      transports.add(network.newTransport());
    }
    List<InetSocketAddress> seedAddresses = new ArrayList<>();
    for (int i = 0; i < config.seeds(); i++) {
      seedAddresses.add(new InetSocketAddress(transports.get(i).host(), VirtualPeers.PORT));
    }
    for (int i = 0; i < config.peers(); i++) {
      InMemoryTransport transport = transports.get(i);
      if (!reachable.get(i)) {
        network.blockInbound(transport.host());
      }
      Path folder = Files.createDirectories(music.resolve("peer" + i));
      for (String title : titles.get(i)) {
        writeTrack(folder, title);
      }
      Peer.Builder b = Peer.builder().role(roles.get(i)).share(folder);
      for (InetSocketAddress s : seedAddresses) {
        if (!s.getAddress().equals(transport.host())) {
          b.bootstrap(s);
        }
      }
      VirtualPeers.Made m = made.add(transport, b);
      SimPeer p = new SimPeer(m.peer(), transport, titles.get(i), roles.get(i));
      peers.add(p);
      byId.put(m.identity().peerId(), p);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Measurements
  // ---------------------------------------------------------------------------------------------

  private List<SimPeer> alive() {
    List<SimPeer> out = new ArrayList<>();
    for (SimPeer p : peers) {
      if (p.alive) {
        out.add(p);
      }
    }
    return out;
  }

  private int countFull() {
    int n = 0;
    for (SimPeer p : alive()) {
      if (p.peer.role() == Role.FULL) {
        n++;
      }
    }
    return n;
  }

  /** Notes role changes since the last look. */
  private void tallyRoles() {
    for (SimPeer p : alive()) {
      Role now = p.peer.role();
      if (now != p.lastRole) {
        if (now == Role.FULL) {
          promotions++;
        } else {
          demotions++;
        }
        p.lastRole = now;
      }
    }
  }

  private boolean liveFull(PeerId id) {
    SimPeer q = byId.get(id);
    return q != null && q.alive && q.peer.role() == Role.FULL;
  }

  /** The overlay of the live peers: their views, dead entries left out, taken both ways. */
  private Shape shape() {
    List<SimPeer> alive = alive();
    int full = countFull();
    int want = Math.min(PeerSampler.DEFAULT_VIEW_SIZE, full - 1);
    Map<PeerId, List<PeerId>> edges = new HashMap<>();
    int shortViews = 0;
    int lightWithoutFull = 0;
    for (SimPeer p : alive) {
      PeerId self = p.peer.id();
      int live = 0;
      for (PeerId n : PeerDiagnostics.neighbours(p.peer)) {
        if (liveFull(n)) {
          live++;
          edges.computeIfAbsent(self, k -> new ArrayList<>()).add(n);
          edges.computeIfAbsent(n, k -> new ArrayList<>()).add(self);
        }
      }
      if (p.peer.role() == Role.LIGHT) {
        for (PeerId l : PeerDiagnostics.links(p.peer)) {
          if (liveFull(l)) {
            live++;
            edges.computeIfAbsent(self, k -> new ArrayList<>()).add(l);
            edges.computeIfAbsent(l, k -> new ArrayList<>()).add(self);
          }
        }
        if (live == 0) {
          lightWithoutFull++;
        }
      } else if (live < want - 1) {
        shortViews++;
      }
    }
    Set<PeerId> unseen = new HashSet<>();
    for (SimPeer p : alive) {
      unseen.add(p.peer.id());
    }
    int largest = 0;
    while (!unseen.isEmpty()) {
      PeerId root = unseen.iterator().next();
      int size = 0;
      ArrayDeque<PeerId> todo = new ArrayDeque<>(List.of(root));
      unseen.remove(root);
      while (!todo.isEmpty()) {
        size++;
        for (PeerId n : edges.getOrDefault(todo.poll(), List.of())) {
          if (unseen.remove(n)) {
            todo.add(n);
          }
        }
      }
      largest = Math.max(largest, size);
    }
    return new Shape(alive.size(), full, alive.size() - largest, shortViews, lightWithoutFull);
  }

  /** Runs in steps of {@code step} until the overlay is healthy, at most {@code max}. */
  private long untilHealthy(Duration step, Duration max) {
    long start = nowMs();
    while (nowMs() - start < max.toMillis()) {
      runFor(step);
      tallyRoles();
      Shape sh = shape();
      if (sh.healthy()) {
        return nowMs() - start;
      }
    }
    return -1;
  }

  private final class Search {
    final String title;
    final long startMs;
    long firstHitMs = -1;
    CompletableFuture<List<SearchHit>> result = CompletableFuture.completedFuture(List.of());

    Search(String title) {
      this.title = title;
      this.startMs = nowMs();
    }

    void onHit(SearchHit hit) {
      if (firstHitMs < 0 && hit.track().info().title().equalsIgnoreCase(title)) {
        firstHitMs = nowMs();
      }
    }

    boolean found() {
      return result.isDone() && !result.isCompletedExceptionally() && result.join().stream()
          .anyMatch(h -> h.track().info().title().equalsIgnoreCase(title));
    }
  }

  private SearchStats searchBatch(int count, int walkers) {
    List<SimPeer> alive = alive();
    List<String> findable = new ArrayList<>();
    for (String t : targets) {
      for (SimPeer p : alive) {
        if (p.peer.role() == Role.FULL && p.titles.contains(t)) {
          findable.add(t);
          break;
        }
      }
    }
    long before = searchMessages();
    List<Search> batch = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      SimPeer asker = alive.get(random.nextInt(alive.size()));
      Search s = new Search(findable.get(random.nextInt(findable.size())));
      s.result = PeerDiagnostics.search(asker.peer, s.title, SEARCH_DEADLINE, s::onHit, walkers);
      batch.add(s);
      runFor(SEARCH_GAP);
    }
    runFor(SEARCH_DEADLINE.plusSeconds(1));
    int found = 0;
    long latency = 0;
    for (Search s : batch) {
      if (s.found()) {
        found++;
        latency += s.firstHitMs - s.startMs;
      }
    }
    return new SearchStats(batch.size(), found, (double) (searchMessages() - before) / count,
        found == 0 ? 0 : (double) latency / found);
  }

  private SearchStats withoutSummaries(int count) {
    for (SimPeer p : alive()) {
      PeerDiagnostics.useSummaries(p.peer, false);
    }
    try {
      return searchBatch(count, QueryRouter.DEFAULT_WALKERS);
    } finally {
      for (SimPeer p : alive()) {
        PeerDiagnostics.useSummaries(p.peer, true);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The scenario
  // ---------------------------------------------------------------------------------------------

  /** Plays the scenario and returns its numbers. */
  public Report run() {
    Path music;
    try {
      music = Files.createTempDirectory("loudp2p-overlay");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      return play(music);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      made.close();
      delete(music);
    }
  }

  private Report play(Path music) throws IOException {
    populate(music);
    // Everyone starts within the first second, seeds first.
    List<SimPeer> order = new ArrayList<>(peers);
    Map<SimPeer, Long> at = new LinkedHashMap<>();
    for (int i = 0; i < order.size(); i++) {
      at.put(order.get(i), i < config.seeds() ? 0L : 1L + random.nextInt(1_000));
    }
    order.sort(Comparator.comparingLong(at::get));
    for (SimPeer p : order) {
      long wait = at.get(p) - nowMs();
      if (wait > 0) {
        runFor(Duration.ofMillis(wait));
      }
      p.peer.start();
    }
    long bootstrapMs = untilHealthy(Duration.ofSeconds(5), Duration.ofMinutes(10));
    Shape afterBootstrap = shape();
    // A few more rounds of shuffles so that keyword summaries spread before searching.
    runFor(Duration.ofMillis(Math.max(0, Duration.ofMinutes(3).toMillis() - nowMs())));

    SearchStats routed = searchBatch(config.routedSearches(), QueryRouter.DEFAULT_WALKERS);
    SearchStats walkOnly = withoutSummaries(config.routedSearches() / 2);
    SearchStats flooded = searchBatch(config.floodSearches(), 0);

    tallyRoles();
    int fullBefore = countFull();
    List<SimPeer> leaving = alive();
    Collections.shuffle(leaving, random);
    leaving = leaving.subList(0, (int) Math.round(config.peers() * config.leaving()));
    for (SimPeer p : leaving) {
      network.kill(p.address());
      p.alive = false;
    }
    for (SimPeer p : leaving) {
      p.peer.close();
    }
    int fullAfter = countFull();
    Shape rightAfter = shape();
    SearchStats rightAfterSearches = searchBatch(config.routedSearches(),
        QueryRouter.DEFAULT_WALKERS);
    long recoveryMs = untilHealthy(Duration.ofSeconds(5), Duration.ofMinutes(10));
    Shape afterRecovery = shape();
    SearchStats afterRecoverySearches = searchBatch(config.routedSearches(),
        QueryRouter.DEFAULT_WALKERS);
    // Roles: LIGHT peers that stayed up, reachable and idle are promoted after their uptime.
    long rolesBy = DefaultRolePolicy.MIN_UPTIME.plusMinutes(3).toMillis();
    while (nowMs() < rolesBy) {
      runFor(Duration.ofSeconds(10));
      tallyRoles();
    }
    int lightAlive = 0;
    int lightLinked = 0;
    for (SimPeer p : alive()) {
      if (p.peer.role() == Role.LIGHT) {
        lightAlive++;
        if (PeerDiagnostics.links(p.peer).stream().anyMatch(this::liveFull)) {
          lightLinked++;
        }
      }
    }
    long heap = liveHeap();
    return new Report(config.peers(), bootstrapMs, afterBootstrap, routed, walkOnly, flooded,
        fullBefore, leaving.size(), fullAfter, rightAfter, rightAfterSearches, recoveryMs,
        afterRecovery, afterRecoverySearches, countFull(), promotions, demotions, lightLinked,
        lightAlive, new EnumMap<>(messages), nowMs(), heap / Math.max(1, alive().size()));
  }

  /** The heap in use after a full collection (the live peers and little else). */
  private static long liveHeap() {
    java.lang.management.MemoryMXBean memory = java.lang.management.ManagementFactory.getMemoryMXBean();
    memory.gc();
    return memory.getHeapMemoryUsage().getUsed();
  }

  static void delete(Path root) {
    try (Stream<Path> all = Files.walk(root)) {
      all.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          // best effort: a temporary folder
        }
      });
    } catch (IOException e) {
      // best effort
    }
  }
}
