package io.loudp2p.core.testing;

import com.google.protobuf.ByteString;
import io.loudp2p.PeerId;
import io.loudp2p.Role;
import io.loudp2p.core.network.DefaultRolePolicy;
import io.loudp2p.core.network.KeywordSummary;
import io.loudp2p.core.network.LightLinks;
import io.loudp2p.core.network.NodeRecord;
import io.loudp2p.core.network.PeerSampler;
import io.loudp2p.core.network.QueryRouter;
import io.loudp2p.core.network.RolePolicy;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.PeerRecordPayload;
import io.loudp2p.core.proto.v1.RoleChange;
import io.loudp2p.core.proto.v1.SearchHit;
import io.loudp2p.core.proto.v1.SearchHits;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.proto.v1.Shuffle;
import io.loudp2p.core.proto.v1.TransportKind;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Thousands of peers in one JVM: the overlay engines of {@code io.loudp2p.core.network} (peer
 * sampling, query routing, keyword summaries, light links, role policy) exchanging the wire
 * protocol's messages over an in-process message bus on a {@link SimClock}.
 *
 * <p>What is simulated and what is not: messages are the protobuf {@link Payload}s peers send, but
 * they are neither serialized nor signed (peer record envelopes carry no signature and are read
 * with {@link NodeRecord#unverified}), because signing is not what is measured and costs a
 * millisecond per message. Each message takes 10 to 100 ms; a message to a peer that left is lost
 * and its sender notices after {@link #TIMEOUT_MS}, as a call to a vanished peer times out.
 * Reachability and capacity, which a real peer measures, are given to each simulated peer.
 *
 * <p>{@link #run()} plays the scenario (bootstrap from three seeds, routed and flooded searches for
 * tracks held by 1% of peers, 30% of peers leaving at once, recovery and role changes) and returns
 * the numbers. Seeded: the same configuration gives the same report. Not thread-safe.
 */
public final class OverlaySimulation {
  /** After this long without an answer, a sender treats a peer as gone. */
  public static final long TIMEOUT_MS = 2_000;
  /** How often each peer shuffles. */
  public static final long SHUFFLE_PERIOD_MS = 10_000;
  /** How often each peer consults its role policy. */
  public static final long ROLE_PERIOD_MS = 60_000;
  /** How long a search waits for hits. */
  public static final long SEARCH_DEADLINE_MS = 5_000;
  /** The window over which a peer's load is measured. */
  public static final long LOAD_WINDOW_MS = 60_000;
  /** Records in a peer exchange answer. */
  public static final int EXCHANGE_SAMPLE = 32;

  /** The scenario's knobs. */
  public record Config(int peers, int seeds, long seed, int routedSearches, int floodSearches,
      double leaving, double holders) {
    /** The scenario of the unit test and the benchmark: three seeds, 1% holders, 30% leave. */
    public static Config of(int peers, long seed) {
      return new Config(peers, 3, seed, 200, 20, 0.30, 0.01);
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

  /** The numbers a run produced. */
  public record Report(int peers, long bootstrapMs, boolean connectedAfterBootstrap,
      SearchStats routed, SearchStats randomWalkOnly, SearchStats flooded, int fullBeforeChurn,
      int left, int fullRightAfterChurn, SearchStats routedRightAfterChurn,
      SearchStats routedAfterRecovery, boolean connectedAfterRecovery, long recoveryMs,
      int fullAfterRebalance, int promotions, int demotions, int lightWithLinks, int lightAlive,
      long events, long simulatedMs) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, String.join("%n",
          "overlay simulation: %d peers, 3 seeds, view %d, shuffle every %d s, TTL %d, %d walkers",
          "  bootstrap: every view full and overlay connected after %.1f s of simulated time (%s)",
          "  search, track held by 1%% of peers:",
          "    routed (walks + keyword summaries): %s",
          "    random walks only:                  %s",
          "    flooding (no routing):              %s",
          "  30%% leave at once: %d of %d peers gone; FULL peers %d before, %d right after",
          "    routed searches right after:  %s",
          "    overlay connected again and views full after %.1f s: %s",
          "    routed searches after recovery: %s",
          "  roles: %d promotions, %d demotions; FULL peers after rebalancing: %d;"
              + " LIGHT peers with a live FULL link: %d of %d",
          "  %d events, %.0f s simulated"),
          peers, PeerSampler.DEFAULT_VIEW_SIZE, SHUFFLE_PERIOD_MS / 1000, QueryRouter.MAX_TTL,
          QueryRouter.DEFAULT_WALKERS, bootstrapMs / 1000.0, connectedAfterBootstrap ? "connected"
              : "NOT connected", routed, randomWalkOnly, flooded, left, peers, fullBeforeChurn,
          fullRightAfterChurn, routedRightAfterChurn, recoveryMs / 1000.0,
          connectedAfterRecovery ? "yes" : "NO", routedAfterRecovery, promotions, demotions,
          fullAfterRebalance, lightWithLinks, lightAlive, events, simulatedMs / 1000.0);
    }
  }

  private final Config config;
  private final Random random;
  private final SimClock clock = new SimClock();
  private final PriorityQueue<Event> events = new PriorityQueue<>();
  private final List<SimPeer> peers = new ArrayList<>();
  private final Map<PeerId, SimPeer> byId = new HashMap<>();
  private final RolePolicy policy = new DefaultRolePolicy();
  private final Map<ByteString, Search> searches = new HashMap<>();
  private final List<String> targets = new ArrayList<>();
  private long eventSeq;
  private long eventCount;
  private int promotions;
  private int demotions;

  /** A simulation of {@code config}. */
  public OverlaySimulation(Config config) {
    this.config = config;
    this.random = new Random(config.seed());
  }

  private record Event(long atMs, long seq, Runnable action) implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      return atMs != o.atMs ? Long.compare(atMs, o.atMs) : Long.compare(seq, o.seq);
    }
  }

  private long nowMs() {
    return clock.nowNs() / 1_000_000;
  }

  private void at(long atMs, Runnable action) {
    events.add(new Event(Math.max(atMs, nowMs()), eventSeq++, action));
  }

  private void runUntil(long untilMs) {
    while (!events.isEmpty() && events.peek().atMs() <= untilMs) {
      Event e = events.poll();
      clock.advanceTo(e.atMs() * 1_000_000);
      eventCount++;
      e.action().run();
    }
    clock.advanceTo(Math.max(clock.nowNs(), untilMs * 1_000_000));
  }

  // ---------------------------------------------------------------------------------------------
  // Peers
  // ---------------------------------------------------------------------------------------------

  private final class SimPeer {
    final PeerId id;
    final byte[] ip;
    final boolean reachable;
    final double capacityPerMinute;
    final PeerSampler sampler;
    final QueryRouter<PeerId> router;
    final LightLinks links = new LightLinks();
    final List<String> texts = new ArrayList<>();
    final ArrayDeque<Long> work = new ArrayDeque<>();
    final Set<PeerId> awaiting = new HashSet<>();
    Role role;
    boolean alive = true;
    boolean joined;
    long startMs;
    long changedMs;
    long sequence;
    NodeRecord record;
    @Nullable KeywordSummary summary;
    int bootstrapAttempts;

    SimPeer(PeerId id, byte[] ip, Role role, boolean reachable, double capacityPerMinute) {
      this.id = id;
      this.ip = ip;
      this.role = role;
      this.reachable = reachable;
      this.capacityPerMinute = capacityPerMinute;
      this.sampler = new PeerSampler(id, PeerSampler.DEFAULT_VIEW_SIZE, new Random(random.nextLong()));
      this.router = new QueryRouter<>(id, new Random(random.nextLong()), 512);
      this.record = newRecord();
    }

    NodeRecord newRecord() {
      sequence++;
      PeerRecord r = PeerRecord.newBuilder().setSequence(sequence)
          .setExpiresAtMs(nowMs() + Duration.ofHours(1).toMillis())
          .setRole(role == Role.FULL ? io.loudp2p.core.proto.v1.Role.ROLE_FULL
              : io.loudp2p.core.proto.v1.Role.ROLE_LIGHT)
          .addEndpoints(Endpoint.newBuilder().setTransport(TransportKind.TRANSPORT_KIND_GRPC)
              .setIp(ByteString.copyFrom(ip)).setPort(7070))
          .build();
      Envelope e = Envelope.newBuilder().setPayload(PeerRecordPayload.newBuilder()
          .setPeerId(ByteString.copyFrom(id.bytes())).setRecord(r).build().toByteString()).build();
      return new NodeRecord(id, r, e);
    }

    void summarize() {
      summary = KeywordSummary.of(texts);
    }

    List<NodeRecord> fullNeighbours() {
      List<NodeRecord> out = new ArrayList<>();
      for (NodeRecord n : sampler.neighbours()) {
        if (n.role() == Role.FULL) {
          out.add(n);
        }
      }
      return out;
    }

    double load() {
      long now = nowMs();
      while (!work.isEmpty() && work.peekFirst() < now - LOAD_WINDOW_MS) {
        work.pollFirst();
      }
      return work.size() / capacityPerMinute;
    }
  }

  private Payload.Builder payload(SimPeer from) {
    return Payload.newBuilder().setSenderPeerId(ByteString.copyFrom(from.id.bytes()))
        .setTimestampMs(nowMs());
  }

  /** Sends a message; a lost one (dead receiver) makes the sender call {@code onLost} later. */
  private void send(SimPeer from, PeerId to, Payload message, @Nullable ByteString countFor,
      @Nullable Runnable onLost) {
    if (countFor != null) {
      Search s = searches.get(countFor);
      if (s != null) {
        s.messages++;
      }
    }
    SimPeer target = byId.get(to);
    long latency = 10 + random.nextInt(91);
    if (target == null || !target.alive) {
      if (onLost != null) {
        at(nowMs() + TIMEOUT_MS, () -> {
          if (from.alive) {
            onLost.run();
          }
        });
      }
      return;
    }
    at(nowMs() + latency, () -> {
      if (target.alive) {
        receive(target, from.id, message);
      } else if (onLost != null && from.alive) {
        at(nowMs() + TIMEOUT_MS - latency, onLost);
      }
    });
  }

  private void gone(SimPeer self, PeerId other) {
    self.sampler.remove(other);
    self.router.forget(other);
    self.links.failed(other);
  }

  private void receive(SimPeer self, PeerId from, Payload p) {
    switch (p.getBodyCase()) {
      case PEER_EXCHANGE -> {
        ingestExchange(self, from, p.getPeerExchange());
        if (!self.awaiting.remove(from)) {
          send(self, from, payload(self).setPeerExchange(exchange(self)).build(), null, null);
        }
      }
      case SHUFFLE -> onShuffle(self, from, p.getShuffle());
      case ROLE_CHANGE -> {
        NodeRecord r = NodeRecord.unverified(p.getRoleChange().getRecord());
        if (r != null && r.id().equals(from)) {
          learnRecord(self, r, from);
        }
      }
      case SEARCH_QUERY -> onQuery(self, from, p.getSearchQuery());
      case SEARCH_HITS -> onHits(self, p.getSearchHits());
      default -> throw new IllegalStateException("unexpected " + p.getBodyCase());
    }
  }

  private void learnRecord(SimPeer self, NodeRecord r, PeerId source) {
    self.sampler.offer(r, source, nowMs());
    self.links.update(r);
    if (r.role() == Role.LIGHT) {
      self.router.forget(r.id());
    }
  }

  // --- discovery ---

  private void join(SimPeer p) {
    p.joined = true;
    p.startMs = nowMs();
    p.changedMs = nowMs();
    bootstrap(p);
    long phase = random.nextInt((int) SHUFFLE_PERIOD_MS);
    at(nowMs() + phase, () -> shuffleTick(p));
    at(nowMs() + random.nextInt((int) ROLE_PERIOD_MS) + ROLE_PERIOD_MS, () -> roleTick(p));
  }

  private void bootstrap(SimPeer p) {
    if (!p.alive || p.sampler.size() > 0) {
      return;
    }
    for (int i = 0; i < config.seeds(); i++) {
      SimPeer seed = peers.get(i);
      if (seed != p) {
        p.awaiting.add(seed.id);
        send(p, seed.id, payload(p).setPeerExchange(exchange(p)).build(), null, null);
      }
    }
    // Retry with exponential backoff while no seed answered.
    long backoff = Math.min(60_000, 1_000L << Math.min(6, p.bootstrapAttempts++));
    at(nowMs() + backoff, () -> bootstrap(p));
  }

  private PeerExchange exchange(SimPeer p) {
    PeerExchange.Builder b = PeerExchange.newBuilder().setSelfRecord(p.record.envelope());
    for (NodeRecord r : p.sampler.sample(EXCHANGE_SAMPLE)) {
      b.addSample(r.envelope());
    }
    if (p.role == Role.FULL && p.summary != null) {
      b.setSummary(p.summary.toProto());
    }
    return b.build();
  }

  private void ingestExchange(SimPeer self, PeerId from, PeerExchange e) {
    NodeRecord sender = NodeRecord.unverified(e.getSelfRecord());
    if (sender != null && sender.id().equals(from)) {
      learnRecord(self, sender, from);
      learnSummary(self, sender, e.hasSummary() ? e.getSummary() : null);
    }
    for (Envelope env : e.getSampleList()) {
      NodeRecord r = NodeRecord.unverified(env);
      if (r != null) {
        self.sampler.offer(r, from, nowMs());
      }
    }
    if (self.role == Role.LIGHT) {
      self.links.refill(self.sampler.neighbours(), random);
    }
  }

  private void learnSummary(SimPeer self, NodeRecord sender,
      io.loudp2p.core.proto.v1.@Nullable KeywordSummary summary) {
    if (summary != null && sender.role() == Role.FULL) {
      self.router.learn(sender.id(), KeywordSummary.fromProto(summary), nowMs());
    }
  }

  private void shuffleTick(SimPeer p) {
    if (!p.alive) {
      return;
    }
    at(nowMs() + SHUFFLE_PERIOD_MS, () -> shuffleTick(p));
    PeerSampler.ShuffleStart start = p.sampler.startShuffle(nowMs());
    if (start == null) {
      bootstrap(p);
      return;
    }
    Shuffle.Builder s = Shuffle.newBuilder().setSelfRecord(p.record.envelope());
    for (PeerSampler.Entry e : start.sample()) {
      s.addSample(e.record().envelope()).addSampleAges(e.age());
    }
    if (p.role == Role.FULL && p.summary != null) {
      s.setSummary(p.summary.toProto());
    }
    PeerId target = start.target().id();
    p.awaiting.add(target);
    send(p, target, payload(p).setShuffle(s).build(), null, () -> {
      if (p.awaiting.remove(target)) {
        p.sampler.shuffleFailed(target);
        gone(p, target);
      }
    });
    if (p.role == Role.LIGHT) {
      keepLinks(p);
    }
  }

  /** A LIGHT peer greets its FULL links each period; one that does not answer is replaced. */
  private void keepLinks(SimPeer p) {
    p.links.refill(p.sampler.neighbours(), random);
    for (NodeRecord link : p.links.current()) {
      PeerId to = link.id();
      if (p.awaiting.add(to)) {
        send(p, to, payload(p).setPeerExchange(exchange(p)).build(), null, () -> {
          if (p.awaiting.remove(to)) {
            gone(p, to);
            p.links.refill(p.sampler.neighbours(), random);
          }
        });
      }
    }
  }

  private void onShuffle(SimPeer self, PeerId from, Shuffle s) {
    NodeRecord sender = NodeRecord.unverified(s.getSelfRecord());
    if (sender != null && !sender.id().equals(from)) {
      sender = null;
    }
    List<PeerSampler.Entry> received = new ArrayList<>();
    for (int i = 0; i < s.getSampleCount(); i++) {
      NodeRecord r = NodeRecord.unverified(s.getSample(i));
      if (r != null) {
        received.add(new PeerSampler.Entry(r, i < s.getSampleAgesCount() ? s.getSampleAges(i) : 0));
      }
    }
    if (sender != null) {
      learnSummary(self, sender, s.hasSummary() ? s.getSummary() : null);
    }
    if (self.awaiting.remove(from)) {
      self.sampler.completeShuffle(from, sender, received, nowMs());
      return;
    }
    List<PeerSampler.Entry> reply = self.sampler.answerShuffle(sender, from, received, nowMs());
    Shuffle.Builder answer = Shuffle.newBuilder().setSelfRecord(self.record.envelope());
    for (PeerSampler.Entry e : reply) {
      answer.addSample(e.record().envelope()).addSampleAges(e.age());
    }
    if (self.role == Role.FULL && self.summary != null) {
      answer.setSummary(self.summary.toProto());
    }
    send(self, from, payload(self).setShuffle(answer).build(), null, null);
  }

  // --- roles ---

  private void roleTick(SimPeer p) {
    if (!p.alive) {
      return;
    }
    at(nowMs() + ROLE_PERIOD_MS, () -> roleTick(p));
    Role next = policy.decide(new RolePolicy.Inputs(p.role, nowMs() - p.startMs,
        nowMs() - p.changedMs, p.reachable, p.load()));
    if (next == p.role) {
      return;
    }
    if (next == Role.FULL) {
      promotions++;
    } else {
      demotions++;
    }
    p.role = next;
    p.changedMs = nowMs();
    p.record = p.newRecord();
    Payload announce = payload(p).setRoleChange(RoleChange.newBuilder()
        .setRecord(p.record.envelope())).build();
    Set<PeerId> told = new HashSet<>();
    for (NodeRecord n : p.sampler.neighbours()) {
      told.add(n.id());
      send(p, n.id(), announce, null, null);
    }
    for (PeerId inbound : p.router.knownSummaryPeers()) {
      if (told.add(inbound)) {
        send(p, inbound, announce, null, null);
      }
    }
    if (next == Role.LIGHT) {
      p.links.refill(p.sampler.neighbours(), random);
    }
  }

  // --- search ---

  private final class Search {
    final String track;
    final long startMs;
    long messages;
    long firstHitMs = -1;
    final SimPeer asker;

    Search(SimPeer asker, String track) {
      this.asker = asker;
      this.track = track;
      this.startMs = nowMs();
    }
  }

  private ByteString startSearch(SimPeer asker, String track, int walkers) {
    byte[] idBytes = new byte[16];
    random.nextBytes(idBytes);
    ByteString qid = ByteString.copyFrom(idBytes);
    Search s = new Search(asker, track);
    searches.put(qid, s);
    SearchQuery q = SearchQuery.newBuilder().setQueryId(qid).addTerms(track)
        .setTtl(QueryRouter.MAX_TTL).setWalkers(walkers).build();
    if (asker.role == Role.FULL) {
      route(asker, null, q);
    } else {
      delegate(asker, q, 0);
    }
    return qid;
  }

  /** A LIGHT peer hands its query to its first FULL link, and to the next when that one is gone. */
  private void delegate(SimPeer asker, SearchQuery q, int attempt) {
    asker.links.refill(asker.sampler.neighbours(), random);
    List<NodeRecord> links = asker.links.current();
    if (links.isEmpty() || attempt > LightLinks.LINKS) {
      return;
    }
    PeerId to = links.get(0).id();
    send(asker, to, payload(asker).setSearchQuery(q).build(), q.getQueryId(), () -> {
      gone(asker, to);
      delegate(asker, q, attempt + 1);
    });
  }

  private void route(SimPeer self, @Nullable PeerId from, SearchQuery q) {
    if (self.role != Role.FULL) {
      return;
    }
    self.work.addLast(nowMs());
    QueryRouter.Decision d = self.router.route(q, from, from == null ? self.id : from,
        self.fullNeighbours(), nowMs());
    if (d.duplicate()) {
      return;
    }
    if (self.texts.contains(q.getTerms(0))) {
      SearchHits hits = SearchHits.newBuilder().setQueryId(q.getQueryId())
          .addHits(SearchHit.newBuilder().addSources(self.record.envelope())).build();
      if (from == null) {
        onHits(self, hits);
      } else {
        send(self, from, payload(self).setSearchHits(hits).build(), q.getQueryId(), null);
      }
    }
    for (QueryRouter.Forward f : d.forwards()) {
      PeerId to = f.to();
      send(self, to, payload(self).setSearchQuery(f.query()).build(), q.getQueryId(),
          () -> gone(self, to));
    }
  }

  private void onQuery(SimPeer self, PeerId from, SearchQuery q) {
    route(self, from, q);
  }

  private void onHits(SimPeer self, SearchHits hits) {
    Search s = searches.get(hits.getQueryId());
    if (s != null && s.asker == self) {
      if (s.firstHitMs < 0 && nowMs() - s.startMs <= SEARCH_DEADLINE_MS) {
        s.firstHitMs = nowMs();
      }
      return;
    }
    PeerId up = self.router.upstream(hits.getQueryId(), nowMs());
    if (up != null && !up.equals(self.id)) {
      send(self, up, payload(self).setSearchHits(hits.toBuilder().setHops(hits.getHops() + 1))
          .build(), hits.getQueryId(), null);
    }
  }

  private SearchStats searchBatch(int count, int walkers) {
    List<ByteString> batch = new ArrayList<>();
    List<SimPeer> alive = alive();
    List<String> findable = new ArrayList<>();
    for (String t : targets) {
      for (SimPeer p : alive) {
        if (p.role == Role.FULL && p.texts.contains(t)) {
          findable.add(t);
          break;
        }
      }
    }
    for (int i = 0; i < count; i++) {
      SimPeer asker = alive.get(random.nextInt(alive.size()));
      String track = findable.get(random.nextInt(findable.size()));
      at(nowMs() + i * 50L, () -> batch.add(startSearch(asker, track, walkers)));
    }
    runUntil(nowMs() + count * 50L + SEARCH_DEADLINE_MS + 1_000);
    int found = 0;
    long messages = 0;
    long latency = 0;
    for (ByteString id : batch) {
      Search s = searches.remove(id);
      messages += s.messages;
      if (s.firstHitMs >= 0) {
        found++;
        latency += s.firstHitMs - s.startMs;
      }
    }
    return new SearchStats(batch.size(), found, batch.isEmpty() ? 0 : (double) messages / batch.size(),
        found == 0 ? 0 : (double) latency / found);
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
    for (SimPeer p : peers) {
      if (p.alive && p.role == Role.FULL) {
        n++;
      }
    }
    return n;
  }

  /**
   * Whether every live peer's view is full of live FULL peers (one entry may be out on a shuffle)
   * and all live peers form one component of the overlay, view links taken as undirected.
   */
  private boolean healthy() {
    List<SimPeer> alive = alive();
    int full = countFull();
    int want = Math.min(PeerSampler.DEFAULT_VIEW_SIZE, full - 1);
    Map<PeerId, List<PeerId>> out = new HashMap<>();
    Map<PeerId, List<PeerId>> in = new HashMap<>();
    for (SimPeer p : alive) {
      List<NodeRecord> view = p.sampler.neighbours();
      int live = 0;
      for (NodeRecord n : view) {
        SimPeer q = byId.get(n.id());
        if (q.alive && q.role == Role.FULL) {
          live++;
          out.computeIfAbsent(p.id, k -> new ArrayList<>()).add(q.id);
          in.computeIfAbsent(q.id, k -> new ArrayList<>()).add(p.id);
        }
      }
      // One entry may be out on a shuffle that has not come back yet.
      if (live < want - 1) {
        lastUnhealthy = "view of " + p.id + " has " + live + " live FULL peers of " + view.size();
        return false;
      }
    }
    SimPeer root = null;
    for (SimPeer p : alive) {
      if (p.role == Role.FULL) {
        root = p;
        break;
      }
    }
    if (root == null) {
      return false;
    }
    // Connected as Cyclon's evaluations count partitions: view links taken in both directions.
    Map<PeerId, List<PeerId>> both = new HashMap<>(out);
    for (Map.Entry<PeerId, List<PeerId>> e : in.entrySet()) {
      both.merge(e.getKey(), e.getValue(), (a, b) -> {
        List<PeerId> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
      });
    }
    Set<PeerId> component = reach(root.id, both);
    for (SimPeer p : alive) {
      if (!component.contains(p.id)) {
        lastUnhealthy = p.id + " (" + p.role + ") not connected";
        return false;
      }
      if (p.role == Role.LIGHT && out.getOrDefault(p.id, List.of()).isEmpty()) {
        lastUnhealthy = p.id + " (LIGHT) knows no FULL peer";
        return false;
      }
    }
    return true;
  }

  private String lastUnhealthy = "";

  private static Set<PeerId> reach(PeerId root, Map<PeerId, List<PeerId>> edges) {
    Set<PeerId> seen = new HashSet<>();
    ArrayDeque<PeerId> todo = new ArrayDeque<>();
    todo.add(root);
    seen.add(root);
    while (!todo.isEmpty()) {
      for (PeerId n : edges.getOrDefault(todo.poll(), List.of())) {
        if (seen.add(n)) {
          todo.add(n);
        }
      }
    }
    return seen;
  }

  /** Runs in steps of {@code stepMs} until {@link #healthy()}, at most {@code maxMs}. */
  private long untilHealthy(long stepMs, long maxMs) {
    long start = nowMs();
    while (nowMs() - start < maxMs) {
      runUntil(nowMs() + stepMs);
      if (healthy()) {
        return nowMs() - start;
      }
    }
    return -1;
  }

  // ---------------------------------------------------------------------------------------------
  // The scenario
  // ---------------------------------------------------------------------------------------------

  private void populate() {
    List<String> vocabulary = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      vocabulary.add(word(random, 6));
    }
    int holders = Math.max(1, (int) Math.round(config.peers() * config.holders()));
    Set<String> taken = new HashSet<>();
    for (int i = 0; i < config.peers(); i++) {
      byte[] idBytes = new byte[PeerId.LENGTH];
      random.nextBytes(idBytes);
      idBytes[0] = (byte) PeerId.VERSION;
      byte[] ip = new byte[4];
      do {
        random.nextBytes(ip);
        ip[0] = (byte) (1 + random.nextInt(223));
      } while (ip[0] == 127 || !taken.add(ip[0] + "." + ip[1] + "." + ip[2]));
      boolean seed = i < config.seeds();
      double kind = random.nextDouble();
      // Seeds and 40% of the others start FULL; a tenth of those are weak (a phone set to FULL).
      // Of the LIGHT ones, half are reachable with spare capacity: candidates for promotion.
      Role role = seed || kind < 0.4 ? Role.FULL : Role.LIGHT;
      boolean weak = !seed && kind < 0.04;
      boolean reachable = seed || kind < 0.4 || kind > 0.7;
      double capacity = weak ? 20 : 100_000;
      SimPeer p = new SimPeer(PeerId.fromBytes(idBytes), ip, role, reachable, capacity);
      for (int t = 0; t < 5; t++) {
        p.texts.add(vocabulary.get(random.nextInt(vocabulary.size())));
      }
      peers.add(p);
      byId.put(p.id, p);
    }
    List<SimPeer> strongFull = new ArrayList<>();
    for (SimPeer p : peers) {
      if (p.role == Role.FULL && p.capacityPerMinute > 1000) {
        strongFull.add(p);
      }
    }
    for (int t = 0; t < 100; t++) {
      String track = word(random, 9);
      targets.add(track);
      Collections.shuffle(strongFull, random);
      for (SimPeer h : strongFull.subList(0, holders)) {
        h.texts.add(track);
      }
    }
    for (SimPeer p : peers) {
      p.summarize();
    }
  }

  private static String word(Random random, int length) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < length; i++) {
      sb.append((char) ('a' + random.nextInt(26)));
    }
    return sb.toString();
  }

  /** Plays the scenario and returns its numbers. */
  public Report run() {
    populate();
    for (SimPeer p : peers) {
      at(random.nextInt(1_000), () -> join(p));
    }
    long bootstrapMs = untilHealthy(5_000, Duration.ofMinutes(10).toMillis());
    if (bootstrapMs < 0) {
      System.err.println(lastUnhealthy);
    }
    boolean connected = bootstrapMs >= 0;
    // Let summaries spread with a few more rounds of shuffles before searching.
    runUntil(Math.max(nowMs(), Duration.ofMinutes(3).toMillis()));

    SearchStats routed = searchBatch(config.routedSearches(), QueryRouter.DEFAULT_WALKERS);
    SearchStats walkOnly = withoutSummaries(() -> searchBatch(config.routedSearches() / 2,
        QueryRouter.DEFAULT_WALKERS));
    SearchStats flooded = searchBatch(config.floodSearches(), 0);

    int fullBefore = countFull();
    List<SimPeer> alive = alive();
    Collections.shuffle(alive, random);
    int leaving = (int) Math.round(config.peers() * config.leaving());
    for (SimPeer p : alive.subList(0, leaving)) {
      p.alive = false;
    }
    int fullAfter = countFull();
    SearchStats rightAfter = searchBatch(config.routedSearches(), QueryRouter.DEFAULT_WALKERS);
    long recoveryMs = untilHealthy(5_000, Duration.ofMinutes(10).toMillis());
    if (recoveryMs < 0) {
      System.err.println(lastUnhealthy);
    }
    SearchStats afterRecovery = searchBatch(config.routedSearches(), QueryRouter.DEFAULT_WALKERS);
    // Roles: promotions come once LIGHT peers have been up long enough.
    runUntil(Math.max(nowMs(), DefaultRolePolicy.MIN_UPTIME.toMillis() + 3 * ROLE_PERIOD_MS));
    int lightAlive = 0;
    int lightLinked = 0;
    for (SimPeer p : alive()) {
      if (p.role == Role.LIGHT) {
        lightAlive++;
        p.links.refill(p.sampler.neighbours(), random);
        for (NodeRecord l : p.links.current()) {
          if (byId.get(l.id()).alive) {
            lightLinked++;
            break;
          }
        }
      }
    }
    return new Report(config.peers(), bootstrapMs, connected, routed, walkOnly, flooded,
        fullBefore, leaving, fullAfter, rightAfter, afterRecovery, recoveryMs >= 0, recoveryMs,
        countFull(), promotions, demotions, lightLinked, lightAlive, eventCount, nowMs());
  }

  private SearchStats withoutSummaries(java.util.function.Supplier<SearchStats> batch) {
    for (SimPeer p : peers) {
      p.router.useSummaries(false);
    }
    try {
      return batch.get();
    } finally {
      for (SimPeer p : peers) {
        p.router.useSummaries(true);
      }
    }
  }
}
