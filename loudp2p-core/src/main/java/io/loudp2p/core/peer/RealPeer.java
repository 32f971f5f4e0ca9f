package io.loudp2p.core.peer;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.loudp2p.Catalog;
import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.PeerInfo;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import io.loudp2p.SearchResult;
import io.loudp2p.StreamSession;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import io.loudp2p.core.catalog.LocalCatalog;
import io.loudp2p.core.catalog.LocalContent;
import io.loudp2p.core.content.ChunkCache;
import io.loudp2p.core.content.Manifest;
import io.loudp2p.core.content.ManifestException;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.internal.LocalAddresses;
import io.loudp2p.core.internal.LruMap;
import io.loudp2p.core.internal.RateLimiter;
import io.loudp2p.core.network.DefaultRolePolicy;
import io.loudp2p.core.network.KeywordSummary;
import io.loudp2p.core.network.LightLinks;
import io.loudp2p.core.network.NodeRecord;
import io.loudp2p.core.network.PeerSampler;
import io.loudp2p.core.network.QueryRouter;
import io.loudp2p.core.network.RolePolicy;
import io.loudp2p.core.proto.v1.ChunkMap;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.ManifestRequest;
import io.loudp2p.core.proto.v1.ManifestResponse;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.ReachabilityCheck;
import io.loudp2p.core.proto.v1.ReachabilityResult;
import io.loudp2p.core.proto.v1.RoleChange;
import io.loudp2p.core.proto.v1.SearchHits;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.proto.v1.Shuffle;
import io.loudp2p.core.proto.v1.StreamAccept;
import io.loudp2p.core.proto.v1.StreamOpen;
import io.loudp2p.core.proto.v1.TrackMetadata;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.stream.internal.DefaultChunkScheduler;
import io.loudp2p.core.stream.internal.RealStreamSession;
import io.loudp2p.core.wire.EnvelopeException;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.core.wire.SignedPeerRecord;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.DataTransportProvider;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportRegistry;
import io.loudp2p.spi.TransportServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core's {@link Peer}: answers peer exchange, search, manifest and stream requests from its
 * catalog and cache, serves chunks, and searches and streams from the peers it knows.
 *
 * <p>Every control message in and out is a signed envelope; nothing in a request is used before
 * the {@link EnvelopeOpener} accepted it. Thread-safe.
 */
final class RealPeer implements Peer {
  private static final Logger log = LoggerFactory.getLogger(RealPeer.class);

  /** How long this peer's record says it stays valid; it is re-signed at half that. */
  static final Duration RECORD_LIFETIME = Duration.ofHours(1);
  /** Most records of others sent in one peer exchange. */
  static final int EXCHANGE_SAMPLE = 32;
  /** Most terms in a search query, and the most characters in one. */
  static final int MAX_TERMS = 16;
  static final int MAX_TERM_LENGTH = 64;
  /** Most hits one peer returns for a query. */
  static final int MAX_HITS = 50;
  /** Most sessions served at once; and how long an opened session may wait for its data stream. */
  static final int MAX_SERVED_SESSIONS = 2048;
  /**
   * The largest StreamOpen envelope a peer accepts, and the length of an X25519 public key: what a
   * served session keeps of its opener is bounded (2,048 sessions of 1 KiB at most).
   */
  static final int MAX_STREAM_OPEN_BYTES = 1024;
  static final int EPHEMERAL_KEY_LENGTH = 32;
  static final Duration SERVED_SESSION_TIMEOUT = Duration.ofSeconds(30);
  /**
   * Requests one peer may send a second on average, in bursts of at most this many; beyond them it
   * is answered RESOURCE_EXHAUSTED. Senders tracked at once (the least recent forgotten first).
   */
  static final int REQUESTS_PER_SECOND = 50;
  static final int REQUEST_BURST = 200;
  static final int RATE_LIMITED_PEERS = 4096;
  /** Playback rate assumed when a track's metadata gives none: 320 kbit/s. */
  static final long DEFAULT_BITRATE_BYTES = 40_000;
  /** Provider names of the UDP data plane and of the gRPC chunk stream. */
  static final String UDP = "udp";
  static final String GRPC = "grpc";
  /** Tracks whose holders (found by searches) are remembered, and holders kept per track. */
  static final int MAX_HELD_TRACKS = 4096;
  static final int MAX_HOLDERS_PER_TRACK = 32;
  /** Most sources read from one search hit (the protocol's limit). */
  static final int MAX_SOURCES_PER_HIT = 8;
  /**
   * How often one peer may ask this peer to check that it is reachable; and how long a LIGHT peer
   * runs before it first asks (it then asks again when not reached for {@link #REACHABLE_FOR}).
   */
  static final Duration REACHABILITY_CHECK_PERIOD = Duration.ofMinutes(1);
  static final Duration REACHABILITY_CHECK_AFTER = Duration.ofMinutes(5);
  /** How many full peers a stream of a track no search has named asks for its manifest. */
  static final int LOCATE_FANOUT = 16;
  /** How often this peer shuffles its view; the first shuffle comes one period after start. */
  static final Duration SHUFFLE_PERIOD = Duration.ofSeconds(10);
  /** How often this peer asks its role policy, and how long an inbound call counts as reachability. */
  static final Duration ROLE_PERIOD = Duration.ofMinutes(1);
  static final Duration REACHABLE_FOR = Duration.ofMinutes(10);
  /** First and longest wait before greeting the bootstrap peers again while none answered. */
  static final Duration BOOTSTRAP_RETRY = Duration.ofSeconds(1);
  static final Duration BOOTSTRAP_RETRY_MAX = Duration.ofMinutes(1);
  /** A LIGHT peer shuffles, and greets one of its links, every this many shuffle periods. */
  static final int LIGHT_PERIODS = 3;
  /** How long a peer sent a query has to answer at all before the query goes elsewhere too. */
  static final Duration FIRST_ANSWER_TIMEOUT = Duration.ofSeconds(1);
  /**
   * When a FULL peer's own search that has found nothing sends a second wave of walks (at the
   * latest; sooner when the first wave ended empty).
   */
  static final Duration SECOND_WAVE_AFTER = Duration.ofSeconds(2);
  /** Time a forwarded query may take per hop left. */
  static final Duration HOP_DEADLINE = Duration.ofSeconds(1);
  /**
   * Requests this peer answers a second from all senders together, in bursts of at most this many,
   * and of them searches (the costliest to answer and route); beyond them it answers
   * RESOURCE_EXHAUSTED, so that many identities, each within its own limit, cannot take more
   * than this peer can give.
   */
  static final int TOTAL_REQUESTS_PER_SECOND = 1_000;
  static final int TOTAL_REQUEST_BURST = 2_000;
  static final int TOTAL_SEARCHES_PER_SECOND = 200;
  static final int TOTAL_SEARCH_BURST = 400;

  private final Peer.Config config;
  private final TransportRegistry registry;
  private final PeerRuntime runtime;
  private final Clock clock;
  private final Random random;
  private final RateLimiter<PeerId> requests;
  private final Map<DataSessionId, Served> served = new ConcurrentHashMap<>();
  /** Who holds the tracks searches found, for streaming them later; bounded, guarded by itself. */
  private final Map<TrackId, Set<PeerId>> holders = new LruMap<>(MAX_HELD_TRACKS);
  private final List<StreamSession> sessions = new CopyOnWriteArrayList<>();
  private final List<TransportServer> servers = new CopyOnWriteArrayList<>();
  private final List<InetSocketAddress> listening = new CopyOnWriteArrayList<>();
  private @Nullable Identity identity;
  private @Nullable EnvelopeSealer sealer;
  private final EnvelopeOpener opener;
  private @Nullable PeerTable table;
  private @Nullable ControlTransport control;
  /** The chunk stream over gRPC: the fallback, and the only data path where UDP is missing. */
  private @Nullable DataTransport data;
  /** The UDP data plane, when its transport is on the class path. */
  private @Nullable DataTransport udp;
  private @Nullable DataServer udpServer;
  private @Nullable LocalCatalog catalog;
  private @Nullable ChunkCache cache;
  private @Nullable LocalContent content;
  private @Nullable InetSocketAddress dataAddress;
  private @Nullable ScheduledExecutorService timer;
  private volatile @Nullable Envelope record;
  private long sequence;
  private volatile boolean started;
  private volatile boolean closed;
  // The overlay: peer sampling, query routing, light links and role, driven by the timer.
  private @Nullable PeerSampler sampler;
  private @Nullable QueryRouter<ControlResponder> router;
  private final LightLinks links = new LightLinks();
  private final RolePolicy rolePolicy = new DefaultRolePolicy();
  private volatile Role role;
  private volatile @Nullable KeywordSummary summary;
  private volatile long startedMs;
  private volatile long roleChangedMs;
  private volatile long lastInboundMs = Long.MIN_VALUE / 2;
  private volatile long lastReachabilityCheckMs = Long.MIN_VALUE / 2;
  private final RateLimiter<Boolean> total;
  private final RateLimiter<Boolean> searches;
  /** Senders of recent reachability checks, and when each last asked. Guarded by itself. */
  private final Map<PeerId, Long> reachabilityChecks = new LruMap<>(RATE_LIMITED_PEERS);
  private final AtomicBoolean bootstrapping = new AtomicBoolean();
  private volatile long bootstrapRetryMs = BOOTSTRAP_RETRY.toMillis();
  /** Set once the record, the view and the router exist: requests before are refused. */
  private volatile boolean ready;
  /** Which link {@link #checkLinks} greets next, and shuffles so far; timer thread only. */
  private int linkCheckTurn;
  private long shuffles;

  RealPeer(Peer.Config config, TransportRegistry registry, PeerRuntime runtime) {
    this.config = config;
    this.registry = registry;
    this.runtime = runtime;
    this.clock = runtime.clock();
    this.random = runtime.random();
    this.requests = new RateLimiter<>(REQUESTS_PER_SECOND, REQUEST_BURST, RATE_LIMITED_PEERS,
        runtime.nanoTime());
    this.opener = EnvelopeOpener.builder().clock(clock).cache(runtime.verified()).build();
    this.total = new RateLimiter<>(TOTAL_REQUESTS_PER_SECOND, TOTAL_REQUEST_BURST, 1,
        runtime.nanoTime());
    this.searches = new RateLimiter<>(TOTAL_SEARCHES_PER_SECOND, TOTAL_SEARCH_BURST, 1,
        runtime.nanoTime());
    this.role = config.role();
  }

  private long nowMs() {
    return clock.millis();
  }

