package io.loudp2p;

import io.loudp2p.spi.PeerFactory;
import io.loudp2p.spi.TransportSettings;
import java.io.IOException;
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
   * Binds the listen addresses, scans the shared folders and greets the bootstrap peers (waiting
   * at most a few seconds for them; an unreachable one is logged and skipped).
   *
   * @return this peer
   * @throws IOException when an address cannot be bound or a file cannot be used
   */
  Peer start() throws IOException;

  /** This peer's ID. */
  PeerId id();

  /** Where this peer accepts control connections (known once started). */
  List<InetSocketAddress> listenAddresses();

  /** The local catalog of shared tracks. */
  Catalog catalog();

  /**
   * Searches the local catalog and the peers this peer knows.
   *
   * @param onHit called with each hit as it arrives (merged by track), on a peer thread
   * @return completes at the deadline with every hit, best first
   */
  CompletableFuture<List<SearchHit>> search(String query, Duration deadline, Consumer<SearchHit> onHit);

  /**
   * Starts playing a track from every peer known to hold it (found by a search; when no search
   * named it, the full peers this peer knows are asked for its manifest): fetches and checks its
   * manifest, then opens a session with each source.
   *
   * @return the session, or exceptionally when no known peer can serve the track
   */
  default CompletableFuture<StreamSession> stream(TrackId track) {
    return stream(track, StreamSession.Listener.NONE);
  }

  /**
   * Like {@link #stream(TrackId)}, with {@code listener} hearing the session's events from the
   * start (buffering, sources added, dropped or falling back to another transport, stalls).
   */
  CompletableFuture<StreamSession> stream(TrackId track, StreamSession.Listener listener);

  /** The peers this peer knows, with their records. */
  List<PeerInfo> peers();

  /**
   * How this peer cooperates now. It starts as configured and may change while the peer runs: a
   * LIGHT peer that stays up, is reachable and has spare capacity is promoted to FULL; an
   * overloaded FULL peer demotes itself to LIGHT. Neighbours hear of a change by a new signed record.
   */
  Role role();

  /** Stops the peer and releases everything it holds; idempotent. */
  @Override
  void close();

  /**
   * The settings of a peer, as built; immutable.
   *
   * @param transportSettings the typed settings of transport modules, at most one per provider
   *     name, in the order given
   */
  record Config(
      @Nullable Path identityFile,
      List<InetSocketAddress> listen,
      List<InetSocketAddress> bootstrap,
      List<Path> shares,
      @Nullable Path cacheDirectory,
      long cacheBytes,
      Role role,
      Duration callDeadline,
      List<TransportSettings> transportSettings) {
    /** Copies the lists. */
    public Config {
      listen = List.copyOf(listen);
      bootstrap = List.copyOf(bootstrap);
      shares = List.copyOf(shares);
      Objects.requireNonNull(role, "role");
      Objects.requireNonNull(callDeadline, "callDeadline");
      transportSettings = List.copyOf(transportSettings);
    }
  }

  /** Configures a {@link Peer}. Not thread-safe. */
  final class Builder {
    /** The artifact that provides the implementation. */
    public static final String IMPLEMENTATION_ARTIFACT = "io.loudp2p:loudp2p-core";

    private @Nullable Path identityFile;
    private final List<InetSocketAddress> listen = new ArrayList<>();
    private final List<InetSocketAddress> bootstrap = new ArrayList<>();
    private final List<Path> shares = new ArrayList<>();
    private @Nullable Path cacheDirectory;
    private long cacheBytes = 1L << 30;
    private Role role = Role.FULL;
    private Duration callDeadline = Duration.ofSeconds(5);
    private final Map<String, TransportSettings> transportSettings = new LinkedHashMap<>();

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

    /** Greets this peer on start to join the network. */
    public Builder bootstrap(InetSocketAddress address) {
      bootstrap.add(Objects.requireNonNull(address, "address"));
      return this;
    }

    /** Shares the audio files in this folder (scanned recursively). */
    public Builder share(Path folder) {
      shares.add(Objects.requireNonNull(folder, "folder"));
      return this;
    }

    /** Keeps played chunks in {@code directory}, at most {@code maxBytes}, and serves them. */
    public Builder cache(Path directory, long maxBytes) {
      if (maxBytes < 1 << 20) {
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
     * {@link Peer#start()} fail with an error naming {@link TransportSettings#artifact()}.
     */
    public Builder transport(TransportSettings settings) {
      Objects.requireNonNull(settings, "settings");
      transportSettings.put(Objects.requireNonNull(settings.providerName(), "providerName()"),
          settings);
      return this;
    }

    /** The settings as they stand. */
    public Config config() {
      List<InetSocketAddress> addresses = listen.isEmpty()
          ? List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)) : listen;
      return new Config(identityFile, addresses, bootstrap, shares, cacheDirectory, cacheBytes,
          role, callDeadline, List.copyOf(transportSettings.values()));
    }

    /**
     * Makes the peer (not yet started) with the implementation found by {@link ServiceLoader}.
     *
     * @throws IllegalStateException when no implementation is on the class path; the message names
     *     the artifact to add
     */
    public Peer build() {
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
        return factory.create(config());
      }
      throw new IllegalStateException(
          "no loudp2p implementation found: add " + IMPLEMENTATION_ARTIFACT + " to the class path");
    }
  }
}
