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