  /** A session opened here by a remote receiver, waiting for or streaming over its data stream. */
  private static final class Served {
    final TrackId track;
    /** The signer of the StreamOpen: the peer the session's streams are counted against. */
    final PeerId receiver;
    final byte[] handshake;
    final long openedNs;
    /** The transports the session was accepted on: the preferred one, then perhaps its fallback. */
    final Set<String> acceptedOn = new HashSet<>();
    volatile LocalContent.@Nullable Reader reader;

    Served(TrackId track, PeerId receiver, byte[] handshake, long openedNs) {
      this.track = track;
      this.receiver = receiver;
      this.handshake = handshake;
      this.openedNs = openedNs;
    }
  }

  // -----------------------------------------------------------------------------------------
  // Lifecycle
  // -----------------------------------------------------------------------------------------

  @Override
  public synchronized Peer start() throws IOException {
    if (started) {
      throw new IllegalStateException("peer already started");
    }
    if (closed) {
      throw new IllegalStateException("peer closed");
    }
    started = true;
    try {
      Identity id = config.identityFile() != null
          ? Identity.loadOrCreate(config.identityFile()) : runtime.newIdentity().get();
      identity = id;
      sealer = new EnvelopeSealer(id, clock, random);
      table = new PeerTable(id.peerId(), clock::millis);
      startedMs = nowMs();
      roleChangedMs = startedMs;
      LocalCatalog.Builder cb = LocalCatalog.builder();
      if (config.cacheDirectory() != null) {
        cb.storeFile(config.cacheDirectory().resolve("catalog.bin"));
        cache = ChunkCache.open(config.cacheDirectory().resolve("chunks"), config.cacheBytes());
      }
      catalog = cb.build();
      for (Path share : config.shares()) {
        try {
          catalog.addFolderNow(share);
        } catch (RuntimeException e) {
          throw new IOException("cannot share " + share + ": " + e.getMessage(), e);
        }
      }
      content = new LocalContent(catalog, cache);
      control = registry.controlProvider().create(TransportOptions.defaults());
      for (DataTransportProvider p : registry.dataProviders()) {
        if (p.name().equals(UDP) && udp == null) {
          udp = p.create(TransportOptions.defaults());
        } else if (!p.name().equals(UDP) && data == null) {
          data = p.create(TransportOptions.defaults());
        }
      }
      if (data == null && udp == null) {
        registry.dataProvider(); // throws, naming the missing artifacts
      }
      for (InetSocketAddress address : config.listen()) {
        TransportServer server = await(control.listen(address, this::handle), "listen on " + address);
        servers.add(server);
        listening.add(server.address());
      }
      InetAddress host = listening.get(0).getAddress();
      if (data != null) {
        TransportServer dataServer = await(data.serve(new InetSocketAddress(host, 0),
            new Provider(GRPC)), "serve chunks");
        servers.add(dataServer);
        dataAddress = dataServer.address();
      }
      if (udp != null) {
        udpServer = await(udp.serve(new InetSocketAddress(host, 0), new Provider(UDP)),
            "serve chunks over UDP");
        servers.add(udpServer);
      }
      resignRecord();
      timer = runtime.timers().apply("loudp2p-peer-" + id.peerId().toString().substring(0, 8));
      long half = RECORD_LIFETIME.toMillis() / 2;
      timer.scheduleAtFixedRate(this::refresh, half, half, TimeUnit.MILLISECONDS);
      startOverlay();
      CompletableFuture<Boolean> greeted = bootstrap();
      if (runtime.waitForBootstrap()) {
        try {
          greeted.get(config.callDeadline().toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (Exception e) {
          log.warn("bootstrap incomplete: {}", e.toString());
        }
      }
      return this;
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private static <T> T await(CompletableFuture<T> future, String what) throws IOException {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + what, e);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IOException("cannot " + what + ": " + cause.getMessage(), cause);
    }
  }

  private void startOverlay() {
    PeerId self = identity().peerId();
    sampler = new PeerSampler(self, PeerSampler.DEFAULT_VIEW_SIZE, new Random(random.nextLong()));
    router = new QueryRouter<>(self, new Random(random.nextLong()));
    summarize();
    ready = true;
    long shuffle = SHUFFLE_PERIOD.toMillis();
    timer.scheduleAtFixedRate(this::shuffle, shuffle + random.nextInt((int) shuffle / 2), shuffle,
        TimeUnit.MILLISECONDS);
    long rolePeriod = ROLE_PERIOD.toMillis();
    timer.scheduleAtFixedRate(this::reconsiderRole, rolePeriod, rolePeriod, TimeUnit.MILLISECONDS);
  }

  /**
   * Greets the bootstrap peers; while none answered, tries again later, waiting twice as long each
   * time (up to {@link #BOOTSTRAP_RETRY_MAX}). One round at a time: a call while one is under way
   * or waiting to retry does nothing. Never blocks.
   *
   * @return completes with whether any bootstrap peer answered this round
   */
  private CompletableFuture<Boolean> bootstrap() {
    if (config.bootstrap().isEmpty() || closed || !bootstrapping.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(false);
    }
    List<CompletableFuture<Boolean>> greetings = new ArrayList<>();
    List<NodeRecord> answering = new CopyOnWriteArrayList<>();
    for (InetSocketAddress address : config.bootstrap()) {
      greetings.add(exchange(address).thenApply(id -> {
        NodeRecord n = sampler().get(id);
        if (n != null) {
          answering.add(n);
        }
        return true;
      }).exceptionally(t -> {
        log.warn("bootstrap peer {} did not answer: {}", address, t.getMessage());
        return false;
      }));
    }
    return CompletableFuture.allOf(greetings.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      boolean answered = false;
      for (CompletableFuture<Boolean> g : greetings) {
        answered |= g.join();
      }
      if (answered) {
        bootstrapRetryMs = BOOTSTRAP_RETRY.toMillis();
        // The bootstrap peers were chosen by the user: a LIGHT peer relies on them first.
        links.refill(answering, random);
        refreshLinks();
        bootstrapping.set(false);
      } else if (!closed && timer != null) {
        long wait = bootstrapRetryMs;
        bootstrapRetryMs = Math.min(wait * 2, BOOTSTRAP_RETRY_MAX.toMillis());
        log.info("no bootstrap peer answered; trying again in {} ms", wait);
        try {
          timer.schedule(() -> {
            bootstrapping.set(false);
            if (sampler().size() == 0) {
              bootstrap();
            }
          }, wait, TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          bootstrapping.set(false); // closed meanwhile
        }
      } else {
        bootstrapping.set(false);
      }
      return answered;
    });
  }

  private void refresh() {
    try {
      resignRecord();
      for (PeerTable.Entry e : table().sample(1, random)) {
        if (e.control() != null) {
          InetSocketAddress address = e.control();
          exchange(address).exceptionally(t -> {
            // It went away (or moved): mark it and release the connection kept to it.
            table().reachable(e.record().peerId(), false);
            control.disconnect(address);
            return null;
          });
        }
      }
    } catch (RuntimeException e) {
      log.warn("refreshing the peer record failed", e);
    }
  }

  // -----------------------------------------------------------------------------------------
  // Overlay: peer sampling, summaries, light links, roles
  // -----------------------------------------------------------------------------------------

  /** The upstream of this peer's own queries: hits for them are merged where they arrive. */
  private static final ControlResponder NO_UPSTREAM = new ControlResponder() {
    @Override
    public void reply(byte[] response) {}

    @Override
    public void next(byte[] response) {}

    @Override
    public void complete() {}

    @Override
    public void fail(ControlErrorCode code, String message) {}

    @Override
    public boolean isCancelled() {
      return true;
    }
  };

  @Override
  public Role role() {
    return role;
  }

  private PeerSampler sampler() {
    requireStarted();
    return sampler;
  }

  private QueryRouter<ControlResponder> router() {
    requireStarted();
    return router;
  }

  /** Shuffles with the oldest neighbour (Cyclon); a LIGHT peer also checks its FULL links. */
  private void shuffle() {
    try {
      PeerSampler view = sampler();
      if (summaryStale()) {
        summarize();
      }
      if (view.size() == 0) {
        bootstrap();
        return;
      }
      // A LIGHT peer (a phone, maybe) shuffles and checks a link every few periods only: its
      // view is just where it finds FULL peers to link to.
      if (role == Role.LIGHT && shuffles++ % LIGHT_PERIODS != 0) {
        return;
      }
      if (role == Role.LIGHT) {
        checkLinks();
      }
      PeerSampler.ShuffleStart start = view.startShuffle(nowMs());
      if (start != null) {
        shuffleWith(view, start);
      }
      // A FULL peer also checks on a sampled peer it has not heard from (a LIGHT one, perhaps a
      // phone, only needs its view to find links).
      PeerSampler.ShuffleStart probe = role == Role.FULL ? view.startProbe(nowMs()) : null;
      if (probe != null) {
        shuffleWith(view, probe);
      }
    } catch (RuntimeException e) {
      log.warn("shuffle failed", e);
    }
  }

  private void shuffleWith(PeerSampler view, PeerSampler.ShuffleStart start) {
    PeerId target = start.target().id();
    InetSocketAddress address = controlAddress(start.target());
    if (address == null) {
      view.shuffleFailed(target);
      return;
    }
    Shuffle.Builder b = Shuffle.newBuilder().setSelfRecord(record);
    for (PeerSampler.Entry e : start.sample()) {
      b.addSample(e.record().envelope()).addSampleAges(e.age());
    }
    KeywordSummary s = summary;
    if (role == Role.FULL && s != null) {
      b.setSummary(s.toProto());
    }
    control.call(address, ControlMethod.SHUFFLE, seal(Payload.newBuilder().setShuffle(b)), config.callDeadline())
        .thenAccept(bytes -> {
          SignedMessage answer = openOrThrow(bytes);
          if (!answer.sender().equals(target) || !answer.payload().hasShuffle()) {
            throw new ControlException(ControlErrorCode.MALFORMED, "not a shuffle answer");
          }
          Shuffle got = answer.payload().getShuffle();
          NodeRecord sender = shuffleSender(target, got, address.getAddress());
          view.completeShuffle(target, sender, shuffleSample(target, got), nowMs());
          table().reachable(target, true);
        })
        .exceptionally(t -> {
          view.shuffleFailed(target);
          gone(target, address);
          return null;
        });
  }

  private void answerShuffle(PeerId sender, Shuffle shuffle, InetAddress remote,
      ControlResponder responder) {
    PeerSampler view = sampler;
    if (view == null) {
      responder.fail(ControlErrorCode.UNAVAILABLE, "not started");
      return;
    }
    NodeRecord from = shuffleSender(sender, shuffle, remote);
    List<PeerSampler.Entry> reply = view.answerShuffle(from, sender, shuffleSample(sender, shuffle),
        nowMs());
    Shuffle.Builder b = Shuffle.newBuilder().setSelfRecord(record);
    for (PeerSampler.Entry e : reply) {
      b.addSample(e.record().envelope()).addSampleAges(e.age());
    }
    KeywordSummary s = summary;
    if (role == Role.FULL && s != null) {
      b.setSummary(s.toProto());
    }
    responder.reply(seal(Payload.newBuilder().setShuffle(b)));
  }

  /** The sender's own record of a shuffle, checked, and its summary learnt; null if refused. */
  private @Nullable NodeRecord shuffleSender(PeerId sender, Shuffle shuffle, InetAddress observed) {
    if (!shuffle.hasSelfRecord()) {
      return null;
    }
    SignedPeerRecord r = offer(shuffle.getSelfRecord(), sender, null, null, observed);
    if (r == null) {
      return null;
    }
    learnSummary(r, shuffle.hasSummary() ? shuffle.getSummary() : null);
    return NodeRecord.of(r);
  }

  /** The checked records of a shuffle's sample, with their ages; refused ones left out. */
  private List<PeerSampler.Entry> shuffleSample(PeerId sender, Shuffle shuffle) {
    List<PeerSampler.Entry> out = new ArrayList<>();
    for (int i = 0; i < Math.min(shuffle.getSampleCount(), PeerSampler.SHUFFLE_LENGTH); i++) {
      SignedPeerRecord r = offer(shuffle.getSample(i), null, null, sender);
      if (r != null) {
        // uint32: an age of 2^31 or more must not read as negative and so as the youngest.
        int age = i < shuffle.getSampleAgesCount()
            ? (int) Math.min(PeerSampler.MAX_AGE, Integer.toUnsignedLong(shuffle.getSampleAges(i)))
            : 0;
        out.add(new PeerSampler.Entry(NodeRecord.of(r), age));
      }
    }
    return out;
  }

  private void learnSummary(SignedPeerRecord sender,
      io.loudp2p.core.proto.v1.@Nullable KeywordSummary proto) {
    QueryRouter<ControlResponder> r = router;
    if (r == null || proto == null
        || sender.record().getRole() == io.loudp2p.core.proto.v1.Role.ROLE_LIGHT) {
      return;
    }
    try {
      r.learn(NodeRecord.of(sender), KeywordSummary.fromProto(proto), nowMs());
    } catch (IllegalArgumentException e) {
      log.debug("ignoring the keyword summary of {}: {}", sender.peerId(), e.getMessage());
    }
  }

  private volatile int summarizedCatalog = -1;
  private volatile int summarizedCache = -1;

  private boolean summaryStale() {
    return catalog.size() != summarizedCatalog
        || (cache != null ? cache.tracks().size() : 0) != summarizedCache;
  }

  /** Summarizes the keywords of the catalog and the cache, for neighbours' routing. */
  private void summarize() {
    List<String> texts = new ArrayList<>();
    for (Track t : catalog.tracks()) {
      texts.add(t.info().title() + " " + t.info().artist() + " " + t.info().album());
    }
    summarizedCatalog = catalog.size();
    int cached = 0;
    if (cache != null) {
      for (TrackId id : cache.tracks()) {
        Manifest m = cache.manifest(id);
        cached++;
        if (m != null) {
          TrackMetadata md = m.metadata();
          texts.add(md.getTitle() + " " + md.getArtist() + " " + md.getAlbum());
        }
      }
    }
    summarizedCache = cached;
    KeywordSummary s = KeywordSummary.of(texts);
    if (s.overfull()) {
      log.info("{} tracks are too many keywords for a summary; neighbours reach this peer by"
          + " random walks", texts.size());
      s = null;
    }
    summary = s;
  }

  /** A LIGHT peer hands its query to its first FULL link, and to the next when that one fails. */
  private CompletableFuture<Void> delegate(SearchQuery query, BiConsumer<PeerId, SearchHits> onHits,
      int attempt, Set<PeerId> tried) {
    refreshLinks();
    NodeRecord link = null;
    for (NodeRecord l : links.current()) {
      if (!tried.contains(l.id())) {
        link = l;
        break;
      }
    }
    if (link == null || attempt > LightLinks.LINKS) {
      return CompletableFuture.completedFuture(null);
    }
    tried.add(link.id());
    PeerId linked = link.id();
    // A link that does not answer within a second is not waited for: the next one is asked too.
    CompletableFuture<Void> next = new CompletableFuture<>();
    AtomicBoolean moved = new AtomicBoolean();
    Runnable moveOn = () -> {
      if (moved.compareAndSet(false, true)) {
        // Silent or failed: no longer a link, so that the next attempt may draw a new one from the
        // view when every link was tried (they all left at once, say).
        links.failed(linked);
        delegate(query, onHits, attempt + 1, tried).whenComplete((v, t) -> next.complete(null));
      }
    };
    return forward(new QueryRouter.Forward(linked, query), onHits, moveOn).thenCompose(ok -> {
      if (!ok) {
        sampler().remove(linked);
        // Dropped again: while it kept silent it may have been drawn back as a link.
        links.failed(linked);
        moveOn.run();
      }
      return moved.get() ? next : CompletableFuture.completedFuture(null);
    });
  }

  private void refreshLinks() {
    PeerSampler view = sampler;
    if (view != null) {
      links.refill(fullNeighbours(), random);
    }
  }

  /**
   * Every {@link #LIGHT_PERIODS} shuffle periods, moves one FULL link, in turn, to a FULL peer of
   * the view drawn at random and greets it, at the cost of one small call (a phone on 3G pays for
   * every one); one that does not answer is replaced. The links so become a random sample of the
   * FULL peers, not the bootstrap peers every LIGHT peer met first. A link that fails or keeps
   * silent while it is used is replaced at once (see {@link #delegate}).
   */
  private void checkLinks() {
    refreshLinks();
    NodeRecord link = links.rotate(linkCheckTurn++, fullNeighbours(), random);
    if (link == null) {
      return;
    }
    InetSocketAddress address = controlAddress(link);
    if (address == null) {
      links.failed(link.id());
      return;
    }
    exchange(address).exceptionally(t -> {
      gone(link.id(), address);
      refreshLinks();
      return null;
    });
  }

  /** The FULL peers to route to: the view, or the table's reachable FULL peers while it is empty. */
  private List<NodeRecord> fullNeighbours() {
    List<NodeRecord> out = new ArrayList<>();
    for (NodeRecord n : sampler().neighbours()) {
      if (n.role() == Role.FULL) {
        out.add(n);
      }
    }
    if (out.isEmpty()) {
      for (PeerTable.Entry e : table().sample(PeerSampler.DEFAULT_VIEW_SIZE, random)) {
        NodeRecord n = NodeRecord.of(e.record());
        if (e.reachable() && n.role() == Role.FULL && e.control() != null) {
          out.add(n);
        }
      }
    }
    return out;
  }

  private @Nullable InetSocketAddress controlOf(PeerId id) {
    NodeRecord n = sampler().get(id);
    if (n != null) {
      return controlAddress(n);
    }
    InetSocketAddress known = table().get(id).map(PeerTable.Entry::control).orElse(null);
    if (known != null) {
      return known;
    }
    n = router().summarySender(id);
    return n != null ? controlAddress(n) : null;
  }

  private static @Nullable InetSocketAddress controlAddress(NodeRecord n) {
    for (Endpoint e : n.record().getEndpointsList()) {
      if (e.getTransport() == TransportKind.TRANSPORT_KIND_GRPC) {
        return PeerTable.address(e);
      }
    }
    return null;
  }

  /** A peer that stopped answering: out of the view, the links and the routing summaries. */
  private void gone(PeerId id, InetSocketAddress address) {
    sampler().remove(id);
    router().forget(id);
    links.failed(id);
    table().reachable(id, false);
    control.disconnect(address);
  }

  /**
   * This peer's own resource use: its CPU and heap, or the sessions it is streaming over the most
   * it serves. Not the queries others send: those are refused past the rate limits, and counting
   * them would let anyone demote a FULL peer by asking it valid questions.
   */
  private double load() {
    long streaming = served.values().stream().filter(s -> s.reader != null).count();
    return Math.max(runtime.gauge().load(), (double) streaming / MAX_SERVED_SESSIONS);
  }

  /** Asks the role policy; on a change, signs a new record and tells the neighbours. */
  private void reconsiderRole() {
    try {
      checkReachability();
      long now = nowMs();
      Role next = rolePolicy.decide(new RolePolicy.Inputs(role, now - startedMs,
          now - roleChangedMs, now - lastInboundMs < REACHABLE_FOR.toMillis(), load()));
      if (next != role) {
        changeRole(next);
      }
    } catch (RuntimeException e) {
      log.warn("reconsidering the role failed", e);
    }
  }

  void changeRole(Role next) {
    log.info("{} changes role from {} to {}", id(), role, next);
    role = next;
    roleChangedMs = nowMs();
    resignRecord();
    summarize();
    byte[] announce = seal(Payload.newBuilder().setRoleChange(
        RoleChange.newBuilder().setRecord(record)));
    // Those that hold this peer's record: its view and links, and the peers that lately sent it
    // their summaries (they shuffled with it, so it is likely in their views).
    Map<PeerId, InetSocketAddress> tell = new LinkedHashMap<>();
    List<NodeRecord> known = new ArrayList<>(sampler().neighbours());
    known.addAll(links.current());
    for (NodeRecord n : known) {
      InetSocketAddress address = controlAddress(n);
      if (address != null) {
        tell.putIfAbsent(n.id(), address);
      }
    }
    for (PeerId p : router().knownSummaryPeers()) {
      InetSocketAddress address = tell.containsKey(p) ? null : controlOf(p);
      if (address != null) {
        tell.put(p, address);
      }
    }
    for (InetSocketAddress address : tell.values()) {
      control.call(address, ControlMethod.ANNOUNCE_ROLE, announce, config.callDeadline()).thenAccept(bytes -> {
        SignedMessage answer = openOrThrow(bytes);
        if (answer.payload().hasRoleChange()) {
          learnRoleChange(answer.sender(), answer.payload().getRoleChange(), address.getAddress());
        }
      }).exceptionally(t -> null);
    }
    if (next == Role.LIGHT) {
      refreshLinks();
    }
  }

  private void learnRoleChange(PeerId sender, RoleChange change, InetAddress observed) {
    if (change.hasRecord()) {
      offer(change.getRecord(), sender, sender, sender, observed);
    }
  }

  private synchronized void resignRecord() {
    long now = nowMs();
    // Wall-clock milliseconds, so that a restarted peer's record outranks the one it had before.
    sequence = Math.max(sequence + 1, now);
    PeerRecord.Builder r = PeerRecord.newBuilder()
        .setSequence(sequence)
        .setExpiresAtMs(now + RECORD_LIFETIME.toMillis())
        .setRole(role == Role.FULL ? io.loudp2p.core.proto.v1.Role.ROLE_FULL
            : io.loudp2p.core.proto.v1.Role.ROLE_LIGHT);
    for (InetSocketAddress a : listening) {
      // A wildcard listener is announced at this machine's addresses, which others can dial.
      for (InetSocketAddress at : LocalAddresses.reachableAs(a,
          EnvelopeOpener.MAX_RECORD_ENDPOINTS - r.getEndpointsCount())) {
        r.addEndpoints(endpoint(TransportKind.TRANSPORT_KIND_GRPC, at));
      }
    }
    record = sealer().sealRecord(r.build());
  }

  private static Endpoint endpoint(TransportKind kind, InetSocketAddress a) {
    return Endpoint.newBuilder().setTransport(kind)
        .setIp(ByteString.copyFrom(a.getAddress().getAddress())).setPort(a.getPort()).build();
  }

  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
    }
    for (StreamSession s : sessions) {
      s.close();
    }
    if (timer != null) {
      timer.shutdownNow();
    }
    for (TransportServer s : servers) {
      s.close();
    }
    if (control != null) {
      control.close();
    }
    if (data != null) {
      data.close();
    }
    if (udp != null) {
      udp.close();
    }
    for (Served s : served.values()) {
      LocalContent.Reader r = s.reader;
      if (r != null) {
        r.close();
      }
    }
    if (catalog != null) {
      catalog.close();
    }
    if (cache != null) {
      cache.close();
    }
  }

