package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.core.wire.SignedPeerRecord;
import io.loudp2p.spi.ControlTransport;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * Tells the control transport which peers to reach through a relay: those whose latest record
 * lists one (PROTOCOL.md section 10), and only when that changes, since a new route closes the
 * connections made to the peer before. Holds at most {@link #MAX_ROUTES}, the oldest going
 * first.
 *
 * <p>Thread-safe.
 */
final class RelayRoutes {
  /** Routes held at most: past it the oldest goes (its peer is called directly again). */
  static final int MAX_ROUTES = 4096;

  private final PeerId self;
  private final ControlTransport control;
  /** Guarded by this. */
  private final Map<PeerId, RelayEndpoint> routed = new LinkedHashMap<>();
  /**
   * The relay a peer's route left because it failed (see {@link #failOver}), not taken again for
   * that peer while the peer's record lists another; at most {@code maxRoutes}, oldest out first.
   * Guarded by this.
   */
  private final Map<PeerId, PeerId> failed = new LinkedHashMap<>();

  private final int maxRoutes;
  private volatile Predicate<PeerId> near = id -> false;

  RelayRoutes(PeerId self, ControlTransport control) {
    this(self, control, MAX_ROUTES);
  }

  RelayRoutes(PeerId self, ControlTransport control, int maxRoutes) {
    this.self = self;
    this.control = control;
    this.maxRoutes = maxRoutes;
  }

  /**
   * From now on, of the relays a record lists, one that {@code near} says this peer is connected
   * to (a link, a neighbour) is taken before the others: no new connection to a relay on the way.
   */
  void prefer(Predicate<PeerId> near) {
    this.near = near;
  }

  /** A record was learnt: its peer is reached the way it lists now. */
  void learnt(SignedPeerRecord record) {
    PeerId peer = record.peerId();
    List<RelayEndpoint> relays = RelayEndpoint.all(record.peerId(), record.record());
    PeerId left;
    synchronized (this) {
      left = failed.get(peer);
    }
    if (left != null && relays.stream().anyMatch(r -> !r.peer().equals(left))) {
      relays = relays.stream().filter(r -> !r.peer().equals(left)).toList();
    }
    RelayEndpoint relay = pick(relays);
    route(peer, relay);
  }

  /** Of {@code relays}, the one to take: this peer itself, else one it is near, else the first. */
  private @Nullable RelayEndpoint pick(List<RelayEndpoint> relays) {
    RelayEndpoint relay = null;
    for (RelayEndpoint r : relays) {
      if (r.peer().equals(self)) {
        // This peer is its relay: it connects through its own relay service, over a connection
        // to itself (it cannot dial the peer either).
        relay = r;
        break;
      }
      if (relay == null || (!near.test(relay.peer()) && near.test(r.peer()))) {
        relay = r;
      }
    }
    return relay;
  }

  /**
   * Reaching {@code record}'s peer through {@code relay} failed (the relay left, or dropped the
   * connection): the peer is reached through another relay its record lists, which is returned,
   * and {@code relay} is not taken again for it while another is listed. Null, and the route
   * unchanged, when the record lists no other relay or the route had moved already.
   */
  @Nullable RelayEndpoint failOver(SignedPeerRecord record, RelayEndpoint relay) {
    PeerId peer = record.peerId();
    List<RelayEndpoint> others = RelayEndpoint.all(peer, record.record()).stream()
        .filter(r -> !r.peer().equals(relay.peer())).toList();
    RelayEndpoint next = pick(others);
    synchronized (this) {
      if (next == null || !relay.equals(routed.get(peer))) {
        return null;
      }
      failed.remove(peer);
      failed.put(peer, relay.peer());
      if (failed.size() > maxRoutes) {
        Iterator<PeerId> oldest = failed.keySet().iterator();
        oldest.next();
        oldest.remove();
      }
      route(peer, next);
      return next;
    }
  }

  /** Routes {@code peer} through {@code relay} (directly when null), telling the transport. */
  private void route(PeerId peer, @Nullable RelayEndpoint relay) {
    // Told under the lock, so that two records of one peer learnt at once are told in order.
    synchronized (this) {
      RelayEndpoint before = routed.get(peer);
      if (Objects.equals(before, relay)) {
        return;
      }
      if (relay != null) {
        routed.remove(peer); // re-inserted as the newest
        routed.put(peer, relay);
        control.routeThroughRelay(peer, relay.address(), relay.peer());
        if (routed.size() > maxRoutes) {
          Iterator<Map.Entry<PeerId, RelayEndpoint>> oldest = routed.entrySet().iterator();
          Map.Entry<PeerId, RelayEndpoint> e = oldest.next();
          oldest.remove();
          control.routeThroughRelay(e.getKey(), e.getValue().address(), null);
        }
      } else {
        routed.remove(peer);
        control.routeThroughRelay(peer, before.address(), null);
      }
    }
  }

  /** The relay {@code peer} is reached through, or null. */
  synchronized @Nullable RelayEndpoint of(PeerId peer) {
    return routed.get(peer);
  }
}
