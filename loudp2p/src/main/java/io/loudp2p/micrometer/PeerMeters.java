package io.loudp2p.micrometer;

import io.loudp2p.Peer;
import io.loudp2p.PeerMetrics;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Binds what a peer counts ({@link Peer#metrics()}) to a Micrometer {@link MeterRegistry}.
 *
 * <pre>{@code
 * Peer peer = Peer.builder().share(Path.of("Music")).build().start();
 * new PeerMeters(peer).bindTo(registry);
 * }</pre>
 *
 * <p>Every meter carries the tag {@code peer}, the peer's ID in its text form, so that several
 * peers in one app stay apart, and the tags given to the constructor. The counts are function
 * counters: cumulative since the peer started, never lower than a value they reported before.
 *
 * <table class="striped">
 * <caption>The meters, and their names as Prometheus shows them</caption>
 * <thead>
 * <tr><th>Meter</th><th>Type</th><th>Tags besides {@code peer}</th><th>Unit</th><th>Prometheus
 *     name</th><th>What it counts</th></tr>
 * </thead>
 * <tbody>
 * <tr><td>{@code loudp2p.peers.known}</td><td>gauge</td><td></td><td></td>
 *     <td>{@code loudp2p_peers_known}</td><td>peers in this peer's table now</td></tr>
 * <tr><td>{@code loudp2p.sessions.serving}</td><td>gauge</td><td></td><td></td>
 *     <td>{@code loudp2p_sessions_serving}</td><td>stream sessions this peer serves now</td></tr>
 * <tr><td>{@code loudp2p.sessions.served}</td><td>counter</td><td></td><td></td>
 *     <td>{@code loudp2p_sessions_served_total}</td><td>stream sessions this peer accepted to
 *     serve</td></tr>
 * <tr><td>{@code loudp2p.sessions.played}</td><td>counter</td><td></td><td></td>
 *     <td>{@code loudp2p_sessions_played_total}</td><td>stream sessions this peer started to
 *     play</td></tr>
 * <tr><td>{@code loudp2p.stream.sent}</td><td>counter</td><td>{@code transport}: {@code udp},
 *     {@code grpc}</td><td>bytes</td><td>{@code loudp2p_stream_sent_bytes_total}</td><td>chunk
 *     bytes this peer read for the sessions it serves, by the data transport that carried
 *     them</td></tr>
 * <tr><td>{@code loudp2p.stream.received}</td><td>counter</td><td>{@code transport}: {@code
 *     udp}, {@code grpc}, {@code local}</td><td>bytes</td><td>{@code
 *     loudp2p_stream_received_bytes_total}</td><td>verified chunk bytes this peer's sessions took
 *     in, by the transport of their source ({@code local}: its own disk copy)</td></tr>
 * <tr><td>{@code loudp2p.searches.answered}</td><td>counter</td><td></td><td></td>
 *     <td>{@code loudp2p_searches_answered_total}</td><td>searches of other peers this peer
 *     answered</td></tr>
 * <tr><td>{@code loudp2p.searches.forwarded}</td><td>counter</td><td></td><td></td>
 *     <td>{@code loudp2p_searches_forwarded_total}</td><td>searches of other peers this peer
 *     routed on to its neighbours</td></tr>
 * <tr><td>{@code loudp2p.envelopes.rejected}</td><td>counter</td><td>{@code reason}: such as
 *     {@code BAD_SIGNATURE}, {@code REPLAYED}</td><td></td><td>{@code
 *     loudp2p_envelopes_rejected_total}</td><td>signed messages refused, by the rule they broke
 *     (PROTOCOL.md section 2)</td></tr>
 * <tr><td>{@code loudp2p.datagrams.dropped}</td><td>counter</td><td>{@code transport}: {@code
 *     udp}; {@code reason}: such as {@code FAILED_TO_OPEN}</td><td></td><td>{@code
 *     loudp2p_datagrams_dropped_total}</td><td>datagrams a data transport dropped unanswered, by
 *     reason</td></tr>
 * <tr><td>{@code loudp2p.relay.reservations}</td><td>gauge</td><td></td><td></td>
 *     <td>{@code loudp2p_relay_reservations}</td><td>peers behind NATs holding a reservation at
 *     this peer's relay service now (PROTOCOL.md section 10)</td></tr>
 * <tr><td>{@code loudp2p.relay.connections}</td><td>counter</td><td></td><td></td>
 *     <td>{@code loudp2p_relay_connections_total}</td><td>connections this peer relayed</td></tr>
 * <tr><td>{@code loudp2p.relay.sent}</td><td>counter</td><td></td><td>bytes</td>
 *     <td>{@code loudp2p_relay_sent_bytes_total}</td><td>bytes this peer relayed, both ways
 *     together</td></tr>
 * <tr><td>{@code loudp2p.relay.refused}</td><td>counter</td><td></td><td></td>
 *     <td>{@code loudp2p_relay_refused_total}</td><td>reservations and connections this peer's
 *     relay refused past a limit</td></tr>
 * </tbody>
 * </table>
 *
 * <p>The meters with a {@code transport} or {@code reason} tag have one series per value the peer
 * counts. A started peer reports every one of them from the start, zero until the first count
 * (see {@link PeerMetrics}), so {@link #bindTo} registers them all at once and none appears later.
 * A value that a third-party data transport would report only after the binding (against the
 * contract of its drop counts) is not exported.
 *
 * <p>A scrape reads all meters at once: they share one snapshot of {@link Peer#metrics()}, taken
 * again when the last is 100 ms old, rather than one snapshot per meter.
 *
 * <p>Lifecycle: bind once the peer started. The registry keeps this binder and the peer for as
 * long as it holds the meters; once the peer closed, they report its last counts. Thread-safe.
 */
public final class PeerMeters implements MeterBinder {
  /** How old a snapshot of the peer's metrics the meters read at most. */
  static final Duration MAX_AGE = Duration.ofMillis(100);

  private static final long MAX_AGE_NS = MAX_AGE.toNanos();

  private final Supplier<PeerMetrics> metrics;
  private final Tags tags;
  private final LongSupplier nanoTime;
  private @Nullable PeerMetrics last;
  private long lastAtNs;

  /**
   * Meters of {@code peer}, tagged with its ID alone.
   *
   * @param peer the peer, started by the time {@link #bindTo} is called
   */
  public PeerMeters(Peer peer) {
    this(peer, Tags.empty());
  }

  /**
   * Meters of {@code peer}, tagged with its ID and {@code tags} (a {@code peer} tag among them is
   * replaced by the ID).
   *
   * @param peer the peer, started by the time {@link #bindTo} is called
   * @param tags tags for every meter, such as the app's name
   */
  public PeerMeters(Peer peer, Iterable<Tag> tags) {
    this(peer, tags, System::nanoTime);
  }

  /** With the clock that ages snapshots passed in, for tests. */
  PeerMeters(Peer peer, Iterable<Tag> tags, LongSupplier nanoTime) {
    this(peer::metrics, peer.id().toString(), tags, nanoTime);
  }

  /** Meters of whatever {@code metrics} reports, for tests. */
  PeerMeters(Supplier<PeerMetrics> metrics, String peerId, Iterable<Tag> tags,
      LongSupplier nanoTime) {
    this.metrics = Objects.requireNonNull(metrics, "metrics");
    this.tags = Tags.of(Objects.requireNonNull(tags, "tags")).and("peer", peerId);
    this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
  }

  /**
   * Registers the meters the class description lists with {@code registry}: one series for each
   * transport and reason the peer reports now. Binding to a registry that holds them already
   * registers nothing new.
   *
   * @throws IllegalStateException when the peer is not started
   */
  @Override
  public void bindTo(MeterRegistry registry) {
    PeerMetrics now = snapshot();
    gauge(registry, "loudp2p.peers.known", "Peers in this peer's table",
        PeerMetrics::peersKnown);
    gauge(registry, "loudp2p.sessions.serving", "Stream sessions this peer serves now",
        PeerMetrics::sessionsServing);
    counter(registry, "loudp2p.sessions.served", "Stream sessions this peer accepted to serve",
        null, Tags.empty(), PeerMetrics::sessionsServed);
    counter(registry, "loudp2p.sessions.played", "Stream sessions this peer started to play",
        null, Tags.empty(), PeerMetrics::sessionsPlayed);
    counter(registry, "loudp2p.searches.answered", "Searches of other peers this peer answered",
        null, Tags.empty(), PeerMetrics::searchesAnswered);
    counter(registry, "loudp2p.searches.forwarded",
        "Searches of other peers this peer routed on to its neighbours", null, Tags.empty(),
        PeerMetrics::searchesForwarded);
    for (String transport : now.bytesSent().keySet()) {
      counter(registry, "loudp2p.stream.sent",
          "Chunk bytes this peer read for the sessions it serves, by data transport",
          BaseUnits.BYTES, Tags.of("transport", transport),
          m -> m.bytesSent().getOrDefault(transport, 0L));
    }
    for (String transport : now.bytesReceived().keySet()) {
      counter(registry, "loudp2p.stream.received",
          "Verified chunk bytes this peer's sessions took in, by the transport of their source",
          BaseUnits.BYTES, Tags.of("transport", transport),
          m -> m.bytesReceived().getOrDefault(transport, 0L));
    }
    for (String reason : now.envelopesRejected().keySet()) {
      counter(registry, "loudp2p.envelopes.rejected",
          "Signed messages this peer refused, by the rule they broke", null,
          Tags.of("reason", reason), m -> m.envelopesRejected().getOrDefault(reason, 0L));
    }
    for (String key : now.datagramsDropped().keySet()) {
      counter(registry, "loudp2p.datagrams.dropped",
          "Datagrams this peer's data transports dropped unanswered, by reason", null,
          droppedTags(key), m -> m.datagramsDropped().getOrDefault(key, 0L));
    }
    if (!now.relay().isEmpty()) { // its transports serve a relay (they speak TLS)
      gauge(registry, "loudp2p.relay.reservations",
          "Peers behind NATs holding a reservation at this peer's relay now",
          m -> m.relay().getOrDefault("reservations", 0L));
      counter(registry, "loudp2p.relay.connections", "Connections this peer relayed", null,
          Tags.empty(), m -> m.relay().getOrDefault("connections", 0L));
      counter(registry, "loudp2p.relay.sent", "Bytes this peer relayed, both ways together",
          BaseUnits.BYTES, Tags.empty(), m -> m.relay().getOrDefault("bytes", 0L));
      counter(registry, "loudp2p.relay.refused",
          "Reservations and connections this peer's relay refused past a limit", null,
          Tags.empty(), m -> m.relay().getOrDefault("refused", 0L));
    }
  }

  /** The tags of a {@code transport/REASON} key of {@link PeerMetrics#datagramsDropped()}. */
  static Tags droppedTags(String key) {
    int slash = key.indexOf('/');
    return slash < 0 ? Tags.of("transport", key, "reason", "")
        : Tags.of("transport", key.substring(0, slash), "reason", key.substring(slash + 1));
  }

  /** The peer's metrics, at most {@link #MAX_AGE} old: one snapshot serves a whole scrape. */
  synchronized PeerMetrics snapshot() {
    long now = nanoTime.getAsLong();
    PeerMetrics m = last;
    if (m == null || now - lastAtNs >= MAX_AGE_NS) {
      m = metrics.get();
      last = m;
      lastAtNs = now;
    }
    return m;
  }

  private void gauge(MeterRegistry registry, String name, String description,
      ToLongFunction<PeerMetrics> read) {
    Gauge.builder(name, this, self -> read.applyAsLong(self.snapshot()))
        .strongReference(true)
        .tags(tags)
        .description(description)
        .register(registry);
  }

  private void counter(MeterRegistry registry, String name, String description,
      @Nullable String baseUnit, Tags more, ToLongFunction<PeerMetrics> read) {
    // A function counter holds its object weakly and its function strongly: the function calls
    // this binder's snapshot(), so it keeps the binder reachable while the registry holds it. The
    // highest count reported so far keeps the counter monotonic even if a peer's count lagged.
    AtomicLong highest = new AtomicLong();
    FunctionCounter.Builder<PeerMeters> b = FunctionCounter.builder(name, this,
            unused -> highest.accumulateAndGet(read.applyAsLong(snapshot()), Math::max))
        .tags(tags)
        .tags(more)
        .description(description);
    if (baseUnit != null) {
      b.baseUnit(baseUnit);
    }
    b.register(registry);
  }

  @Override
  public String toString() {
    return "PeerMeters" + tags;
  }
}