  // -----------------------------------------------------------------------------------------
  // Accessors
  // -----------------------------------------------------------------------------------------

  @Override
  public PeerId id() {
    return identity().peerId();
  }

  @Override
  public List<InetSocketAddress> listenAddresses() {
    return List.copyOf(listening);
  }

  @Override
  public Catalog catalog() {
    requireStarted();
    return catalog;
  }

  @Override
  public List<PeerInfo> peers() {
    List<PeerInfo> out = new ArrayList<>();
    for (PeerTable.Entry e : table().all()) {
      PeerRecord r = e.record().record();
      List<InetSocketAddress> addresses = new ArrayList<>();
      for (Endpoint ep : r.getEndpointsList()) {
        InetSocketAddress a = PeerTable.address(ep);
        if (a != null) {
          addresses.add(a);
        }
      }
      out.add(new PeerInfo(e.record().peerId(), addresses,
          r.getRole() == io.loudp2p.core.proto.v1.Role.ROLE_LIGHT ? Role.LIGHT : Role.FULL,
          r.getSequence(), Instant.ofEpochMilli(r.getExpiresAtMs()), e.reachable()));
    }
    return out;
  }

  private Identity identity() {
    requireStarted();
    return identity;
  }

  private EnvelopeSealer sealer() {
    requireStarted();
    return sealer;
  }

