package io.loudp2p.core.peer;

import io.loudp2p.Catalog;
import io.loudp2p.Loudp2pException;
import io.loudp2p.NetworkStatus;
import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.PeerInfo;
import io.loudp2p.PeerMetrics;
import io.loudp2p.Role;
import io.loudp2p.SearchHit;
import io.loudp2p.StreamSession;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.LocalCatalog;
import io.loudp2p.core.catalog.LocalContent;
import io.loudp2p.core.content.ChunkCache;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.RotatingCredentials;
import io.loudp2p.core.internal.ApiErrors;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.network.PeerSampler;
import io.loudp2p.core.network.QueryRouter;
import io.loudp2p.core.network.RolePolicy;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.TransportRegistry;
import io.loudp2p.spi.TransportServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The core's {@link Peer}: a facade that starts the peer's parts, wires them to one another and
 * closes them. Each part owns its own state (see the package's {@code CONCURRENCY.md}); this
 * class owns only the lifecycle.
 *
 * <p>Every control message in and out is a signed envelope; nothing in a request is used before
 * the {@link EnvelopeOpener} accepted it. Thread-safe.
 */
final class RealPeer implements Peer {
  private static final Logger log = LoggerFactory.getLogger(Loggers.PEER);
  private static final Logger cacheLog = LoggerFactory.getLogger(Loggers.CACHE);

  private final Peer.Config config;
  private final TransportRegistry registry;
  private final PeerRuntime runtime;
  private final RolePolicy rolePolicy;
  private final EnvelopeOpener opener;
  private final RoleState roles;
  private final Identity identity;
  private volatile boolean started;
  private volatile boolean closed;
  private final CountDownLatch closeDone = new CountDownLatch(1);
  /** Set once every part exists and the overlay runs: requests before are refused. */
  private volatile @Nullable Parts parts;
  // What start() made so far, closed by close() even when start() failed half way.
  private @Nullable PeerContext ctx;
  private @Nullable PeerEvents events;
  private @Nullable PeerTransports transports;
  private @Nullable LocalCatalog catalog;
  private @Nullable ChunkCache cache;
  private @Nullable ExecutorService disk;
  /** Reads this peer's own copies of the tracks it plays. */
  private @Nullable ExecutorService localReads;
  private volatile @Nullable StreamServer streamServer;
  /** What the peer listens with; refuses every request once the peer is closed. */
  private final PeerControlHandler handler = new PeerControlHandler();
  private @Nullable StreamOpener opening;

  RealPeer(Peer.Config config, TransportRegistry registry, PeerRuntime runtime,
      RolePolicy rolePolicy) {
    this.config = config;
    this.registry = registry;
    // Settings for a transport that is not here are a mistake to report now, not at start.
    PeerTransports.checkSettings(registry, config.transportSettings());
    this.runtime = runtime;
    this.rolePolicy = rolePolicy;
    this.opener = EnvelopeOpener.builder().clock(runtime.clock()).cache(runtime.verified()).build();
    this.roles = new RoleState(config.role());
    this.identity = PeerSetup.identity(config, runtime);
  }

  /** The parts a started peer answers and asks with. */
  private record Parts(PeerContext ctx, SelfRecord self, PeerStore store, LocalCatalog catalog,
      RoleManager roleManager, SearchClient search, StreamOpener opener,
      InboundDispatcher inbound, NetworkWatch network, CatalogListing listing) {}

  @Override
  public synchronized Peer start() {
    if (started) {
      throw new IllegalStateException("peer already started");
    }
    if (closed) {
      throw new IllegalStateException("peer closed");
    }
    started = true;
    try {
      return startParts();
    } catch (IOException | RuntimeException e) {
      close();
      throw ApiErrors.of(e);
    }
  }

  private Peer startParts() throws IOException {
    PeerSetup.checkShares(config.shares());
    Identity id = identity;
    PeerEvents ev = PeerEvents.of(this, id.peerId(), config.listener(), runtime.nanoTime());
    events = ev;
    PeerContext c = new PeerContext(config, runtime, id, opener,
        runtime.timers().apply("loudp2p-peer-" + id.peerId().toString().substring(0, 8)), ev);
    ctx = c;
    roles.started(c.nowMs());
    // First: a TLS transport gets its TLS stack ready in the background while the catalog loads.
    PeerTransports t = PeerTransports.create(registry, config.transportSettings(),
        config.plaintext() ? null : new RotatingCredentials(id));
    transports = t;
    // The bootstrap peers' connections (TCP, TLS, HTTP/2 settings: three round trips) are made
    // while this peer sets itself up; the first exchange, which needs it listening, then finds
    // them ready.
    for (InetSocketAddress b : config.bootstrap()) {
      t.control.connect(b, config.bootstrapIds().get(b));
    }
    // The shared folders are hashed in the background (on the starting thread in a simulation,
    // so that its runs stay reproducible); searches answer from what is indexed so far.
    LocalCatalog.Builder cb = LocalCatalog.builder().folders(config.shares());
    Executor scans = runtime.scans();
    if (scans != null) {
      cb.executor(scans);
    }
    if (config.cacheDirectory() != null) {
      cb.storeFile(config.cacheDirectory().resolve("catalog.bin"));
      cache = ChunkCache.open(config.cacheDirectory().resolve("chunks"), config.cacheBytes());
      disk = Executors.newSingleThreadExecutor(r -> {
        Thread thread = new Thread(r, "loudp2p-disk-" + id.peerId().toString().substring(0, 8));
        thread.setDaemon(true);
        return thread;
      });
    }
    LocalCatalog cat = cb.build();
    catalog = cat;
    LocalContent content = new LocalContent(cat, cache);
    SelfRecord self = new SelfRecord(c);
    for (InetSocketAddress address : config.listen()) {
      TransportServer listening = t.listen(address, handler);
      self.listeningAt(listening.address());
      if (listening.webAddress() != null) {
        self.webAt(listening.webAddress());
      }
    }
    HolePunching punching = new HolePunching();
    StreamServer server = new StreamServer(c, content, t, punching);
    streamServer = server;
    handler.serving(server);
    t.serve(self.listening().get(0).getAddress(), server::provider);
    PeerTransports.Data udp = t.serving(io.loudp2p.core.proto.v1.TransportKind.TRANSPORT_KIND_UDP_VALUE);
    if (udp != null) {
      self.udpAt(udp.server().address());
    }
    self.resign(roles.role());

    ControlClient client = new ControlClient(c, t.control);
    // The order of these draws from the peer's randomness is part of what makes a simulation
    // reproducible: the view's, then the router's.
    PeerStore store = new PeerStore(c, new PeerTable(id.peerId(), c.clock::millis, ev),
        new PeerSampler(id.peerId(), PeerSampler.DEFAULT_VIEW_SIZE, new Random(c.random.nextLong())),
        new QueryRouter<>(id.peerId(), new Random(c.random.nextLong())));
    store.addListener((gone, address) -> client.disconnect(address));
    client.recordsFrom(peer -> store.table().get(peer).map(PeerTable.Entry::record));
    Summaries summaries = new Summaries(cat, cache, roles);
    Exchanges exchanges = new Exchanges(c, client, store, self, summaries);
    LinkKeeper links = new LinkKeeper(c, store, exchanges);
    Greeter greeter = new Greeter(c, client, store, self, roles, exchanges, links);
    Shuffles shuffles = new Shuffles(c, client, store, self, roles, summaries, greeter, links);
    Reachability reachability = new Reachability(c, client, store, self, roles, exchanges, links);
    RoleManager roleManager = new RoleManager(c, client, store, self, roles, rolePolicy,
        summaries, reachability, links,
        () -> Math.max(runtime.gauge().load(), server.load()));
    QueryForwarder forwarder = new QueryForwarder(c, client, store, self, roles, cat, cache);
    Holders holders = new Holders();
    // The user's hit listener runs on the thread that merged the hit, outside every lock.
    SearchClient search = new SearchClient(c, store, roles, cat, forwarder, links, holders, client,
        Runnable::run);
    // Chunks are written on the disk thread; without a cache nothing is written.
    ExecutorService reads = Executors.newSingleThreadExecutor(r -> {
      Thread thread = new Thread(r, "loudp2p-local-" + id.peerId().toString().substring(0, 8));
      thread.setDaemon(true);
      return thread;
    });
    localReads = reads;
    StreamOpener streams = new StreamOpener(c, client, store, holders, t, content, cache,
        disk != null ? disk : Runnable::run, reads, punching);
    opening = streams;
    CatalogListing listing = new CatalogListing(c, cat, client, store);
    InboundDispatcher inbound = new InboundDispatcher(c, roles)
        .on(Payload.BodyCase.PEER_EXCHANGE, (m, b, r, s, out) -> exchanges.answer(m, r, out))
        .on(Payload.BodyCase.SHUFFLE, (m, b, r, s, out) -> shuffles.answer(m, r, out))
        .on(Payload.BodyCase.ROLE_CHANGE, (m, b, r, s, out) -> roleManager.answer(m, r, out))
        .on(Payload.BodyCase.SEARCH_QUERY, (m, b, r, s, out) -> forwarder.answer(m, s, out))
        .on(Payload.BodyCase.MANIFEST_REQUEST,
            (m, b, r, s, out) -> server.answerManifest(m, out))
        .on(Payload.BodyCase.REACHABILITY_CHECK,
            (m, b, r, s, out) -> reachability.answer(m, r, out))
        .on(Payload.BodyCase.STREAM_OPEN,
            (m, b, r, s, out) -> server.answerStreamOpen(m, b, r, out))
        .on(Payload.BodyCase.LIST_TRACKS, (m, b, r, s, out) -> listing.answer(m, out));

    long half = SelfRecord.RECORD_LIFETIME.toMillis() / 2;
    c.every(greeter::refresh, half, half);
    summaries.summarize();
    CompletableFuture<?> indexed = cat.ready();
    if (!indexed.isDone()) {
      // Neighbours route queries by the summary: refresh it once the shares are indexed.
      indexed.whenComplete((r, e) -> c.schedule(() -> {
        if (summaries.stale()) {
          summaries.summarize();
        }
      }, 0));
    }
    UdpMapping udpMapping = new UdpMapping(c, store, self, t);
    punching.observedBy(udpMapping::last);
    udpMapping.onObserved(streams::mappingObserved);
    NetworkWatch network = new NetworkWatch(c, self, reachability, udpMapping);
    // Told first, and heard once parts are set: a listener may call this peer at once.
    ev.started();
    parts = new Parts(c, self, store, cat, roleManager, search, streams, inbound, network,
        listing);
    handler.answering(inbound);
    ev.start();
    cat.ready().thenAccept(ev::catalogReady);
    network.schedule();
    RelayKeeper.start(c, t, client, store, self, roles, network, greeter, this::dataServers);
    long mappingCheck = UdpMapping.CHECK.toMillis();
    c.every(udpMapping::observeIfDue, UdpMapping.FIRST_CHECK.toMillis(), mappingCheck);
    long shuffle = Shuffles.SHUFFLE_PERIOD.toMillis();
    c.every(shuffles::tick, shuffle + c.random.nextInt((int) shuffle / 2), shuffle);
    long rolePeriod = RoleManager.ROLE_PERIOD.toMillis();
    c.every(roleManager::reconsider, rolePeriod, rolePeriod);
    long reconnect = Greeter.RECONNECT_PERIOD.toMillis();
    c.every(greeter::reconnect, reconnect, reconnect);
    if (self.onWildcard()) { // only then can the announced addresses change
      long addressCheck = Greeter.ADDRESS_CHECK_PERIOD.toMillis();
      c.every(greeter::checkAddresses, addressCheck, addressCheck);
    }
    log.info("peer {} started: {} peer at {}", id(), roles.role(), listenAddresses());
    CompletableFuture<Boolean> greeted = greeter.bootstrap();
    greeted.whenComplete((answered, e) -> ev.bootstrapped(store.table().size()));
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
  }

  @Override
  public void close() {
    boolean first;
    synchronized (this) {
      first = !closed;
      closed = true;
    }
    if (!first) {
      awaitClosed();
      return;
    }
    try {
      closeParts();
    } finally {
      closeDone.countDown();
    }
  }

  /**
   * A second caller of {@link #close} (a shutdown hook beside the thread that started the peer)
   * returns once the first has closed everything: what the peer had fetched is on disk then.
   */
  private void awaitClosed() {
    boolean interrupted = false;
    while (true) {
      try {
        closeDone.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void closeParts() {
    handler.stop();
    if (events != null) {
      events.shutdown(); // what the closing ends is not told
    }
    if (ctx != null) {
      ctx.markClosed();
    }
    if (opening != null) {
      opening.close();
    }
    if (ctx != null) {
      ctx.timer.shutdownNow();
    }
    if (transports != null) {
      transports.close();
    }
    if (streamServer != null) {
      streamServer.close();
    }
    if (catalog != null) {
      catalog.close();
    }
    if (localReads != null) {
      localReads.shutdown();
    }
    if (disk != null) {
      disk.shutdown();
      try {
        if (!disk.awaitTermination(5, TimeUnit.SECONDS)) {
          cacheLog.warn("chunks still being cached after 5 s; closing the cache");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (cache != null) {
      cache.close();
    }
    if (events != null) {
      events.close();
    }
    if (parts != null) {
      log.info("peer {} stopped", id());
    }
  }

  private Parts parts() {
    Parts p = parts;
    if (p == null) {
      throw new IllegalStateException("peer not started");
    }
    return p;
  }

  @Override
  public PeerId id() {
    return identity.peerId();
  }

  @Override
  public List<InetSocketAddress> listenAddresses() {
    Parts p = parts;
    return p == null ? List.of() : p.self().listening();
  }

  @Override
  public Catalog catalog() {
    return parts().catalog();
  }

  @Override
  public List<PeerInfo> peers() {
    return parts().store().peers();
  }

  @Override
  public Role role() {
    return roles.role();
  }

  @Override
  public CompletableFuture<List<SearchHit>> search(String query, Duration deadline,
      Consumer<SearchHit> onHit) {
    return search(query, deadline, onHit, QueryRouter.DEFAULT_WALKERS);
  }

  /** A search that starts {@code walkers} random walks, or floods the network with 0. */
  CompletableFuture<List<SearchHit>> search(String query, Duration deadline,
      Consumer<SearchHit> onHit, int walkers) {
    Parts p = parts();
    if (closed) {
      return closedFuture();
    }
    return ApiErrors.mapped(p.search().search(query, deadline, onHit, walkers), () -> closed,
        hits -> { });
  }

  @Override
  public CompletableFuture<StreamSession> stream(TrackId track, StreamSession.Listener listener) {
    Parts p = parts();
    if (closed) {
      return closedFuture();
    }
    // A session that opens after its caller gave up waiting is closed, not leaked.
    return ApiErrors.mapped(p.opener().stream(track, listener), () -> closed,
        StreamSession::close);
  }

  @Override
  public CompletableFuture<List<Track>> tracksOf(PeerId peer) {
    Parts p = parts();
    if (closed) {
      return closedFuture();
    }
    return ApiErrors.mapped(p.listing().tracksOf(peer), () -> closed);
  }

  private static <T> CompletableFuture<T> closedFuture() {
    return CompletableFuture.failedFuture(
        new Loudp2pException(Loudp2pException.Code.CLOSED, "peer closed"));
  }

  /** Takes the role {@code next} now, as if the role policy had chosen it. */
  void changeRole(Role next) {
    parts().roleManager().change(next);
  }

  /** The IDs of the peers in this peer's sampling view. */
  List<PeerId> neighbourIds() {
    return PeerStore.ids(parts().store().view().neighbours());
  }

  /** The IDs of this peer's FULL links (LIGHT peers), preferred first. */
  List<PeerId> linkIds() {
    return PeerStore.ids(parts().store().links().current());
  }

  /** The address other peers agree this peer's calls come from, if they do. */
  Optional<InetAddress> observedAddress() {
    return parts().network().publicAddress();
  }

  @Override
  public NetworkStatus network() {
    return parts().network().status();
  }

  @Override
  public PeerMetrics metrics() {
    Parts p = parts();
    return PeerCounts.snapshot(p.ctx(), p.store(), p.opener(), transports, streamServer);
  }

  /** Where the data transports serve, by name. */
  Map<String, InetSocketAddress> dataServers() {
    Map<String, InetSocketAddress> out = new TreeMap<>();
    PeerTransports t = transports;
    if (t != null) {
      for (PeerTransports.Data d : t.data) {
        DataServer server = d.server();
        if (server != null) {
          out.put(d.name, server.address());
        }
      }
    }
    return out;
  }

  /** Turns keyword-summary routing off (random walks alone) or on. */
  void useSummaries(boolean use) {
    parts().store().router().useSummaries(use);
  }

  @Override
  public String toString() {
    Parts p = parts;
    return "Peer{" + identity.peerId() + ", "
        + (p == null ? "not started" : p.self().listening()) + "}";
  }
}
