package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.SignedPeerRecord;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.jspecify.annotations.Nullable;

/**
 * The peers this peer knows, by ID, each with its newest signed record. A record replaces an older
 * one of the same peer only with a higher sequence number, so a peer that moved is found at its new
 * address and a replayed old record changes nothing.
 *
 * <p>Bounded: at most {@link #MAX_PEERS}; when full, an unreachable or the oldest-learnt peer
 * makes room. Thread-safe.
 */
final class PeerTable {
  /** The most peers remembered. */
  static final int MAX_PEERS = 1024;

  /** One known peer. */
  record Entry(SignedPeerRecord record, @Nullable InetSocketAddress control, boolean reachable) {}

  private final PeerId self;
  private final Map<PeerId, Entry> entries = new LinkedHashMap<>();

  PeerTable(PeerId self) {
    this.self = self;
  }

  /**
   * Learns a record.
   *
   * @return true when it was new or newer than the one known
   */
  synchronized boolean offer(SignedPeerRecord record) {
    PeerId id = record.peerId();
    if (id.equals(self)) {
      return false;
    }
    Entry known = entries.get(id);
    if (known != null && known.record().record().getSequence() >= record.record().getSequence()) {
      return false;
    }
    if (known == null && entries.size() >= MAX_PEERS) {
      evictOne();
    }
    entries.remove(id);
    entries.put(id, new Entry(record, controlAddress(record), known == null || known.reachable()));
    return true;
  }

  private void evictOne() {
    PeerId victim = null;
    for (Map.Entry<PeerId, Entry> e : entries.entrySet()) {
      if (!e.getValue().reachable()) {
        victim = e.getKey();
        break;
      }
    }
    if (victim == null) {
      victim = entries.keySet().iterator().next();
    }
    entries.remove(victim);
  }

  synchronized Optional<Entry> get(PeerId id) {
    return Optional.ofNullable(entries.get(id));
  }

  synchronized void reachable(PeerId id, boolean reachable) {
    Entry e = entries.get(id);
    if (e != null && e.reachable() != reachable) {
      entries.put(id, new Entry(e.record(), e.control(), reachable));
    }
  }

  synchronized List<Entry> all() {
    return new ArrayList<>(entries.values());
  }

  /** Up to {@code n} known peers, chosen at random. */
  synchronized List<Entry> sample(int n, Random random) {
    List<Entry> all = new ArrayList<>(entries.values());
    Collections.shuffle(all, random);
    return all.subList(0, Math.min(n, all.size()));
  }

  synchronized int size() {
    return entries.size();
  }

  /** The first gRPC endpoint of a record, or null. */
  static @Nullable InetSocketAddress controlAddress(SignedPeerRecord record) {
    for (Endpoint e : record.record().getEndpointsList()) {
      if (e.getTransport() == TransportKind.TRANSPORT_KIND_GRPC) {
        return address(e);
      }
    }
    return null;
  }

  /** The socket address of an endpoint, or null when its IP is not 4 or 16 bytes. */
  static @Nullable InetSocketAddress address(Endpoint e) {
    try {
      return new InetSocketAddress(InetAddress.getByAddress(e.getIp().toByteArray()), e.getPort());
    } catch (UnknownHostException | IllegalArgumentException ex) {
      return null;
    }
  }
}