  private PeerTable table() {
    requireStarted();
    return table;
  }

  private void requireStarted() {
    if (!started || identity == null) {
      throw new IllegalStateException("peer not started");
    }
  }

  // -----------------------------------------------------------------------------------------
  // Serving
  // -----------------------------------------------------------------------------------------

  private void handle(byte[] request, InetSocketAddress remote, ControlMethod method,
      ControlResponder responder) {
    boolean streaming = method.streaming();
    if (!ready || closed) {
      responder.fail(ControlErrorCode.UNAVAILABLE, closed ? "peer stopped" : "peer starting");
      return;
    }
    SignedMessage message;
    try {
      message = opener.openRequest(request, method);
    } catch (EnvelopeException e) {
      responder.fail(codeFor(e), e.getMessage());
      return;
    }
    if (!requests.tryAcquire(message.sender())) {
      responder.fail(ControlErrorCode.RESOURCE_EXHAUSTED, "more than " + REQUESTS_PER_SECOND
          + " requests a second (bursts of " + REQUEST_BURST + ") from " + message.sender());
      return;
    }
    Payload p = message.payload();
    if (!total.tryAcquire(Boolean.TRUE)) {
      responder.fail(ControlErrorCode.RESOURCE_EXHAUSTED, "more than " + TOTAL_REQUESTS_PER_SECOND
          + " requests a second in all (bursts of " + TOTAL_REQUEST_BURST + ")");
      return;
    }
    if (p.getBodyCase() == Payload.BodyCase.SEARCH_QUERY && !searches.tryAcquire(Boolean.TRUE)) {
      responder.fail(ControlErrorCode.RESOURCE_EXHAUSTED, "more than " + TOTAL_SEARCHES_PER_SECOND
          + " searches a second in all (bursts of " + TOTAL_SEARCH_BURST + ")");
      return;
    }
    lastInboundMs = nowMs();
    switch (p.getBodyCase()) {
      case PEER_EXCHANGE:
        ingest(message.sender(), p.getPeerExchange(), remote.getAddress());
        responder.reply(seal(Payload.newBuilder().setPeerExchange(exchangeMessage())));
        break;
      case SHUFFLE:
        answerShuffle(message.sender(), p.getShuffle(), remote.getAddress(), responder);
        break;
      case ROLE_CHANGE:
        learnRoleChange(message.sender(), p.getRoleChange(), remote.getAddress());
        responder.reply(seal(Payload.newBuilder().setRoleChange(
            RoleChange.newBuilder().setRecord(record))));
        break;
      case SEARCH_QUERY:
        answerSearch(message.sender(), p.getSearchQuery(), streaming, responder);
        break;
      case MANIFEST_REQUEST:
        answerManifest(p.getManifestRequest(), responder);
        break;
      case REACHABILITY_CHECK:
        answerReachabilityCheck(message.sender(), p.getReachabilityCheck(), remote, responder);
        break;
      case STREAM_OPEN:
        answerStreamOpen(message.sender(), p.getStreamOpen(), request, responder);
        break;
      default:
        responder.fail(ControlErrorCode.MALFORMED, p.getBodyCase() + " is not a request");
    }
  }

  private static ControlErrorCode codeFor(EnvelopeException e) {
    switch (e.reason()) {
      case TOO_LARGE:
        return ControlErrorCode.RESOURCE_EXHAUSTED;
      case MALFORMED_ENVELOPE:
      case MALFORMED_PAYLOAD:
      case MISSING_BODY:
      case WRONG_METHOD:
        return ControlErrorCode.MALFORMED;
      default:
        return ControlErrorCode.UNAUTHENTICATED;
    }
  }

  private PeerExchange exchangeMessage() {
    PeerExchange.Builder pe = PeerExchange.newBuilder().setSelfRecord(record);
    // Peers this one failed to reach are not passed on.
    for (PeerTable.Entry e : table().sample(EXCHANGE_SAMPLE, random, true)) {
      pe.addSample(e.record().envelope());
    }
    KeywordSummary s = summary;
    if (role == Role.FULL && s != null) {
      pe.setSummary(s.toProto());
    }
    return pe.build();
  }

  /** Learns the records of a peer exchange; the sender's own must be signed by the sender. */
  private void ingest(PeerId sender, PeerExchange exchange, InetAddress observed) {
    if (exchange.hasSelfRecord()) {
      SignedPeerRecord self = offer(exchange.getSelfRecord(), sender, sender, sender, observed);
      if (self != null) {
        learnSummary(self, exchange.hasSummary() ? exchange.getSummary() : null);
      }
    }
    for (int i = 0; i < Math.min(exchange.getSampleCount(), EXCHANGE_SAMPLE); i++) {
      offer(exchange.getSample(i), null, sender);
    }
  }

  private @Nullable SignedPeerRecord offer(Envelope envelope, @Nullable PeerId mustBe,
      @Nullable PeerId source) {
    return offer(envelope, mustBe, source, source, null);
  }

  private @Nullable SignedPeerRecord offer(Envelope envelope, @Nullable PeerId mustBe,
      @Nullable PeerId source, @Nullable PeerId relayedBy) {
    return offer(envelope, mustBe, source, relayedBy, null);
  }

  /**
   * Checks a record and learns it: in the table (within the caps of {@code relayedBy}, the peer
   * that sent it, and, for a peer's own record, of the address block it was {@code observed}
   * sending from), and in the view when {@code source} is given.
   */
  private @Nullable SignedPeerRecord offer(Envelope envelope, @Nullable PeerId mustBe,
      @Nullable PeerId source, @Nullable PeerId relayedBy, @Nullable InetAddress observed) {
    try {
      SignedPeerRecord r = opener.openRecord(envelope);
      if (mustBe != null && !r.peerId().equals(mustBe)) {
        return null;
      }
      table().offer(r, relayedBy, observed);
      PeerSampler view = sampler;
      if (source == null && view != null) {
        view.observe(NodeRecord.of(r), nowMs());
      } else if (source != null && view != null) {
        NodeRecord node = NodeRecord.of(r);
        view.offer(node, source, nowMs());
        links.update(node);
        if (node.role() == Role.LIGHT && router != null) {
          router.forget(node.id());
        }
      }
      return r;
    } catch (EnvelopeException e) {
      log.debug("ignoring a peer record: {}", e.getMessage());
      return null;
    }
  }

