package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.PeerInfo;
import io.loudp2p.Role;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.network.KeywordSummary;
import io.loudp2p.core.network.LightLinks;
import io.loudp2p.core.network.NodeRecord;
import io.loudp2p.core.network.PeerSampler;
import io.loudp2p.core.network.QueryRouter;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.EnvelopeException;
import io.loudp2p.core.wire.SignedPeerRecord;
import io.loudp2p.spi.ControlResponder;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The address book: every peer this one knows of, in the four stores that must change in step
 * when a record is learnt or a peer goes away — the bounded table of records, the sampling view
 * (Cyclon and the Brahms history sample), the query router's keyword summaries and their senders,
 * and a LIGHT peer's links to FULL peers.
 *
 * <p>Records come in through {@link #offer} only, and leave through {@link #markGone}, which tells
 * its listeners. Each store is thread-safe; this class adds no lock of its own.
 */
final class PeerStore {
  private static final Logger log = LoggerFactory.getLogger(Loggers.DISCOVERY);

  /** Where a record came from, which decides where it may go and whose caps it counts against. */
  record Provenance(@Nullable PeerId mustBe, @Nullable PeerId viewSource,
      @Nullable PeerId relayedBy, @Nullable InetAddress observed) {
    /** A peer's own record, sent by itself in an exchange or a role change: into the view. */
    static Provenance firstHand(PeerId sender, InetAddress observed) {
      return new Provenance(sender, sender, sender, observed);
    }

    /** A peer's own record, sent by itself in a shuffle or a reachability check. */
    static Provenance own(PeerId sender, InetAddress observed) {
      return new Provenance(sender, null, null, observed);
    }

    /** Another's record in the sample of a peer exchange: offered to the view by its sender. */
    static Provenance exchanged(PeerId by) {
      return new Provenance(null, by, by, null);
    }

    /** Another's record passed on by {@code by} (a shuffle's sample, a search hit's source). */
    static Provenance relayed(PeerId by) {
      return new Provenance(null, null, by, null);
    }
  }

  /** Hears of peers that went away. */
  interface Listener {
    /** {@code id}, last reached at {@code address}, stopped answering. */
    void gone(PeerId id, InetSocketAddress address);
  }

  private final PeerContext ctx;
  private final PeerTable table;
  private final PeerSampler view;
  private final QueryRouter<ControlResponder> router;
  private final LightLinks links = new LightLinks();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final List<java.util.function.Consumer<SignedPeerRecord>> learnt =
      new CopyOnWriteArrayList<>();

  PeerStore(PeerContext ctx, PeerTable table, PeerSampler view,
      QueryRouter<ControlResponder> router) {
    this.ctx = ctx;
    this.table = table;
    this.view = view;
    this.router = router;
  }

  PeerTable table() {
    return table;
  }

  PeerSampler view() {
    return view;
  }

  QueryRouter<ControlResponder> router() {
    return router;
  }

  LightLinks links() {
    return links;
  }

  void addListener(Listener listener) {
    listeners.add(listener);
  }

  /**
   * {@code learnt} is told each record this store checked and took into its table (new, or newer
   * than the one it had), on the caller's thread.
   */
  void onLearnt(java.util.function.Consumer<SignedPeerRecord> learnt) {
    this.learnt.add(learnt);
  }

  /**
   * Checks a record and learns it: in the table (within the caps of the peer that relayed it and,
   * for a peer's own record, of the address block it was observed sending from), and in the view.
   *
   * @return the checked record, or null when it is refused
   */
  @Nullable SignedPeerRecord offer(Envelope envelope, Provenance from) {
    try {
      SignedPeerRecord r = ctx.opener.openRecord(envelope);
      if (from.mustBe() != null && !r.peerId().equals(from.mustBe())) {
        return null;
      }
      if (table.offer(r, from.relayedBy(), from.observed())) {
        for (java.util.function.Consumer<SignedPeerRecord> l : learnt) {
          l.accept(r);
        }
      }
      NodeRecord node = NodeRecord.of(r);
      if (from.viewSource() == null) {
        view.observe(node, ctx.nowMs());
      } else {
        view.offer(node, from.viewSource(), ctx.nowMs());
        links.update(node);
        if (node.role() == Role.LIGHT) {
          router.forget(node.id());
        }
      }
      return r;
    } catch (EnvelopeException e) {
      log.debug("ignoring a peer record: {}", e.getMessage());
      return null;
    }
  }

  /** Learns the keyword summary a FULL peer sent with its record; LIGHT peers' are ignored. */
  void learnSummary(SignedPeerRecord sender,
      io.loudp2p.core.proto.v1.@Nullable KeywordSummary proto) {
    if (proto == null
        || sender.record().getRole() == io.loudp2p.core.proto.v1.Role.ROLE_LIGHT) {
      return;
    }
    try {
      router.learn(NodeRecord.of(sender), KeywordSummary.fromProto(proto), ctx.nowMs());
    } catch (IllegalArgumentException e) {
      log.debug("ignoring the keyword summary of {}: {}", sender.peerId(), e.getMessage());
    }
  }

  /** A peer that stopped answering: out of the view, the links and the routing summaries. */
  void markGone(PeerId id, InetSocketAddress address) {
    view.remove(id);
    router.forget(id);
    links.failed(id);
    table.reachable(id, false);
    for (Listener l : listeners) {
      l.gone(id, address);
    }
  }

  /** The FULL peers to route to: the view, or the table's reachable FULL peers while it is empty. */
  List<NodeRecord> fullNeighbours() {
    List<NodeRecord> out = new ArrayList<>();
    for (NodeRecord n : view.neighbours()) {
      if (n.role() == Role.FULL) {
        out.add(n);
      }
    }
    if (out.isEmpty()) {
      for (PeerTable.Entry e : table.sample(PeerSampler.DEFAULT_VIEW_SIZE, ctx.random)) {
        NodeRecord n = NodeRecord.of(e.record());
        if (e.reachable() && n.role() == Role.FULL && e.control() != null) {
          out.add(n);
        }
      }
    }
    return out;
  }

  /** Where to call a peer: from its view entry, its table record, or its summary's record. */
  @Nullable InetSocketAddress controlOf(PeerId id) {
    NodeRecord n = view.get(id);
    if (n != null) {
      return controlAddress(n);
    }
    InetSocketAddress known = table.get(id).map(PeerTable.Entry::control).orElse(null);
    if (known != null) {
      return known;
    }
    n = router.summarySender(id);
    return n != null ? controlAddress(n) : null;
  }

  static @Nullable InetSocketAddress controlAddress(NodeRecord n) {
    for (Endpoint e : n.record().getEndpointsList()) {
      if (e.getTransport() == TransportKind.TRANSPORT_KIND_GRPC) {
        return PeerTable.address(e);
      }
    }
    return null;
  }

  /** The table's records, as the API shows them. */
  List<PeerInfo> peers() {
    List<PeerInfo> out = new ArrayList<>();
    for (PeerTable.Entry e : table.all()) {
      out.add(info(e));
    }
    return out;
  }

  /** A record of the table as the API shows it. */
  static PeerInfo info(PeerTable.Entry e) {
    PeerRecord r = e.record().record();
    List<InetSocketAddress> addresses = new ArrayList<>();
    for (Endpoint ep : r.getEndpointsList()) {
      InetSocketAddress a = PeerTable.address(ep);
      if (a != null && ep.getTransport() == TransportKind.TRANSPORT_KIND_GRPC) {
        addresses.add(a);
      }
    }
    return new PeerInfo(e.record().peerId(), addresses,
        r.getRole() == io.loudp2p.core.proto.v1.Role.ROLE_LIGHT ? Role.LIGHT : Role.FULL,
        r.getSequence(), Instant.ofEpochMilli(r.getExpiresAtMs()), e.reachable());
  }

  /** The reachable FULL peers of the table that can be called. */
  List<PeerTable.Entry> fullPeers() {
    List<PeerTable.Entry> full = new ArrayList<>();
    for (PeerTable.Entry e : table.all()) {
      if (e.control() != null && e.reachable()
          && e.record().record().getRole() != io.loudp2p.core.proto.v1.Role.ROLE_LIGHT) {
        full.add(e);
      }
    }
    return full;
  }

  static List<PeerId> ids(List<NodeRecord> nodes) {
    List<PeerId> out = new ArrayList<>();
    for (NodeRecord n : nodes) {
      out.add(n.id());
    }
    return out;
  }
}
