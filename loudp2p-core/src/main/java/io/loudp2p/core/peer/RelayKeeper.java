package io.loudp2p.core.peer;

import io.loudp2p.NetworkStatus;
import io.loudp2p.PeerId;
import io.loudp2p.Role;
import io.loudp2p.core.internal.ApiErrors;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.internal.LruMap;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.RelayReservation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this peer reachable when others cannot dial it (PROTOCOL.md section 10): a FULL peer
 * behind a NAT holds a reservation at {@link #RELAYS} FULL peers it reached directly, lists them
 * in its record, and announces the record whenever a reservation is made or lost. Behind a NAT
 * means: its UDP socket was seen mapped (endpoint-independent or not), or the address others see
 * its calls come from is none of this host's. A relay that refused, or whose reservation ended,
 * is not asked again for {@link #RETRY_AFTER}.
 *
 * <p>Checked every {@link #CHECK} on the peer's timer; thread-safe (the reservations are guarded
 * by this object's lock, and their ends come on transport threads).
 */
final class RelayKeeper {
  private static final Logger log = LoggerFactory.getLogger(Loggers.NETWORK);

  /** Relays a peer behind a NAT keeps a reservation at. */
  static final int RELAYS = 2;
  /** How often the need for relays is checked. */
  static final Duration CHECK = Duration.ofSeconds(5);
  /** How long a relay that refused or ended a reservation is left alone. */
  static final Duration RETRY_AFTER = Duration.ofSeconds(30);

  private final PeerContext ctx;
  private final ControlTransport control;
  private final PeerStore store;
  private final SelfRecord self;
  private final RoleState roles;
  private final Supplier<NetworkStatus> network;
  private final Supplier<List<InetSocketAddress>> servers;
  private final Runnable announce;
  /** Reservations held, by relay, in the order made. Guarded by this. */
  private final Map<PeerId, Held> held = new LinkedHashMap<>();
  /** Relays asked and not answered yet. Guarded by this. */
  private final Set<PeerId> asking = new HashSet<>();
  /** When each relay last refused or ended a reservation. Guarded by this. */
  private final Map<PeerId, Long> leftAlone = new LruMap<>(256);
  /**
   * Why relays refused or ended a reservation lately, the latest of each, its peer ID first; a
   * relay that grants one again is taken off. Guarded by this.
   */
  private final Map<PeerId, String> refusals = new LruMap<>(NetworkStatus.MAX_RELAY_REFUSALS);

  /** The address {@link #local} last looked up, and what it found. Guarded by this. */
  private @Nullable InetAddress lastLookedUp;
  private boolean lastLocal;

  private record Held(RelayEndpoint relay, RelayReservation reservation, Instant since) {}

  /**
   * @param servers this peer's gRPC servers that relayed connections may be joined to
   * @param announce signs and announces this peer's record when its relays changed
   */
  RelayKeeper(PeerContext ctx, ControlTransport control, PeerStore store, SelfRecord self,
      RoleState roles, Supplier<NetworkStatus> network,
      Supplier<List<InetSocketAddress>> servers, Runnable announce) {
    this.ctx = ctx;
    this.control = control;
    this.store = store;
    this.self = self;
    this.roles = roles;
    this.network = network;
    this.servers = servers;
    this.announce = announce;
  }

  /**
   * Starts keeping relays for a started peer, and routing its calls to peers whose records list
   * a relay ({@link RelayRoutes}, preferring a relay it keeps a connection to): checked every
   * {@link #CHECK} on the peer's timer.
   *
   * @param dataServers where the peer's data transports serve, by name (the {@code grpc} one is
   *     joined to relayed connections with its control servers)
   */
  static RelayKeeper start(PeerContext ctx, PeerTransports transports, ControlClient client,
      PeerStore store, SelfRecord self, RoleState roles, NetworkWatch network, Greeter greeter,
      Supplier<Map<String, InetSocketAddress>> dataServers) {
    RelayRoutes routes = client.routes();
    routes.prefer(id -> connected(store, id));
    store.onLearnt(routes::learnt);
    RelayKeeper keeper = new RelayKeeper(ctx, transports.control, store, self, roles,
        network::status, () -> {
          List<InetSocketAddress> servers = new ArrayList<>(self.listening());
          InetSocketAddress grpc = dataServers.get().get("grpc");
          if (grpc != null) {
            servers.add(grpc);
          }
          return servers;
        }, greeter::checkAddresses);
    network.relaysFrom(keeper::withRelays);
    ctx.every(keeper::check, CHECK.toMillis(), CHECK.toMillis());
    return keeper;
  }

  /** Whether this peer keeps a connection to {@code id}: a link, or a neighbour of its view. */
  private static boolean connected(PeerStore store, PeerId id) {
    for (io.loudp2p.core.network.NodeRecord n : store.links().current()) {
      if (n.id().equals(id)) {
        return true;
      }
    }
    for (io.loudp2p.core.network.NodeRecord n : store.view().neighbours()) {
      if (n.id().equals(id)) {
        return true;
      }
    }
    return false;
  }

  /**
   * {@code status} with the relays held now and the latest refusal of each relay, as {@link
   * io.loudp2p.Peer#network()} shows them.
   */
  synchronized NetworkStatus withRelays(NetworkStatus status) {
    List<NetworkStatus.Relay> out = new ArrayList<>();
    for (Held h : held.values()) {
      out.add(new NetworkStatus.Relay(h.relay().peer(), h.relay().address(), h.since()));
    }
    return status.withRelays(out, new ArrayList<>(refusals.values()));
  }

  /** The relays held now. */
  synchronized List<RelayEndpoint> relays() {
    List<RelayEndpoint> out = new ArrayList<>();
    for (Held h : held.values()) {
      out.add(h.relay());
    }
    return out;
  }

  /** Reserves at more relays when this peer needs them, or gives them up when it no longer does. */
  void check() {
    if (ctx.closed()) {
      return;
    }
    try {
      if (roles.role() != Role.FULL || !behindNat(network.get(), this::local)) {
        releaseAll();
        return;
      }
      for (PeerTable.Entry candidate : candidates()) {
        reserve(candidate);
      }
    } catch (RuntimeException e) {
      log.warn("keeping relays failed", e); // and the next check tries again
    }
  }

  /** FULL peers reached directly, not relays already, not left alone: as many as are missing. */
  private synchronized List<PeerTable.Entry> candidates() {
    int missing = RELAYS - held.size() - asking.size();
    if (missing <= 0) {
      return List.of();
    }
    long now = ctx.nowMs();
    List<PeerTable.Entry> out = new ArrayList<>();
    for (PeerTable.Entry e : store.fullPeers()) {
      PeerId id = e.record().peerId();
      Long left = leftAlone.get(id);
      if (!held.containsKey(id) && !asking.contains(id)
          && (left == null || now - left >= RETRY_AFTER.toMillis())
          && RelayEndpoint.of(e.record()) == null) {
        out.add(e);
      }
    }
    Collections.shuffle(out, ctx.random);
    return out.subList(0, Math.min(missing, out.size()));
  }

  private void reserve(PeerTable.Entry relay) {
    PeerId id = relay.record().peerId();
    InetSocketAddress at = relay.control();
    synchronized (this) {
      asking.add(id);
    }
    control.reserve(at, id, servers.get()).whenComplete((reservation, t) -> {
      boolean changed;
      synchronized (this) {
        asking.remove(id);
        if (t != null) {
          leftAlone.put(id, ctx.nowMs());
          String why = ApiErrors.message(ApiErrors.unwrap(t));
          refused(id, "relay " + id + " refused a reservation: " + why);
          log.info("no reservation at {}: {}", id, why);
          return;
        }
        changed = !ctx.closed() && held.size() < RELAYS;
        refusals.remove(id);
        if (changed) {
          held.put(id, new Held(new RelayEndpoint(at, id), reservation,
              Instant.ofEpochMilli(ctx.nowMs())));
        }
      }
      if (!changed) {
        reservation.close();
        return;
      }
      log.info("reachable through the relay {} at {}: this peer is behind a NAT", id, at);
      reservation.ended().thenAccept(reason -> ended(id, reservation, reason));
      publish();
    });
  }

  private void ended(PeerId id, RelayReservation reservation, String reason) {
    synchronized (this) {
      Held h = held.get(id);
      if (h == null || h.reservation() != reservation) {
        return;
      }
      held.remove(id);
      leftAlone.put(id, ctx.nowMs());
      refused(id, "relay " + id + " ended the reservation: " + reason);
    }
    if (!ctx.closed()) {
      log.info("no longer reachable through the relay {}: {}", id, reason);
      publish();
    }
  }

  /** Keeps {@code why} as {@code relay}'s latest refusal, the latest last. Holds the lock. */
  private void refused(PeerId relay, String why) {
    refusals.remove(relay);
    refusals.put(relay, why);
  }

  private void releaseAll() {
    List<Held> gone;
    synchronized (this) {
      if (held.isEmpty()) {
        return;
      }
      gone = new ArrayList<>(held.values());
      held.clear();
    }
    for (Held h : gone) {
      h.reservation().close();
    }
    log.info("gave up {} relay reservations: this peer no longer needs them", gone.size());
    publish();
  }

  /** Puts the relays held now in the record and announces it, on the peer's timer. */
  private void publish() {
    self.relays(relays());
    ctx.schedule(announce, 0);
  }

  /**
   * Whether this peer is behind a NAT: its UDP socket was seen mapped, or the address others
   * agree its calls come from is not one of this host's.
   */
  static boolean behindNat(NetworkStatus status, Predicate<InetAddress> local) {
    NetworkStatus.Mapping m = status.udpMapping();
    if (m == NetworkStatus.Mapping.ENDPOINT_INDEPENDENT
        || m == NetworkStatus.Mapping.ENDPOINT_DEPENDENT) {
      return true;
    }
    Optional<InetAddress> seen = status.publicAddress();
    return seen.isPresent() && !local.test(seen.get());
  }

  /**
   * Whether {@code address} is one of this host's, asked of the interfaces again only when the
   * address others see changed (the lookup lists every interface; the check runs every few
   * seconds and the answer rarely changes).
   */
  private synchronized boolean local(InetAddress address) {
    if (!address.equals(lastLookedUp)) {
      lastLookedUp = address;
      lastLocal = isLocal(address);
    }
    return lastLocal;
  }

  /** Whether {@code address} is one of this host's, looked up at its interfaces. */
  static boolean isLocal(InetAddress address) {
    try {
      return address.isLoopbackAddress() || NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      return true; // cannot tell: not taken as a NAT
    }
  }
}