  /**
   * Answers a query from the catalog and cache, then (FULL peers, streaming calls) routes it on and
   * relays the hits that come back to the caller, whose open call is the reverse path.
   */
  private void answerSearch(PeerId sender, SearchQuery query, boolean streaming,
      ControlResponder responder) {
    String error = QueryRouter.check(query, MAX_TERMS, MAX_TERM_LENGTH);
    if (error != null) {
      responder.fail(ControlErrorCode.MALFORMED, error);
      return;
    }
    int limit = QueryRouter.maxResults(query, MAX_HITS, MAX_HITS);
    SearchHits.Builder hits = localHits(query, limit);
    QueryRouter<ControlResponder> r = router;
    if (!streaming || r == null || role != Role.FULL) {
      byte[] answer = seal(Payload.newBuilder().setSearchHits(hits));
      if (streaming) {
        responder.next(answer);
        responder.complete();
      } else {
        responder.reply(answer);
      }
      return;
    }
    QueryRouter.Decision d = r.route(query, sender, responder, fullNeighbours(),
        nowMs());
    if (d.duplicate()) {
      responder.complete();
      return;
    }
    // A walk's first batch goes out at once, empty or not: it tells the sender this peer is
    // alive, so the sender does not send the walk elsewhere. Other queries get hits only.
    if (hits.getHitsCount() > 0 || QueryRouter.walkers(query) > 0) {
      synchronized (responder) {
        responder.next(seal(Payload.newBuilder().setSearchHits(hits)));
      }
    }
    Set<PeerId> tried = new HashSet<>();
    tried.add(sender);
    for (QueryRouter.Forward f : d.forwards()) {
      tried.add(f.to());
    }
    BiConsumer<PeerId, SearchHits> relay = (from, hitsBack) -> {
      ControlResponder up = r.upstream(query.getQueryId(), nowMs());
      if (up != null) {
        SearchHits relayed = relayable(hitsBack);
        synchronized (up) {
          up.next(seal(Payload.newBuilder().setSearchHits(relayed)));
        }
      }
    };
    List<CompletableFuture<Boolean>> forwarded = new ArrayList<>();
    for (QueryRouter.Forward f : d.forwards()) {
      forwarded.add(forwardOrReroute(f, tried, relay));
    }
    CompletableFuture.allOf(forwarded.toArray(new CompletableFuture<?>[0])).whenComplete((v, t) -> {
      synchronized (responder) {
        responder.complete();
      }
      r.release(query.getQueryId());
    });
  }

  /**
   * Hits to relay upstream: at most {@link #MAX_HITS} of them with at most {@link
   * #MAX_SOURCES_PER_HIT} sources each, one more hop. The asker checks every source's signature;
   * a relay only keeps what it passes on within the protocol's limits.
   */
  static SearchHits relayable(SearchHits hits) {
    SearchHits.Builder out = SearchHits.newBuilder().setQueryId(hits.getQueryId())
        .setHops(hits.getHops() == -1 ? -1 : hits.getHops() + 1); // uint32: saturates
    for (int i = 0; i < Math.min(MAX_HITS, hits.getHitsCount()); i++) {
      io.loudp2p.core.proto.v1.SearchHit h = hits.getHits(i);
      if (h.getSourcesCount() > MAX_SOURCES_PER_HIT) {
        h = h.toBuilder().clearSources()
            .addAllSources(h.getSourcesList().subList(0, MAX_SOURCES_PER_HIT)).build();
      }
      out.addHits(h);
    }
    return out.build();
  }

  /**
   * Sends a random walk on, and when the peer it went to does not answer at all within {@link
   * #FIRST_ANSWER_TIMEOUT} (or fails before answering), sends it to another FULL neighbour not
   * tried yet for this query: a walk that meets a peer that left goes on instead of ending there.
   * Other forwards (flooding, lookahead) go out once. Completes when every call made ended.
   *
   * @param tried the peers this query went to or came from, shared by all its forwards here
   */
  private CompletableFuture<Boolean> forwardOrReroute(QueryRouter.Forward f, Set<PeerId> tried,
      BiConsumer<PeerId, SearchHits> onHits) {
    if (f.query().getWalkers() != 1) {
      return forward(f, onHits, null);
    }
    CompletableFuture<Boolean> rerouted = new CompletableFuture<>();
    AtomicBoolean moved = new AtomicBoolean();
    Runnable reroute = () -> {
      if (!moved.compareAndSet(false, true)) {
        return;
      }
      PeerId next = null;
      synchronized (tried) {
        List<NodeRecord> candidates = new ArrayList<>();
        for (NodeRecord n : fullNeighbours()) {
          if (!tried.contains(n.id())) {
            candidates.add(n);
          }
        }
        if (!candidates.isEmpty()) {
          next = candidates.get(random.nextInt(candidates.size())).id();
          tried.add(next);
        }
      }
      if (next == null) {
        rerouted.complete(false);
      } else {
        forwardOrReroute(new QueryRouter.Forward(next, f.query()), tried, onHits)
            .whenComplete((ok, t) -> rerouted.complete(ok != null && ok));
      }
    };
    return forward(f, onHits, reroute).thenCompose(ok -> moved.get() ? rerouted
        : CompletableFuture.completedFuture(ok));
  }

