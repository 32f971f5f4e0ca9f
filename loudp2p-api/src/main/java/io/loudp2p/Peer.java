package io.loudp2p;

import io.loudp2p.spi.PeerFactory;
import io.loudp2p.spi.TransportSettings;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A running loudp2p node: client and server at once. It shares its catalog, answers other peers,
 * searches the network and plays tracks from several peers at once.
 *
 * <pre>{@code
 * try (Peer peer = Peer.builder()
 *     .identityFile(Path.of("identity"))
 *     .bootstrap(new InetSocketAddress("192.0.2.7", 7070))
 *     .share(Path.of("Music"))
 *     .build()
 *     .start()) {
 *   List<SearchHit> hits = peer.search("sigur ros", Duration.ofSeconds(2), hit -> {}).join();
 *   try (StreamSession s = peer.stream(hits.get(0).track().id()).join()) {
 *     s.inputStream().transferTo(player);
 *   }
 * }
 * }</pre>
 *
 * <p>Thread-safe. Lifecycle: built, {@link #start()}ed once, {@link #close()}d once (further
 * closes do nothing); close stops everything the peer started and releases its ports and files.
 */
public interface Peer extends AutoCloseable {
  /** A builder with the defaults: a new identity, loopback on a free port, FULL, no shares. */
  static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the listen addresses, starts scanning the shared folders in the background (see {@link
   * Catalog#ready()}) and greets the bootstrap peers (waiting at most a few seconds for them; an
   * unreachable one is logged and skipped). Only quick checks of the shared folders run on the
   * caller's thread; hashing their files does not.
   *
   * @return this peer
   * @throws Loudp2pException {@link Loudp2pException.Code#INVALID} when a shared folder does not
   *     exist, is not a folder or cannot be read; {@link Loudp2pException.Code#IO} when a listen
   *     address cannot be bound (the cause is a {@link java.net.BindException}) or the cache
   *     folder cannot be used
   * @throws IllegalStateException when the peer was started or closed before
   */
  Peer start();

  /**
   * This peer's ID, known from the moment the peer is built: the identity file is loaded (or
   * created) by {@link Builder#build()}.
   */
  PeerId id();

  /** Where this peer accepts control connections (known once started). */
  List<InetSocketAddress> listenAddresses();

  /** The local catalog of shared tracks; it fills in the background once the peer started. */
  Catalog catalog();

  /**
   * Searches the local catalog and the peers this peer knows.
   *
   * @param onHit called with each hit as it arrives (merged by track), on a peer thread
   * @return completes at the deadline with every hit, best first (what arrived so far when the
   *     peer closes first); fails only with a {@link Loudp2pException}
   * @throws IllegalArgumentException when the query is too long or has too many words
   * @throws IllegalStateException when the peer is not started
   */
  CompletableFuture<List<SearchHit>> search(String query, Duration deadline, Consumer<SearchHit> onHit);

  /**
   * Starts playing a track from every peer known to hold it (found by a search; when no search
   * named it, the full peers this peer knows are asked for its manifest): fetches and checks its
   * manifest, then opens a session with each source.
   *
   * @return the session; or exceptionally with a {@link Loudp2pException}: {@link
   *     Loudp2pException.Code#NOT_FOUND} when no known peer holds the track, {@link
   *     Loudp2pException.Code#UNREACHABLE}, {@link Loudp2pException.Code#TIMEOUT}, {@link
   *     Loudp2pException.Code#BUSY} or {@link Loudp2pException.Code#REFUSED} when the peers that
   *     hold it failed so, {@link Loudp2pException.Code#CLOSED} when this peer is closed
   * @throws IllegalStateException when the peer is not started
   */
  default CompletableFuture<StreamSession> stream(TrackId track) {
    return stream(track, StreamSession.Listener.NONE);
  }

  /**
   * Like {@link #stream(TrackId)}, with {@code listener} hearing the session's events from the
   * start (buffering, sources added, dropped or falling back to another transport, stalls).
   */
  CompletableFuture<StreamSession> stream(TrackId track, StreamSession.Listener listener);

  /**
   * Every track {@code peer} shares in its folders, asked of that peer page by page (PROTOCOL.md
   * section 5, {@code ListTracks}): to browse what one peer offers, which a search cannot. At most
   * 10,000 tracks are gathered; a peer's cache is not listed (a search finds what it caches).
   *
   * @param peer a peer in {@link #peers()} with an address: a bootstrap peer, or one a search or
   *     the peer exchange made known
   * @return the tracks in the order of their IDs (the sources of each are {@code peer}); or
   *     exceptionally with a {@link Loudp2pException}: {@link Loudp2pException.Code#NOT_FOUND}
   *     when {@code peer} is not known here with an address, {@link
   *     Loudp2pException.Code#UNREACHABLE}, {@link Loudp2pException.Code#TIMEOUT} or {@link
   *     Loudp2pException.Code#BUSY} as its calls failed, {@link Loudp2pException.Code#CLOSED}
   *     when this peer is closed
   * @throws IllegalStateException when the peer is not started
   */
  CompletableFuture<List<Track>> tracksOf(PeerId peer);

  /** The peers this peer knows, with their records. */
  List<PeerInfo> peers();

  /**
   * How this peer cooperates now. It starts as configured and may change while the peer runs: a
   * LIGHT peer that stays up, is reachable and has spare capacity is promoted to FULL; an
   * overloaded FULL peer demotes itself to LIGHT. Neighbours hear of a change by a new signed record.
   */
  Role role();

  /**
   * What this peer knows of its own place in the network now: its public address as others see
   * it, whether others can call it, and how a NAT maps its UDP sockets. The UDP mapping is
   * observed once the peer knows two FULL peers on different addresses that serve UDP, and again
   * every 10 minutes and whenever its public address changes.
   */
  NetworkStatus network();

  /**
   * What this peer has done since it started: peers known, sessions served and played, bytes
   * sent and received by transport, searches answered and forwarded, messages refused and
   * datagrams dropped by reason. A snapshot; cheap enough to take every second.
   */
  PeerMetrics metrics();

  /**
   * Stops the peer and releases everything it holds; idempotent. The events of its {@link
   * Listener} that happened before are delivered by the time it returns (see there).
   */
  @Override
  void close();

  /**
   * Hears what happens to a peer, so that an application can follow it without polling: started,
   * catalog ready, bootstrap over, peers joining and leaving, role changes, sessions served, and
   * changes of its place in the network. Given with {@link Builder#listener}. Override what you
   * need; {@link #NONE} hears nothing. Events may be added as methods that do nothing, so a
   * listener written today keeps compiling.
   *
   * <p>Delivery: a peer delivers its events on one thread of its own, named {@code
   * loudp2p-events-} and the first characters of its ID, one at a time, in the order they
   * happened, and never while the peer holds a lock, so a callback may call the peer ({@link
   * Peer#peers()}, {@link Peer#network()}, even {@link Peer#close()}). {@link #onStarted} is the
   * first event. A callback that throws is logged (a WARN per throw) and delivery goes on.
   *
   * <p>Callbacks should return quickly. Events wait for a slow listener in a bounded queue (4,096
   * events in loudp2p-core); past that, new events are dropped, counted and logged (a WARN now and
   * then, with the count), so a slow listener cannot make the peer's memory grow.
   *
   * <p>Close: the events that happened before {@link Peer#close()} was called are delivered
   * before it returns, and none after; the events of the closing itself (sessions that end
   * because the peer closes) are not delivered. {@code close()} waits at most 5 seconds for a
   * listener that is still busy: it then drops the events not begun (with a WARN), and only the
   * callback already running may return after {@code close()} does. Called from a callback,
   * {@code close()} cannot wait for itself: the events before it follow once that callback
   * returns.
   */
  abstract class Listener {
    /** A listener that ignores every event; the default. */
    public static final Listener NONE = new Listener() {
      @Override
      public String toString() {
        return "Listener.NONE";
      }
    };

    /**
     * The peer listens and answers other peers: {@link Peer#listenAddresses()} are known. {@link
     * Peer#start()} may still be greeting the bootstrap peers.
     */
    public void onStarted(Peer peer) {}

    /**
     * The first scan of the shared folders is over and {@link Peer#catalog()} holds them: what
     * {@link Catalog#ready()} completes with. Not told when the peer closes first; later changes
     * are told to a {@link Catalog.Listener}.
     */
    public void onCatalogReady(Peer peer, ScanReport report) {}

    /**
     * The first greeting of the bootstrap peers is over, whatever its outcome (at once when there
     * are none). When none answered, the peer goes on trying in the background and tells {@link
     * #onPeerJoined} when one does.
     *
     * @param peersKnown how many peers {@link Peer#peers()} lists now; 0 when none answered
     */
    public void onBootstrapped(Peer peer, int peersKnown) {}

    /**
     * A peer joined this one's {@link Peer#peers()}: newly learnt of (from itself or from another
     * peer), or answering again after it {@link #onPeerLeft left}. Joined and left alternate for
     * each peer.
     */
    public void onPeerJoined(Peer peer, PeerInfo joined) {}

    /**
     * A peer left: it stopped answering this peer (a peer that closed, say: {@link Peer#peers()}
     * still lists it as not {@link PeerInfo#reachable()} until its record expires), or its record
     * expired or made room for another's.
     */
    public void onPeerLeft(Peer peer, PeerId left) {}

    /** {@link Peer#role()} changed, as the peer's role policy decided. */
    public void onRoleChanged(Peer peer, Role from, Role to) {}

    /**
     * This peer began serving {@code track} to {@code receiver}: it accepted the receiver's data
     * stream and sends it the chunks it asks for (one of {@link PeerMetrics#sessionsServed()}).
     */
    public void onSessionServed(Peer peer, PeerId receiver, TrackId track) {}

    /** A session told by {@link #onSessionServed} ended: the receiver closed it or went away. */
    public void onSessionEnded(Peer peer, PeerId receiver, TrackId track) {}

    /**
     * {@link Peer#network()} changed in what it says of this peer's place: its public address was
     * learnt or changed, whether others can dial it changed, or its UDP mapping was classified
     * differently. Noticed within a second or so of the change.
     */
    public void onNetworkChanged(Peer peer, NetworkStatus status) {}
  }

  /**
   * The settings of a peer, as built: made only by {@link Builder#config()}, so every one has
   * passed the builder's checks (at least one listen address, no null element, a positive
   * deadline, a cache bound of at least 1 MiB). Immutable and thread-safe.
   */
  final class Config {
    private final @Nullable Path identityFile;
    private final List<InetSocketAddress> listen;
    private final List<InetSocketAddress> bootstrap;
    private final Map<InetSocketAddress, PeerId> bootstrapIds;
    private final List<Path> shares;
    private final @Nullable Path cacheDirectory;
    private final long cacheBytes;
    private final Role role;
    private final Duration callDeadline;
    private final boolean plaintext;
    private final List<TransportSettings> transportSettings;
    private final Listener listener;

    private Config(Builder b) {
      this.identityFile = b.identityFile;
      this.listen = checked("listen address", b.listen.isEmpty()
          ? List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)) : b.listen);
      for (InetSocketAddress a : listen) {
        if (a.isUnresolved()) {
          throw new IllegalArgumentException("listen address is not resolved: " + a);
        }
      }
      this.bootstrap = checked("bootstrap address", b.bootstrap);
      this.bootstrapIds = Map.copyOf(b.bootstrapIds);
      this.shares = checked("shared folder", b.shares);
      this.cacheDirectory = b.cacheDirectory;
      this.cacheBytes = b.cacheBytes;
      if (cacheBytes < Builder.MIN_CACHE_BYTES) {
        throw new IllegalArgumentException("cache bound below 1 MiB: " + cacheBytes);
      }
      this.role = Objects.requireNonNull(b.role, "role");
      this.callDeadline = Objects.requireNonNull(b.callDeadline, "callDeadline");
      if (callDeadline.isNegative() || callDeadline.isZero()) {
        throw new IllegalArgumentException("deadline must be positive: " + callDeadline);
      }
      this.plaintext = b.plaintext;
      this.transportSettings = List.copyOf(b.transportSettings.values());
      this.listener = b.listener;
    }

    private static <T> List<T> checked(String what, List<T> list) {
      for (T t : list) {
        if (t == null) {
          throw new IllegalArgumentException(what + " is null in " + list);
        }
      }
      return List.copyOf(list);
    }

    /** Where the identity is kept; null for a new identity each run. */
    public @Nullable Path identityFile() {
      return identityFile;
    }

    /** Where the peer listens for control connections; never empty. */
    public List<InetSocketAddress> listen() {
      return listen;
    }

    /** The peers greeted on start. */
    public List<InetSocketAddress> bootstrap() {
      return bootstrap;
    }

    /**
     * The IDs of the bootstrap peers given with one ({@link Builder#bootstrap(PeerId,
     * InetSocketAddress)}), by address: only that peer is accepted there. The others accept any
     * peer on first contact.
     */
    public Map<InetSocketAddress, PeerId> bootstrapIds() {
      return bootstrapIds;
    }

    /** The shared folders. */
    public List<Path> shares() {
      return shares;
    }

    /** Where played chunks are kept; null for no cache. */
    public @Nullable Path cacheDirectory() {
      return cacheDirectory;
    }

    /** The most bytes the cache holds. */
    public long cacheBytes() {
      return cacheBytes;
    }

    /** How the peer cooperates at first. */
    public Role role() {
      return role;
    }

    /** The deadline of each call to another peer. */
    public Duration callDeadline() {
      return callDeadline;
    }

    /**
     * Whether connections between peers are plaintext rather than TLS 1.3 bound to peer IDs: only
     * for tests that say so.
     */
    public boolean plaintext() {
      return plaintext;
    }

    /**
     * The typed settings of transport modules, at most one per provider name, in the order given.
     */
    public List<TransportSettings> transportSettings() {
      return transportSettings;
    }

    /** Who hears the peer's events; {@link Listener#NONE} when nobody does. */
    public Listener listener() {
      return listener;
    }

    /** A builder holding these settings, to change some of them. */
    public Builder toBuilder() {
      Builder b = new Builder();
      b.identityFile = identityFile;
      b.listen.addAll(listen);
      b.bootstrap.addAll(bootstrap);
      b.bootstrapIds.putAll(bootstrapIds);
      b.shares.addAll(shares);
      b.cacheDirectory = cacheDirectory;
      b.cacheBytes = cacheBytes;
      b.role = role;
      b.callDeadline = callDeadline;
      b.plaintext = plaintext;
      for (TransportSettings t : transportSettings) {
        b.transportSettings.put(t.providerName(), t);
      }
      b.listener = listener;
      return b;
    }

    /**
     * These settings with {@code addresses} as the listen addresses instead.
     *
     * @throws IllegalArgumentException when {@code addresses} is empty or holds null
     */
    public Config withListen(List<InetSocketAddress> addresses) {
      if (addresses.isEmpty()) {
        throw new IllegalArgumentException("a peer needs at least one listen address");
      }
      Builder b = toBuilder();
      b.listen.clear();
      b.listen.addAll(addresses);
      return new Config(b);
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Config c && Objects.equals(identityFile, c.identityFile)
          && listen.equals(c.listen) && bootstrap.equals(c.bootstrap)
          && bootstrapIds.equals(c.bootstrapIds) && shares.equals(c.shares)
          && Objects.equals(cacheDirectory, c.cacheDirectory) && cacheBytes == c.cacheBytes
          && role == c.role && callDeadline.equals(c.callDeadline) && plaintext == c.plaintext
          && transportSettings.equals(c.transportSettings) && listener.equals(c.listener);
    }

    @Override
    public int hashCode() {
      return Objects.hash(identityFile, listen, bootstrap, bootstrapIds, shares, cacheDirectory,
          cacheBytes, role, callDeadline, plaintext, transportSettings, listener);
    }

    @Override
    public String toString() {
      return "Config[identityFile=" + identityFile + ", listen=" + listen + ", bootstrap="
          + bootstrap + ", bootstrapIds=" + bootstrapIds + ", shares=" + shares + ", cacheDirectory=" + cacheDirectory
          + ", cacheBytes=" + cacheBytes + ", role=" + role + ", callDeadline=" + callDeadline
          + ", plaintext=" + plaintext + ", transportSettings=" + transportSettings
          + ", listener=" + listener + "]";
    }
  }

  /** Configures a {@link Peer}. Not thread-safe. */
  final class Builder {
    /** The artifact that provides the implementation. */
    public static final String IMPLEMENTATION_ARTIFACT = "io.loudp2p:loudp2p-core";
    private static final long MIN_CACHE_BYTES = 1 << 20;

    private @Nullable Path identityFile;
    private final List<InetSocketAddress> listen = new ArrayList<>();
    private final List<InetSocketAddress> bootstrap = new ArrayList<>();
    private final Map<InetSocketAddress, PeerId> bootstrapIds = new LinkedHashMap<>();
    private final List<Path> shares = new ArrayList<>();
    private @Nullable Path cacheDirectory;
    private long cacheBytes = 1L << 30;
    private Role role = Role.FULL;
    private Duration callDeadline = Duration.ofSeconds(5);
    private boolean plaintext = false;
    private final Map<String, TransportSettings> transportSettings = new LinkedHashMap<>();
    private Listener listener = Listener.NONE;

    Builder() {}

    /** Keeps the identity in {@code file}, creating it on first start (default: a new one each run). */
    public Builder identityFile(Path file) {
      this.identityFile = Objects.requireNonNull(file, "file");
      return this;
    }

    /** Listens for control connections here (port 0 picks a free one); default 127.0.0.1:0. */
    public Builder listen(InetSocketAddress address) {
      listen.add(Objects.requireNonNull(address, "address"));
      return this;
    }

    /**
     * Greets this peer on start to join the network; whichever valid peer answers there is taken
     * (the log says which).
     */
    public Builder bootstrap(InetSocketAddress address) {
      bootstrap.add(Objects.requireNonNull(address, "address"));
      return this;
    }

    /**
     * Greets the peer {@code id} at {@code address} on start to join the network (the {@code
     * PEERID@HOST:PORT} form of a bootstrap entry): another peer answering there is refused.
     */
    public Builder bootstrap(PeerId id, InetSocketAddress address) {
      bootstrap(address);
      bootstrapIds.put(address, Objects.requireNonNull(id, "id"));
      return this;
    }

    /** Shares the audio files in this folder (scanned recursively). */
    public Builder share(Path folder) {
      shares.add(Objects.requireNonNull(folder, "folder"));
      return this;
    }

    /** Keeps played chunks in {@code directory}, at most {@code maxBytes}, and serves them. */
    public Builder cache(Path directory, long maxBytes) {
      if (maxBytes < MIN_CACHE_BYTES) {
        throw new IllegalArgumentException("cache bound below 1 MiB: " + maxBytes);
      }
      this.cacheDirectory = Objects.requireNonNull(directory, "directory");
      this.cacheBytes = maxBytes;
      return this;
    }

    /** How this peer cooperates; default {@link Role#FULL}. */
    public Builder role(Role role) {
      this.role = Objects.requireNonNull(role, "role");
      return this;
    }

    /**
     * Whether this peer speaks plaintext to other peers rather than TLS 1.3 with certificates bound
     * to peer IDs (PROTOCOL.md section 9); default {@code false}: TLS. Plaintext is only for tests
     * that say so: anyone on the path reads a plaintext peer's searches and streams. A TLS peer
     * refuses a plaintext one, and the other way round.
     */
    public Builder plaintext(boolean plaintext) {
      this.plaintext = plaintext;
      return this;
    }

    /** The deadline of each call to another peer; default 5 seconds. */
    public Builder callDeadline(Duration deadline) {
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("deadline must be positive: " + deadline);
      }
      this.callDeadline = deadline;
      return this;
    }

    /**
     * Configures the transports of one module with its typed settings, for example {@code
     * UdpTransportOptions.builder().socketBufferBytes(4 << 20).build()}; every control and data
     * provider named {@link TransportSettings#providerName()} gets them. Settings for a provider
     * already given replace the earlier ones. A provider that is not on the class path makes
     * {@link #build()} fail with an error naming {@link TransportSettings#artifact()}.
     */
    public Builder transport(TransportSettings settings) {
      Objects.requireNonNull(settings, "settings");
      transportSettings.put(Objects.requireNonNull(settings.providerName(), "providerName()"),
          settings);
      return this;
    }

    /**
     * Tells this peer's events to {@code listener}, on a thread of the peer's own (see {@link
     * Listener}); default {@link Listener#NONE}, which costs nothing: no thread is started.
     */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * The settings as they stand (loopback on a free port when no listen address was given).
     *
     * @throws IllegalArgumentException when they are not usable (a listen address that is not
     *     resolved, say); the message says which
     */
    public Config config() {
      return new Config(this);
    }

    /**
     * Makes the peer (not yet started) with the implementation found by {@link ServiceLoader}, and
     * loads its identity from the identity file, creating the file when it does not exist.
     *
     * @throws IllegalArgumentException as {@link #config()} does
     * @throws IllegalStateException when no implementation is on the class path; the message names
     *     the artifact to add
     * @throws Loudp2pException {@link Loudp2pException.Code#INVALID} when the identity file is
     *     corrupt, not an identity file or readable by others (it is never replaced by a new
     *     identity); {@link Loudp2pException.Code#IO} when it cannot be read or created
     */
    public Peer build() {
      Config config = config();
      Iterator<PeerFactory> factories = ServiceLoader.load(PeerFactory.class).iterator();
      while (true) {
        PeerFactory factory;
        try {
          if (!factories.hasNext()) {
            break;
          }
          factory = factories.next();
        } catch (ServiceConfigurationError e) {
          continue;
        }
        return factory.create(config);
      }
      throw new IllegalStateException(
          "no loudp2p implementation found: add " + IMPLEMENTATION_ARTIFACT + " to the class path");
    }
  }
}
