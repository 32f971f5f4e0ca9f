package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.core.network.NodeRecord;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.SignedPeerRecord;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The peers this peer knows, by ID, each with its newest signed record. A record replaces an older
 * one of the same peer only with a higher sequence number, so a peer that moved is found at its new
 * address and a replayed old record changes nothing.
 *
 * <p>Bounded: at most {@link #MAX_PEERS}; when full, an unreachable or the oldest-learnt peer
 * makes room. No single peer or network can fill it: at most {@link #MAX_PER_SOURCE} records
 * relayed by one peer and {@link #MAX_PER_BLOCK} records whose first address is in one /24 (IPv4)
 * or /48 (IPv6) are kept, nor more than {@link #MAX_PER_BLOCK} peers that sent their own records
 * from one such block (loopback is exempt, and a peer's own record, received from it, never
 * counts against the cap of its source). A record is forgotten once it expires. Thread-safe.
 *
 * <p>Its {@link Changes} hear of the peers that join it and leave it (a peer that stops answering
 * leaves while its record stays, marked unreachable), under the table's lock, so that each
 * peer's joins and leaves are heard in the order they happened.
 */
final class PeerTable {
  /** The most peers remembered. */
  static final int MAX_PEERS = 1024;
  /** The most records kept that one peer relayed (samples of its table). */
  static final int MAX_PER_SOURCE = 64;
  /** The most records kept that peers relayed, all relays together: half the table. */
  static final int MAX_RELAYED = MAX_PEERS / 2;
  /** The most records kept whose first address is in one /24 or /48 block. */
  static final int MAX_PER_BLOCK = 32;

  /**
   * One known peer; who relayed its record (null: the peer itself, or unknown); and the address
   * block its own record was last received from (0: not seen, or loopback).
   */
  record Entry(SignedPeerRecord record, @Nullable InetSocketAddress control, boolean reachable,
      @Nullable PeerId source, long observedBlock) {
    Entry(SignedPeerRecord record, @Nullable InetSocketAddress control, boolean reachable) {
      this(record, control, reachable, null, 0);
    }
  }

  /**
   * Hears of the peers known and reachable: one joins when its record is learnt, or when it
   * answers again after it left; it leaves when it stops answering, or when its record expires or
   * makes room while it was reachable. Called under the table's lock: only hands them on.
   */
  interface Changes {
    /** Nobody hears. */
    Changes NONE = new Changes() {
      @Override
      public void joined(Entry entry) {}

      @Override
      public void left(PeerId id) {}
    };

    /** {@code entry}'s peer joined. */
    void joined(Entry entry);

    /** The peer {@code id} left. */
    void left(PeerId id);
  }

  private final PeerId self;
  private final LongSupplier nowMs;
  private final Changes changes;
  private final Map<PeerId, Entry> entries = new LinkedHashMap<>();

  /** An empty table for peer {@code self}; records expire by {@code nowMs} (wall-clock ms). */
  PeerTable(PeerId self, LongSupplier nowMs) {
    this(self, nowMs, Changes.NONE);
  }

  /** An empty table as {@link #PeerTable(PeerId, LongSupplier)}, telling {@code changes}. */
  PeerTable(PeerId self, LongSupplier nowMs, Changes changes) {
    this.self = self;
    this.nowMs = nowMs;
    this.changes = changes;
  }

  private static boolean expired(Entry e, long now) {
    return e.record().record().getExpiresAtMs() <= now;
  }

  /** Forgets the records that expired: they must not be used or relayed. */
  private void purge() {
    long now = nowMs.getAsLong();
    for (Iterator<Entry> it = entries.values().iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (expired(e, now)) {
        it.remove();
        forgotten(e);
      }
    }
  }

  /** A record left the table: its peer leaves unless it had left already. */
  private void forgotten(Entry e) {
    if (e.reachable()) {
      changes.left(e.record().peerId());
    }
  }

  /**
   * Learns a record.
   *
   * @return true when it was new or newer than the one known
   */
  synchronized boolean offer(SignedPeerRecord record) {
    return offer(record, null);
  }

  /**
   * Learns a record relayed by {@code source} (null when it came from the peer it describes).
   *
   * @return true when it was new or newer than the one known and within the caps
   */
  synchronized boolean offer(SignedPeerRecord record, @Nullable PeerId source) {
    return offer(record, source, null);
  }

  /**
   * Learns a record relayed by {@code source}, or sent by the peer itself from {@code observed}:
   * many identities announcing themselves from one network count against that network's cap,
   * whatever addresses their records claim.
   *
   * @return true when it was new or newer than the one known and within the caps
   */
  synchronized boolean offer(SignedPeerRecord record, @Nullable PeerId source,
      @Nullable InetAddress observed) {
    PeerId id = record.peerId();
    if (id.equals(self)) {
      return false;
    }
    Entry known = entries.get(id);
    if (known != null && known.record().record().getSequence() >= record.record().getSequence()) {
      return false;
    }
    // Learnt from the peer itself (now or before): no relay owns it.
    PeerId from = source == null || source.equals(id) || (known != null && known.source() == null)
        ? null : source;
    if (from != null && (known == null || !from.equals(known.source()))
        && count(e -> from.equals(e.source())) >= MAX_PER_SOURCE) {
      return false;
    }
    long block = NodeRecord.addressBlock(record.record());
    if (block != 0 && (known == null || NodeRecord.addressBlock(known.record().record()) != block)
        && count(e -> NodeRecord.addressBlock(e.record().record()) == block) >= MAX_PER_BLOCK) {
      return false;
    }
    long seenFrom = from == null && observed != null ? blockOf(observed)
        : known != null ? known.observedBlock() : 0;
    if (seenFrom != 0 && (known == null || known.observedBlock() != seenFrom)
        && count(e -> e.observedBlock() == seenFrom) >= MAX_PER_BLOCK) {
      return false;
    }
    if (known == null && entries.size() >= MAX_PEERS) {
      purge();
      // A relayed record may only push out another relayed one: a table full of peers heard
      // from themselves takes no relayed record.
      if (entries.size() >= MAX_PEERS && !evictOne(from != null)) {
        return false;
      }
    } else if (from != null && (known == null || known.source() == null)
        && count(e -> e.source() != null) >= MAX_RELAYED) {
      // Relayed records have half the table at most, whoever relays them: the rest is kept
      // for peers heard from themselves.
      evictOne(true);
      if (count(e -> e.source() != null) >= MAX_RELAYED) {
        return false;
      }
    }
    entries.remove(id);
    Entry learnt = new Entry(record, controlAddress(record), known == null || known.reachable(),
        from, seenFrom);
    entries.put(id, learnt);
    if (known == null) {
      changes.joined(learnt);
    }
    return true;
  }

  private int count(java.util.function.Predicate<Entry> p) {
    int n = 0;
    for (Entry e : entries.values()) {
      if (p.test(e)) {
        n++;
      }
    }
    return n;
  }

  /**
   * Makes room: a relayed record before one heard from its own peer (first-hand records outrank
   * relayed ones), an unreachable peer before a reachable one, the oldest-learnt first. With
   * {@code relayedOnly}, only a relayed record may go (none, when there is none).
   *
   * @return whether a record was dropped
   */
  private boolean evictOne(boolean relayedOnly) {
    PeerId victim = null;
    int best = Integer.MAX_VALUE;
    for (Map.Entry<PeerId, Entry> e : entries.entrySet()) {
      Entry v = e.getValue();
      int rank = (v.source() != null ? 0 : 2) + (v.reachable() ? 1 : 0);
      if (rank < best && (!relayedOnly || v.source() != null)) {
        best = rank;
        victim = e.getKey();
        if (rank == 0) {
          break;
        }
      }
    }
    if (victim != null) {
      forgotten(entries.remove(victim));
    }
    return victim != null;
  }

  synchronized Optional<Entry> get(PeerId id) {
    Entry e = entries.get(id);
    if (e != null && expired(e, nowMs.getAsLong())) {
      entries.remove(id);
      forgotten(e);
      return Optional.empty();
    }
    return Optional.ofNullable(e);
  }

  synchronized void reachable(PeerId id, boolean reachable) {
    Entry e = entries.get(id);
    if (e != null && e.reachable() != reachable) {
      Entry now = new Entry(e.record(), e.control(), reachable, e.source(), e.observedBlock());
      entries.put(id, now);
      if (reachable) {
        changes.joined(now);
      } else {
        changes.left(id);
      }
    }
  }

  /** Every known peer whose record has not expired. */
  synchronized List<Entry> all() {
    purge();
    return new ArrayList<>(entries.values());
  }

  /** Up to {@code n} known peers whose records have not expired, chosen at random. */
  synchronized List<Entry> sample(int n, Random random) {
    return sample(n, random, false);
  }

  /** Like {@link #sample(int, Random)}, leaving out unreachable peers when {@code reachableOnly}. */
  synchronized List<Entry> sample(int n, Random random, boolean reachableOnly) {
    purge();
    List<Entry> all = new ArrayList<>(entries.values());
    if (reachableOnly) {
      all.removeIf(e -> !e.reachable());
    }
    Collections.shuffle(all, random);
    return all.subList(0, Math.min(n, all.size()));
  }

  synchronized int size() {
    purge();
    return entries.size();
  }

  /** The /24 (IPv4) or /48 (IPv6) block of an address, tagged as a record's is; 0 for loopback. */
  static long blockOf(InetAddress address) {
    return NodeRecord.addressBlock(com.google.protobuf.ByteString.copyFrom(address.getAddress()));
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