  /**
   * Sends a query on to a peer and hands each batch of hits it streams back to {@code onHits}. A
   * peer that never answered and whose call failed is dropped from the view. Completes when that
   * peer's stream ends, with whether it ended well.
   *
   * @param onSilence runs (once) when the peer has not answered at all within {@link
   *     #FIRST_ANSWER_TIMEOUT}, or its call failed before it did; null for none
   */
  private CompletableFuture<Boolean> forward(QueryRouter.Forward f,
      BiConsumer<PeerId, SearchHits> onHits, @Nullable Runnable onSilence) {
    InetSocketAddress address = controlOf(f.to());
    if (address == null) {
      if (onSilence != null) {
        onSilence.run();
      }
      return CompletableFuture.completedFuture(false);
    }
    byte[] request = seal(Payload.newBuilder().setSearchQuery(f.query()));
    Duration deadline = HOP_DEADLINE.multipliedBy(QueryRouter.ttl(f.query()) + 1L);
    AtomicBoolean heard = new AtomicBoolean();
    CompletableFuture<Boolean> call = control.callStreaming(address, ControlMethod.SEARCH, request, deadline, bytes -> {
      heard.set(true);
      try {
        SignedMessage answer = opener.open(bytes);
        if (answer.sender().equals(f.to()) && answer.payload().hasSearchHits()
            && answer.payload().getSearchHits().getQueryId().equals(f.query().getQueryId())) {
          onHits.accept(f.to(), answer.payload().getSearchHits());
        }
      } catch (EnvelopeException e) {
        log.debug("hits from {} refused: {}", f.to(), e.getMessage());
      }
    }).thenApply(v -> true).exceptionally(t -> {
      Throwable cause = t.getCause() != null ? t.getCause() : t;
      // UNAVAILABLE, or silence until the deadline: the peer is gone. Any other code is an answer
      // (busy, refused): the peer is alive, only this query goes elsewhere.
      boolean answered = cause instanceof ControlException ce
          && ce.code() != ControlErrorCode.UNAVAILABLE;
      boolean unavailable = cause instanceof ControlException ce
          && ce.code() == ControlErrorCode.UNAVAILABLE;
      if (unavailable || (!heard.get() && !answered)) {
        gone(f.to(), address);
      }
      if (!heard.get() && onSilence != null) {
        onSilence.run();
      }
      log.debug("query to {} failed: {}", f.to(), cause.toString());
      return false;
    });
    if (onSilence != null && !call.isDone()) {
      try {
        timer.schedule(() -> {
          if (!heard.get() && !call.isDone()) {
            onSilence.run();
          }
        }, FIRST_ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // closing
      }
    }
    return call;
  }

  private SearchHits.Builder localHits(SearchQuery query, int limit) {
    SearchHits.Builder hits = SearchHits.newBuilder().setQueryId(query.getQueryId());
    for (SearchResult r : catalog.search(String.join(" ", query.getTermsList()), limit)) {
      hits.addHits(io.loudp2p.core.proto.v1.SearchHit.newBuilder()
          .setTrackId(ByteString.copyFrom(r.track().id().bytes()))
          .setSize(r.track().size())
          .setMetadata(LocalContent.metadata(r.track().info()))
          .addSources(record)
          .setScore(r.score()));
    }
    // A LIGHT peer shares only the folders it was told to share, not what it played.
    if (cache != null && role == Role.FULL && hits.getHitsCount() < limit) {
      for (TrackId cached : cache.tracks()) {
        Manifest m = cache.manifest(cached);
        if (m != null && catalog.track(cached).isEmpty()
            && CacheSearch.matches(m.metadata(), query.getTermsList())) {
          hits.addHits(io.loudp2p.core.proto.v1.SearchHit.newBuilder()
              .setTrackId(ByteString.copyFrom(cached.bytes()))
              .setSize(m.size())
              .setMetadata(m.metadata())
              .addSources(record)
              .setScore(1));
          if (hits.getHitsCount() >= limit) {
            break;
          }
        }
      }
    }
    return hits;
  }

  /**
   * Dials the asker back at the control endpoint of its own signed record that has the address the
   * check came from (never anywhere else, so this peer cannot be made to call a third party), and
   * says whether the asker answered as itself.
   */
  private void answerReachabilityCheck(PeerId sender, ReachabilityCheck check,
      InetSocketAddress remote, ControlResponder responder) {
    long now = nowMs();
    synchronized (reachabilityChecks) {
      Long last = reachabilityChecks.get(sender);
      if (last != null && now - last < REACHABILITY_CHECK_PERIOD.toMillis()) {
        responder.fail(ControlErrorCode.RESOURCE_EXHAUSTED,
            "one reachability check a minute; the last was " + (now - last) + " ms ago");
        return;
      }
      reachabilityChecks.put(sender, now);
    }
    SignedPeerRecord record = check.hasRecord()
        ? offer(check.getRecord(), sender, null, null, remote.getAddress()) : null;
    if (record == null) {
      responder.fail(ControlErrorCode.MALFORMED, "a reachability check carries the asker's record");
      return;
    }
    Endpoint dial = null;
    for (Endpoint e : record.record().getEndpointsList()) {
      InetSocketAddress a = PeerTable.address(e);
      if (e.getTransport() == TransportKind.TRANSPORT_KIND_GRPC && a != null
          && a.getAddress().equals(remote.getAddress())) {
        dial = e;
        break;
      }
    }
    if (dial == null) {
      responder.reply(seal(Payload.newBuilder().setReachabilityResult(
          ReachabilityResult.newBuilder().setReached(false))));
      return;
    }
    Endpoint dialed = dial;
    exchange(PeerTable.address(dial)).handle((id, t) -> t == null && sender.equals(id))
        .thenAccept(reached -> responder.reply(seal(Payload.newBuilder().setReachabilityResult(
            ReachabilityResult.newBuilder().setReached(reached).setDialed(dialed)))));
  }

  /**
   * A LIGHT peer that has run a while and was not reached lately asks a FULL link to dial it back,
   * at most every {@link #REACHABLE_FOR}: promotion needs other peers to be able to reach it.
   */
  private void checkReachability() {
    long now = nowMs();
    if (role != Role.LIGHT || now - startedMs < REACHABILITY_CHECK_AFTER.toMillis()
        || now - lastInboundMs < REACHABLE_FOR.toMillis()
        || now - lastReachabilityCheckMs < REACHABLE_FOR.toMillis()) {
      return;
    }
    refreshLinks();
    List<NodeRecord> current = links.current();
    InetSocketAddress address = current.isEmpty() ? null : controlAddress(current.get(0));
    if (address == null) {
      return;
    }
    lastReachabilityCheckMs = now;
    PeerId asked = current.get(0).id();
    byte[] request = seal(Payload.newBuilder().setReachabilityCheck(
        ReachabilityCheck.newBuilder().setRecord(record)));
    control.call(address, ControlMethod.CHECK_REACHABILITY, request, config.callDeadline().multipliedBy(2)).thenAccept(bytes -> {
      SignedMessage answer = openOrThrow(bytes);
      if (answer.sender().equals(asked) && answer.payload().hasReachabilityResult()) {
        boolean reached = answer.payload().getReachabilityResult().getReached();
        log.debug("{} says {} is {}reachable", asked, id(), reached ? "" : "not ");
      }
    }).exceptionally(t -> null);
  }

  private void answerManifest(ManifestRequest request, ControlResponder responder) {
    Optional<TrackId> id = trackId(request.getTrackId(), responder);
    if (id.isEmpty()) {
      return;
    }
    Optional<Manifest> manifest = content.manifest(id.get());
    if (manifest.isEmpty()) {
      responder.fail(ControlErrorCode.NOT_FOUND, "unknown track " + id.get());
      return;
    }
    responder.reply(seal(Payload.newBuilder().setManifestResponse(ManifestResponse.newBuilder()
        .setManifest(manifest.get().toProto())
        .setAvailability(chunkMap(content.availability(id.get()), manifest.get().chunkCount())))));
  }

  private void answerStreamOpen(PeerId receiver, StreamOpen open, byte[] envelope,
      ControlResponder responder) {
    Optional<TrackId> id = trackId(open.getTrackId(), responder);
    if (id.isEmpty()) {
      return;
    }
    if (open.getSessionId().size() != DataSessionId.LENGTH) {
      responder.fail(ControlErrorCode.MALFORMED, "session_id must have 16 bytes");
      return;
    }
    int key = open.getEphemeralPublicKey().size();
    if (key != 0 && key != EPHEMERAL_KEY_LENGTH) {
      responder.fail(ControlErrorCode.MALFORMED, "ephemeral_public_key must be empty or have "
          + EPHEMERAL_KEY_LENGTH + " bytes, not " + key);
      return;
    }
    // The request is kept while the session lives, to check its data stream's handshake.
    if (envelope.length > MAX_STREAM_OPEN_BYTES) {
      responder.fail(ControlErrorCode.MALFORMED, "a stream open has at most "
          + MAX_STREAM_OPEN_BYTES + " bytes, not " + envelope.length);
      return;
    }
    TransportKind chosen = null;
    for (TransportKind offered : open.getOfferedTransportsList()) {
      if ((offered == TransportKind.TRANSPORT_KIND_UDP && udpServer != null)
          || (offered == TransportKind.TRANSPORT_KIND_GRPC && dataAddress != null)) {
        chosen = offered;
        break;
      }
    }
    if (chosen == null) {
      responder.fail(ControlErrorCode.MALFORMED, "no data transport in common: this peer offers "
          + (udpServer != null ? "UDP " : "") + (dataAddress != null ? "GRPC" : ""));
      return;
    }
    Optional<Manifest> manifest = content.manifest(id.get());
    if (manifest.isEmpty()) {
      responder.fail(ControlErrorCode.NOT_FOUND, "unknown track " + id.get());
      return;
    }
    purgeStaleSessions();
    if (served.size() >= MAX_SERVED_SESSIONS) {
      responder.fail(ControlErrorCode.RESOURCE_EXHAUSTED,
          "serving " + MAX_SERVED_SESSIONS + " sessions already; retry later");
      return;
    }
    DataSessionId sessionId = DataSessionId.fromBytes(open.getSessionId().toByteArray());
    if (served.putIfAbsent(sessionId, new Served(id.get(), receiver, envelope,
        runtime.nanoTime().getAsLong())) != null) {
      responder.fail(ControlErrorCode.MALFORMED, "session " + sessionId + " already open");
      return;
    }
    StreamAccept.Builder accept = StreamAccept.newBuilder()
        .setSessionId(open.getSessionId())
        .setSize(manifest.get().size())
        .setAvailability(chunkMap(content.availability(id.get()), manifest.get().chunkCount()));
    boolean grpcOffered = open.getOfferedTransportsList().contains(TransportKind.TRANSPORT_KIND_GRPC);
    if (grpcOffered && dataAddress != null) {
      // The fallback when UDP turns out to be blocked, or the chosen transport.
      accept.setDataEndpoint(endpoint(TransportKind.TRANSPORT_KIND_GRPC, dataAddress));
    }
    if (chosen == TransportKind.TRANSPORT_KIND_UDP) {
      try {
        DataOffer offer = udpServer.prepare(sessionId, open.getEphemeralPublicKey().toByteArray());
        accept.setTransport(TransportKind.TRANSPORT_KIND_UDP)
            .setUdpEndpoint(endpoint(TransportKind.TRANSPORT_KIND_UDP, offer.endpoint()))
            .setEphemeralPublicKey(ByteString.copyFrom(offer.publicKey()));
      } catch (ControlException e) {
        if (!grpcOffered || dataAddress == null) {
          served.remove(sessionId);
          responder.fail(e.code(), "cannot serve over UDP: " + e.getMessage());
          return;
        }
        chosen = TransportKind.TRANSPORT_KIND_GRPC;
      }
    }
    if (chosen == TransportKind.TRANSPORT_KIND_GRPC) {
      accept.setTransport(TransportKind.TRANSPORT_KIND_GRPC);
    }
    responder.reply(seal(Payload.newBuilder().setStreamAccept(accept)));
  }

  private void purgeStaleSessions() {
    long now = runtime.nanoTime().getAsLong();
    served.entrySet().removeIf(e -> e.getValue().reader == null
        && now - e.getValue().openedNs > SERVED_SESSION_TIMEOUT.toNanos());
  }

  private static Optional<TrackId> trackId(ByteString bytes, ControlResponder responder) {
    if (bytes.size() != TrackId.LENGTH) {
      responder.fail(ControlErrorCode.MALFORMED, "track_id must have 32 bytes, not " + bytes.size());
      return Optional.empty();
    }
    return Optional.of(TrackId.fromBytes(bytes.toByteArray()));
  }

  private static ChunkMap chunkMap(BitSet has, int chunks) {
    if (has.cardinality() == chunks) {
      return ChunkMap.newBuilder().setComplete(true).build();
    }
    byte[] bitmap = Arrays.copyOf(has.toByteArray(), (chunks + 7) / 8);
    return ChunkMap.newBuilder().setBitmap(ByteString.copyFrom(bitmap)).build();
  }

  private static @Nullable BitSet availability(ChunkMap map) {
    return map.getComplete() ? null : BitSet.valueOf(map.getBitmap().toByteArray());
  }

  private byte[] seal(Payload.Builder payload) {
    return sealer().seal(payload).toByteArray();
  }

  /**
   * Serves the chunks of sessions opened with a signed StreamOpen, and only those, over one data
   * transport. A session may be accepted once per transport: on UDP, and again over gRPC when the
   * receiver found UDP blocked.
   */
  private final class Provider implements ChunkProvider {
    private final String transport;

    Provider(String transport) {
      this.transport = transport;
    }

    @Override
    public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
      Served s = served.get(session);
      if (s == null || !Arrays.equals(s.handshake, handshake)) {
        return false;
      }
      synchronized (s) {
        if (s.acceptedOn.contains(transport)) {
          return false;
        }
        if (s.reader == null) {
          Optional<LocalContent.Reader> reader = content.reader(s.track);
          if (reader.isEmpty()) {
            served.remove(session);
            return false;
          }
          s.reader = reader.get();
        }
        s.acceptedOn.add(transport);
        return true;
      }
    }

    @Override
    public boolean knows(DataSessionId session) {
      return served.containsKey(session);
    }

    @Override
    public @Nullable PeerId peerOf(DataSessionId session) {
      Served s = served.get(session);
      return s == null ? null : s.receiver;
    }

    @Override
    public int chunkLength(DataSessionId session, int index) {
      Served s = served.get(session);
      LocalContent.Reader r = s == null ? null : s.reader;
      return r == null ? -1 : r.chunkLength(index);
    }

    @Override
    public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {
      Served s = served.get(session);
      LocalContent.Reader r = s == null ? null : s.reader;
      if (r == null) {
        throw new IllegalStateException("session " + session + " ended");
      }
      r.read(index, offset, dst);
    }

    @Override
    public void onSessionClosed(DataSessionId session) {
      Served s = served.get(session);
      if (s == null) {
        return;
      }
      synchronized (s) {
        s.acceptedOn.remove(transport);
        if (!s.acceptedOn.isEmpty()) {
          return;
        }
        served.remove(session, s);
        if (s.reader != null) {
          s.reader.close();
        }
      }
    }
  }

  // -----------------------------------------------------------------------------------------
  // Asking others
  // -----------------------------------------------------------------------------------------

  /** Greets a peer: sends this peer's record and a sample, learns its record and sample. */
  CompletableFuture<PeerId> exchange(InetSocketAddress address) {
    byte[] request = seal(Payload.newBuilder().setPeerExchange(exchangeMessage()));
    return control.call(address, ControlMethod.EXCHANGE_PEERS, request, config.callDeadline()).thenApply(bytes -> {
      SignedMessage answer = openOrThrow(bytes);
      if (!answer.payload().hasPeerExchange()) {
        throw new ControlException(ControlErrorCode.MALFORMED, "peer exchange answered with "
            + answer.payload().getBodyCase());
      }
      ingest(answer.sender(), answer.payload().getPeerExchange(), address.getAddress());
      table().reachable(answer.sender(), true);
      return answer.sender();
    });
  }

  private SignedMessage openOrThrow(byte[] bytes) {
    try {
      return opener.open(bytes);
    } catch (EnvelopeException e) {
      throw new ControlException(ControlErrorCode.UNAUTHENTICATED, "answer refused: " + e.getMessage(), e);
    }
  }

  @Override
  public CompletableFuture<List<SearchHit>> search(String query, Duration deadline,
      Consumer<SearchHit> onHit) {
    return search(query, deadline, onHit, QueryRouter.DEFAULT_WALKERS);
  }

  /** A search that starts {@code walkers} random walks, or floods the network with 0. */
  CompletableFuture<List<SearchHit>> search(String query, Duration deadline,
      Consumer<SearchHit> onHit, int walkers) {
    requireStarted();
    Map<TrackId, Merged> merged = new LinkedHashMap<>();
    for (SearchResult r : catalog.search(query, MAX_HITS)) {
      merge(merged, r.track(), id(), r.score(), onHit);
    }
    List<String> terms = new ArrayList<>();
    for (String t : query.trim().split("\\s+")) {
      if (!t.isEmpty() && terms.size() < MAX_TERMS) {
        terms.add(t.codePointCount(0, t.length()) > MAX_TERM_LENGTH
            ? t.substring(0, t.offsetByCodePoints(0, MAX_TERM_LENGTH)) : t);
      }
    }
    if (terms.isEmpty()) {
      return CompletableFuture.completedFuture(List.of());
    }
    byte[] queryId = new byte[16];
    random.nextBytes(queryId);
    SearchQuery asked = SearchQuery.newBuilder()
        .setQueryId(ByteString.copyFrom(queryId)).addAllTerms(terms).setTtl(QueryRouter.MAX_TTL)
        .setWalkers(walkers).setMaxResults(MAX_HITS).build();
    CompletableFuture<Void> enough = new CompletableFuture<>();
    BiConsumer<PeerId, SearchHits> onHits = (from, answer) -> {
      // Within the protocol's limits only: a peer that answers with more is not believed further.
      List<io.loudp2p.core.proto.v1.SearchHit> got = answer.getHitsList();
      for (io.loudp2p.core.proto.v1.SearchHit hit : got.subList(0, Math.min(MAX_HITS, got.size()))) {
        if (hit.getTrackId().size() != TrackId.LENGTH) {
          continue;
        }
        TrackId track = TrackId.fromBytes(hit.getTrackId().toByteArray());
        List<PeerId> sources = new ArrayList<>();
        List<Envelope> listed = hit.getSourcesList();
        for (Envelope source : listed.subList(0, Math.min(MAX_SOURCES_PER_HIT, listed.size()))) {
          // Learnt in the table within the caps of the peer that passed the hits on.
          SignedPeerRecord r = offer(source, null, null, from);
          if (r != null) {
            sources.add(r.peerId());
          }
        }
        if (sources.isEmpty()) {
          continue;
        }
        addHolders(track, sources);
        Track t = new Track(track, hit.getSize(), info(hit.getMetadata()));
        synchronized (merged) {
          for (PeerId s : sources) {
            merge(merged, t, s, hit.getScore(), onHit);
          }
          if (merged.size() >= MAX_HITS) {
            enough.complete(null);
          }
        }
      }
    };
    CompletableFuture<Void> asking;
    if (role == Role.FULL) {
      Set<PeerId> tried = java.util.concurrent.ConcurrentHashMap.newKeySet();
      tried.add(id());
      CompletableFuture<Void> first = walk(asked, tried, onHits);
      // Walks can meet peers that take them, acknowledge them and forward nothing (an attacker's
      // identities can be many): when the first wave has found nothing once it ended, or after
      // SECOND_WAVE_AFTER, a second goes out under a new query ID to neighbours not yet asked.
      AtomicBoolean second = new AtomicBoolean();
      CompletableFuture<Void> again = new CompletableFuture<>();
      Runnable secondWave = () -> {
        boolean empty;
        synchronized (merged) {
          empty = merged.isEmpty();
        }
        if (!empty || closed || !second.compareAndSet(false, true)) {
          again.complete(null);
          return;
        }
        byte[] otherId = new byte[16];
        random.nextBytes(otherId);
        walk(asked.toBuilder().setQueryId(ByteString.copyFrom(otherId)).build(), tried, onHits)
            .whenComplete((v, t) -> again.complete(null));
      };
      first.whenComplete((v, t) -> secondWave.run());
      if (deadline.compareTo(SECOND_WAVE_AFTER) > 0) {
        try {
          timer.schedule(secondWave, SECOND_WAVE_AFTER.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          again.complete(null); // closing
        }
      }
      asking = again;
    } else {
      asking = delegate(asked, onHits, 0, java.util.concurrent.ConcurrentHashMap.newKeySet());
    }
    CompletableFuture<Void> all = CompletableFuture.anyOf(asking, enough)
        .thenApply(v -> (Void) null);
    CompletableFuture<Void> done = new CompletableFuture<>();
    all.whenComplete((v, t) -> done.complete(null));
    try {
      timer.schedule(() -> done.complete(null), deadline.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      done.complete(null); // the peer is closing: what came so far is the answer
    }
    return done.thenApply(v -> {
          synchronized (merged) {
            List<SearchHit> out = new ArrayList<>();
            for (Merged m : merged.values()) {
              out.add(m.hit());
            }
            out.sort(Comparator.comparingDouble(SearchHit::score).reversed());
            return out;
          }
        });
  }

  /** Routes this peer's own query to neighbours not in {@code tried}; completes when all end. */
  private CompletableFuture<Void> walk(SearchQuery query, Set<PeerId> tried,
      BiConsumer<PeerId, SearchHits> onHits) {
    List<NodeRecord> untried = new ArrayList<>();
    for (NodeRecord n : fullNeighbours()) {
      if (!tried.contains(n.id())) {
        untried.add(n);
      }
    }
    QueryRouter.Decision d = router().route(query, null, NO_UPSTREAM, untried, nowMs());
    for (QueryRouter.Forward f : d.forwards()) {
      tried.add(f.to());
    }
    List<CompletableFuture<?>> calls = new ArrayList<>();
    for (QueryRouter.Forward f : d.forwards()) {
      calls.add(forwardOrReroute(f, tried, onHits));
    }
    return CompletableFuture.allOf(calls.toArray(new CompletableFuture<?>[0]));
  }

  private static final class Merged {
    Track track;
    final Set<PeerId> sources = new LinkedHashSet<>();
    float score;

    Merged(Track track, float score) {
      this.track = track;
      this.score = score;
    }

    SearchHit hit() {
      return new SearchHit(track, new ArrayList<>(sources), score);
    }
  }

  private static void merge(Map<TrackId, Merged> merged, Track track, PeerId source, float score,
      Consumer<SearchHit> onHit) {
    Merged m = merged.computeIfAbsent(track.id(), id -> new Merged(track, score));
    boolean changed = m.sources.add(source);
    if (score > m.score) {
      m.score = score;
      m.track = track;
      changed = true;
    }
    if (changed) {
      try {
        onHit.accept(m.hit());
      } catch (RuntimeException e) {
        log.warn("search hit listener failed", e);
      }
    }
  }

  private static TrackInfo info(TrackMetadata m) {
    return TrackInfo.builder(m.getTitle().isEmpty() ? "(untitled)" : m.getTitle())
        .artist(m.getArtist())
        .album(m.getAlbum())
        .trackNumber(m.getTrackNumber())
        .duration(Duration.ofMillis(m.getDurationMs()))
        .codec(m.getCodec())
        .bitrateKbps(m.getBitrateKbps())
        .sampleRateHz(m.getSampleRateHz())
        .mediaType(m.getMediaType())
        .build();
  }

  @Override
  public CompletableFuture<StreamSession> stream(TrackId track, StreamSession.Listener listener) {
    requireStarted();
    List<PeerTable.Entry> sources = new ArrayList<>();
    for (PeerId id : holdersOf(track)) {
      table().get(id).filter(e -> e.control() != null).ifPresent(sources::add);
    }
    if (sources.isEmpty()) {
      return locate(track).thenCompose(found -> {
        if (found.isEmpty()) {
          return CompletableFuture.failedFuture(new IOException("no known peer holds track " + track
              + " (asked " + Math.min(LOCATE_FANOUT, fullPeers().size()) + " peers); search for it first"));
        }
        return streamFrom(track, found, listener);
      });
    }
    return streamFrom(track, sources, listener);
  }

  /** Remembers holders of a track, at most {@link #MAX_HOLDERS_PER_TRACK}, the newest kept. */
  private void addHolders(TrackId track, List<PeerId> found) {
    synchronized (holders) {
      Set<PeerId> known = holders.computeIfAbsent(track, t -> new LinkedHashSet<>());
      for (PeerId p : found) {
        known.remove(p);
        known.add(p);
      }
      java.util.Iterator<PeerId> oldest = known.iterator();
      while (known.size() > MAX_HOLDERS_PER_TRACK) {
        oldest.next();
        oldest.remove();
      }
    }
  }

  private List<PeerId> holdersOf(TrackId track) {
    synchronized (holders) {
      Set<PeerId> known = holders.get(track);
      return known == null ? List.of() : new ArrayList<>(known);
    }
  }

  private List<PeerTable.Entry> fullPeers() {
    List<PeerTable.Entry> full = new ArrayList<>();
    for (PeerTable.Entry e : table().all()) {
      if (e.control() != null && e.reachable()
          && e.record().record().getRole() != io.loudp2p.core.proto.v1.Role.ROLE_LIGHT) {
        full.add(e);
      }
    }
    return full;
  }

  /**
   * Finds holders of a track no search has named: asks up to {@link #LOCATE_FANOUT} full peers
   * of the table for its manifest, and takes those that give a valid one.
   */
  private CompletableFuture<List<PeerTable.Entry>> locate(TrackId track) {
    List<PeerTable.Entry> asked = fullPeers();
    Collections.shuffle(asked, random);
    asked = asked.subList(0, Math.min(LOCATE_FANOUT, asked.size()));
    List<CompletableFuture<PeerTable.@Nullable Entry>> answers = new ArrayList<>();
    for (PeerTable.Entry e : asked) {
      answers.add(fetchManifest(track, List.of(e), 0).handle((m, t) -> t == null ? e : null));
    }
    return CompletableFuture.allOf(answers.toArray(new CompletableFuture<?>[0])).thenApply(v -> {
      List<PeerTable.Entry> found = new ArrayList<>();
      for (CompletableFuture<PeerTable.@Nullable Entry> a : answers) {
        PeerTable.Entry e = a.join();
        if (e != null) {
          found.add(e);
          addHolders(track, List.of(e.record().peerId()));
        }
      }
      return found;
    });
  }

  private CompletableFuture<StreamSession> streamFrom(TrackId track, List<PeerTable.Entry> sources,
      StreamSession.Listener listener) {
    return fetchManifest(track, sources, 0).thenCompose(manifest -> {
      List<CompletableFuture<@Nullable Opened>> opens = new ArrayList<>();
      for (PeerTable.Entry source : sources) {
        opens.add(openAt(source, manifest).exceptionally(t -> {
          log.info("{} cannot stream {}: {}", source.record().peerId(), track, t.getMessage());
          return null;
        }));
      }
      return CompletableFuture.allOf(opens.toArray(new CompletableFuture<?>[0])).thenCompose(v -> {
        List<Opened> ready = new ArrayList<>();
        for (CompletableFuture<@Nullable Opened> f : opens) {
          Opened o = f.join();
          if (o != null) {
            ready.add(o);
          }
        }
        if (ready.isEmpty()) {
          throw new ControlException(ControlErrorCode.UNAVAILABLE,
              "none of the " + sources.size() + " peers holding " + track + " accepted a session");
        }
        return agreedManifest(track, manifest, ready)
            .thenApply(agreed -> startSession(agreed, ready, listener));
      });
    });
  }

  /**
   * The manifest whose size most sources state. The track ID commits to the chunks but not, on
   * its own, to the size a manifest states: a manifest that lies about it would make the last
   * chunk fail at every honest source. When the sources outvote the manifest, the manifest of one
   * that agrees with them is fetched instead.
   */
  private CompletableFuture<Manifest> agreedManifest(TrackId track, Manifest manifest, List<Opened> ready) {
    long agreed = majoritySize(ready, manifest.size());
    if (agreed == manifest.size()) {
      return CompletableFuture.completedFuture(manifest);
    }
    List<PeerTable.Entry> agreeing = new ArrayList<>();
    for (Opened o : ready) {
      if (o.size() == agreed) {
        agreeing.add(o.entry());
      }
    }
    log.warn("the manifest of {} states {} bytes; {} of {} sources state {}: fetching theirs",
        track, manifest.size(), agreeing.size(), ready.size(), agreed);
    return fetchManifest(track, agreeing, 0).thenApply(m -> {
      if (m.size() != agreed) {
        throw new ControlException(ControlErrorCode.MALFORMED, "the sources of " + track
            + " disagree about its size; none gave a manifest of the size most of them state");
      }
      return m;
    });
  }

  /** The size stated by most sources (ties go to {@code manifestSize}); unstated sizes abstain. */
  static long majoritySize(List<Opened> ready, long manifestSize) {
    Map<Long, Integer> votes = new HashMap<>();
    for (Opened o : ready) {
      if (o.size() > 0) {
        votes.merge(o.size(), 1, Integer::sum);
      }
    }
    long best = manifestSize;
    int bestVotes = votes.getOrDefault(manifestSize, 0);
    for (Map.Entry<Long, Integer> e : votes.entrySet()) {
      if (e.getValue() > bestVotes) {
        best = e.getKey();
        bestVotes = e.getValue();
      }
    }
    return best;
  }

  private StreamSession startSession(Manifest manifest, List<Opened> ready, StreamSession.Listener listener) {
    List<RealStreamSession.Source> agreeing = new ArrayList<>();
    for (Opened o : ready) {
      if (o.size() == 0 || o.size() == manifest.size()) {
        agreeing.add(o.source());
      } else {
        log.warn("leaving out {}: it states {} bytes for {}, not {}", o.entry().record().peerId(),
            o.size(), manifest.trackId(), manifest.size());
      }
    }
    if (agreeing.isEmpty()) {
      throw new ControlException(ControlErrorCode.MALFORMED,
          "no source of " + manifest.trackId() + " agrees with its manifest's size");
    }
    ChunkCache.@Nullable Lease lease = keepInCache(manifest);
    RealStreamSession session = new RealStreamSession(manifest, agreeing,
        () -> new DefaultChunkScheduler(Math.max(1, manifest.size()), bitrate(manifest)),
        listener, cacheSink(manifest), runtime.nanoTime());
    sessions.add(session);
    session.completion().whenComplete((r, t) -> {
      sessions.remove(session);
      if (lease != null) {
        lease.close();
      }
    });
    return session;
  }

  private CompletableFuture<Manifest> fetchManifest(TrackId track, List<PeerTable.Entry> sources, int i) {
    if (i >= sources.size()) {
      return CompletableFuture.failedFuture(new IOException("no peer gave a valid manifest of " + track));
    }
    PeerTable.Entry source = sources.get(i);
    byte[] request = seal(Payload.newBuilder().setManifestRequest(
        ManifestRequest.newBuilder().setTrackId(ByteString.copyFrom(track.bytes()))));
    return control.call(source.control(), ControlMethod.GET_MANIFEST, request, config.callDeadline())
        .thenApply(bytes -> {
          SignedMessage answer = openOrThrow(bytes);
          if (!answer.sender().equals(source.record().peerId()) || !answer.payload().hasManifestResponse()) {
            throw new ControlException(ControlErrorCode.MALFORMED, "not a manifest response");
          }
          try {
            return Manifest.fromProto(answer.payload().getManifestResponse().getManifest(), track);
          } catch (ManifestException e) {
            throw new ControlException(ControlErrorCode.MALFORMED, "bad manifest: " + e.getMessage(), e);
          }
        })
        .handle((m, t) -> t == null ? CompletableFuture.completedFuture(m) : fetchManifest(track, sources, i + 1))
        .thenCompose(f -> f);
  }

  /** A source that accepted a session, and the track size it stated (0: not stated). */
  private record Opened(RealStreamSession.Source source, PeerTable.Entry entry, long size) {}

  private CompletableFuture<Opened> openAt(PeerTable.Entry source, Manifest manifest) {
    byte[] sessionBytes = new byte[DataSessionId.LENGTH];
    random.nextBytes(sessionBytes);
    DataSessionId sessionId = DataSessionId.fromBytes(sessionBytes);
    StreamOpen.Builder open = StreamOpen.newBuilder()
        .setTrackId(ByteString.copyFrom(manifest.trackId().bytes()))
        .setSessionId(ByteString.copyFrom(sessionBytes));
    if (udp != null) {
      open.addOfferedTransports(TransportKind.TRANSPORT_KIND_UDP)
          .setEphemeralPublicKey(ByteString.copyFrom(udp.prepare(sessionId)));
    }
    if (data != null) {
      open.addOfferedTransports(TransportKind.TRANSPORT_KIND_GRPC);
    }
    byte[] request = seal(Payload.newBuilder().setStreamOpen(open));
    InetSocketAddress controlAt = source.control();
    return control.call(controlAt, ControlMethod.OPEN_STREAM, request, config.callDeadline()).thenApply(bytes -> {
      SignedMessage answer = openOrThrow(bytes);
      if (!answer.sender().equals(source.record().peerId()) || !answer.payload().hasStreamAccept()) {
        throw new ControlException(ControlErrorCode.MALFORMED, "not a stream accept");
      }
      StreamAccept accept = answer.payload().getStreamAccept();
      PeerId peer = source.record().peerId();
      BitSet has = availability(accept.getAvailability());
      InetSocketAddress grpcAt = accept.hasDataEndpoint()
          ? dataAddress(accept.getDataEndpoint(), controlAt) : null;
      if (accept.getTransport() == TransportKind.TRANSPORT_KIND_UDP && udp != null) {
        InetSocketAddress udpAt = dataAddress(accept.getUdpEndpoint(), controlAt);
        if (udpAt == null) {
          throw new ControlException(ControlErrorCode.MALFORMED, "bad UDP endpoint in the stream accept");
        }
        RealStreamSession.Fallback fallback = grpcAt != null && data != null
            ? new RealStreamSession.Fallback(data, grpcAt, GRPC) : null;
        return new Opened(new RealStreamSession.Source(peer, udp, udpAt, sessionId, request, has,
            accept.getEphemeralPublicKey().toByteArray(), UDP, fallback), source, accept.getSize());
      }
      if (accept.getTransport() != TransportKind.TRANSPORT_KIND_GRPC || data == null || grpcAt == null) {
        throw new ControlException(ControlErrorCode.MALFORMED,
            "the stream accept chose " + accept.getTransport() + " without a usable endpoint");
      }
      return new Opened(new RealStreamSession.Source(peer, data, grpcAt, sessionId, request, has,
          new byte[0], GRPC, null), source, accept.getSize());
    });
  }

  /**
   * A data endpoint from a stream accept. A source listening on every interface announces the
   * wildcard address; the receiver then uses the address it reached the source's control at.
   */
  private static @Nullable InetSocketAddress dataAddress(Endpoint endpoint, InetSocketAddress control) {
    InetSocketAddress a = PeerTable.address(endpoint);
    if (a == null || a.getPort() < 1 || a.getPort() > 65535) {
      return null;
    }
    return a.getAddress().isAnyLocalAddress() ? new InetSocketAddress(control.getAddress(), a.getPort()) : a;
  }

  /** Adds a track about to be played to the cache, held there while it plays. */
  private ChunkCache.@Nullable Lease keepInCache(Manifest manifest) {
    ChunkCache c = cache;
    if (c == null) {
      return null;
    }
    try {
      c.put(manifest);
      c.markPlayed(manifest.trackId());
      return c.lease(manifest.trackId());
    } catch (IOException e) {
      log.warn("cannot cache {}: {}", manifest.trackId(), e.getMessage());
      return null;
    }
  }

  /** Writes played chunks to the cache on the cache thread: a peer that played a track serves it. */
  private RealStreamSession.ChunkSink cacheSink(Manifest manifest) {
    ChunkCache c = cache;
    ScheduledExecutorService writer = timer;
    if (c == null || writer == null) {
      return RealStreamSession.ChunkSink.NONE;
    }
    return (index, bytes, length) -> writer.execute(() -> {
      try {
        c.writeChunk(manifest.trackId(), index, bytes, 0, length);
      } catch (IOException | IllegalStateException e) {
        log.warn("cannot cache chunk {} of {}: {}", index, manifest.trackId(), e.getMessage());
      }
    });
  }

  private static long bitrate(Manifest manifest) {
    TrackMetadata m = manifest.metadata();
    if (m.getBitrateKbps() > 0) {
      return m.getBitrateKbps() * 1000L / 8;
    }
    if (m.getDurationMs() > 0) {
      return Math.max(1, manifest.size() * 1000 / m.getDurationMs());
    }
    return DEFAULT_BITRATE_BYTES;
  }

  /** The IDs of the peers in this peer's sampling view. */
  List<PeerId> neighbourIds() {
    List<PeerId> out = new ArrayList<>();
    for (NodeRecord n : sampler().neighbours()) {
      out.add(n.id());
    }
    return out;
  }

  /** The IDs of this peer's FULL links (LIGHT peers), preferred first. */
  List<PeerId> linkIds() {
    List<PeerId> out = new ArrayList<>();
    for (NodeRecord n : links.current()) {
      out.add(n.id());
    }
    return out;
  }

  /** Turns keyword-summary routing off (random walks alone) or on. */
  void useSummaries(boolean use) {
    router().useSummaries(use);
  }

  @Override
  public String toString() {
    return "Peer{" + (identity == null ? "not started" : identity.peerId()) + ", " + listening + "}";
  }
}
