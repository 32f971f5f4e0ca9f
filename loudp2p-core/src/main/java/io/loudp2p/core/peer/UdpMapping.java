package io.loudp2p.core.peer;

import io.loudp2p.NetworkStatus.Mapping;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.NatMapping;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.spi.AddressObservation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How a NAT maps this peer's UDP sockets (PROTOCOL.md section 8, "Address observation"): two
 * FULL peers that serve UDP, on different addresses where the table has such, are asked which
 * address one new socket speaks from; the same answer from both means an endpoint-independent
 * mapping (or none, when it is the socket's own address), different answers a mapping per
 * destination. Observes when {@link #observeIfDue} finds it due: at first as soon as two observers
 * are known (again every {@link #RETRY} until two answer), then every {@link #PERIOD} and whenever
 * the public address others see changes (the peer moved). Owns the last result; thread-safe.
 */
final class UdpMapping {
  private static final Logger log = LoggerFactory.getLogger(Loggers.NETWORK);

  /** How long an observation waits for its observers' answers. */
  static final Duration WITHIN = Duration.ofSeconds(3);
  /** How soon an observation that learnt nothing is tried again. */
  static final Duration RETRY = Duration.ofSeconds(30);
  /** How often a known mapping is observed again. */
  static final Duration PERIOD = Duration.ofMinutes(10);
  /** When {@link #observeIfDue} is first called, after the peer started. */
  static final Duration FIRST_CHECK = Duration.ofSeconds(1);
  /** How often {@link #observeIfDue} is called after that. */
  static final Duration CHECK = Duration.ofSeconds(5);

  /**
   * What the last observation found, when, and the public address others saw then; {@code
   * portKept} when the observers saw the socket's own port.
   */
  record Result(Mapping mapping, @Nullable InetSocketAddress udpPublic, long atMs,
      @Nullable InetAddress publicAddress, boolean portKept) {
    /**
     * The mapping as a stream initiation states it for hole punching (PROTOCOL.md section 8): an
     * endpoint-independent mapping that changes the socket's port is as unpredictable to another
     * peer as a mapping per destination.
     */
    NatMapping wire() {
      return switch (mapping) {
        case NONE -> NatMapping.NAT_MAPPING_NONE;
        case ENDPOINT_INDEPENDENT -> portKept
            ? NatMapping.NAT_MAPPING_ENDPOINT_INDEPENDENT : NatMapping.NAT_MAPPING_ENDPOINT_DEPENDENT;
        case ENDPOINT_DEPENDENT -> NatMapping.NAT_MAPPING_ENDPOINT_DEPENDENT;
        case UNKNOWN -> NatMapping.NAT_MAPPING_UNKNOWN;
      };
    }

    /**
     * Where another peer hears a new UDP socket of this peer's, but for its port (the socket's
     * own, when {@link #wire} is none or endpoint-independent); null when not known.
     */
    @Nullable InetAddress heardAt() {
      return udpPublic == null ? null : udpPublic.getAddress();
    }
  }

  private final PeerContext ctx;
  private final PeerStore store;
  private final SelfRecord self;
  private final PeerTransports.@Nullable Data udp;
  private final AtomicBoolean running = new AtomicBoolean();
  private volatile @Nullable Result last;
  /** Run on the peer's timer after each observation that ended with a result. */
  private volatile Runnable onObserved = () -> { };
  private volatile long lastTriedMs = Long.MIN_VALUE / 2;
  /** How soon after {@link #lastTriedMs} an observation that learnt nothing is tried again. */
  private volatile long retryMs = RETRY.toMillis();
  /**
   * Observers that did not answer the last observations they were asked in (a peer behind a NAT
   * itself, whose record has not listed its relays yet; one gone): not asked again while others
   * can be. At most {@link #MAX_SILENT}, forgotten all at once beyond.
   */
  private final Set<InetSocketAddress> silent = java.util.concurrent.ConcurrentHashMap.newKeySet();
  static final int MAX_SILENT = 64;

  UdpMapping(PeerContext ctx, PeerStore store, SelfRecord self, PeerTransports transports) {
    this.ctx = ctx;
    this.store = store;
    this.self = self;
    PeerTransports.Data found = null;
    for (PeerTransports.Data d : transports.data) {
      if (d.kind() == TransportKind.TRANSPORT_KIND_UDP_VALUE) {
        found = d;
        break;
      }
    }
    this.udp = found;
  }

  /** Runs {@code task} on the peer's timer after each observation that ends with a result. */
  void onObserved(Runnable task) {
    this.onObserved = task;
  }

  /** The last observation's result, or null before one ended. */
  @Nullable Result last() {
    return last;
  }

  /** Observes the mapping when it is due and two observers are known; returns at once. */
  void observeIfDue() {
    if (udp == null || running.get()) {
      return;
    }
    long now = ctx.nowMs();
    Result r = last;
    Optional<InetAddress> publicNow = self.observed().trusted(now);
    boolean due = r == null || r.mapping() == Mapping.UNKNOWN
        ? now - lastTriedMs >= retryMs
        : now - r.atMs() >= PERIOD.toMillis()
            || (publicNow.isPresent() && !publicNow.get().equals(r.publicAddress()));
    if (!due) {
      return;
    }
    List<InetSocketAddress> observers = observers(store.fullPeers(), ctx.random, silent::contains);
    if (observers.size() < 2 && !silent.isEmpty()) {
      silent.clear(); // all that are left were silent once: ask them again
      observers = observers(store.fullPeers(), ctx.random, silent::contains);
    }
    if (observers.size() < 2 || !running.compareAndSet(false, true)) {
      return;
    }
    lastTriedMs = now;
    log.debug("observing the UDP mapping: asking {}", observers);
    List<InetSocketAddress> asked = observers;
    udp.transport.observe(observers, WITHIN).whenComplete((o, t) -> {
      try {
        if (o != null) {
          record(o, asked, publicNow.orElse(null));
        } else {
          log.debug("observing the UDP mapping failed: {}", t.toString());
        }
      } finally {
        running.set(false);
      }
    });
  }

  private void record(AddressObservation o, List<InetSocketAddress> asked,
      @Nullable InetAddress publicAddress) {
    for (int i = 0; i < asked.size() && i < o.observed().size(); i++) {
      if (o.observed().get(i).isEmpty()) {
        if (silent.size() >= MAX_SILENT) {
          silent.clear();
        }
        silent.add(asked.get(i));
      }
    }
    // One answered: UDP passes, another pair of observers may well both answer at the next check.
    retryMs = o.answered() == 1 ? CHECK.toMillis() : RETRY.toMillis();
    Mapping mapping = classify(o, UdpMapping::isOwn);
    InetSocketAddress seen = o.observed().stream().flatMap(Optional::stream).findFirst()
        .orElse(null);
    Result before = last;
    last = new Result(mapping, seen, ctx.nowMs(), publicAddress,
        seen != null && seen.getPort() == o.local().getPort());
    ctx.schedule(onObserved, 0);
    if (before == null || before.mapping() != mapping) {
      log.info("UDP mapping: {} ({} of {} observers answered{})", mapping, o.answered(),
          o.observed().size(), seen == null ? "" : ", seen as " + seen);
    }
  }

  /** When this status was observed, as an instant. */
  static Optional<Instant> at(@Nullable Result r) {
    return r == null ? Optional.empty() : Optional.of(Instant.ofEpochMilli(r.atMs()));
  }

  /**
   * The mapping an observation shows: unknown with fewer than two answers; dependent on the
   * endpoint when the answers differ; none when they are all the socket's own address (its port,
   * and an address of this host); independent of the endpoint otherwise.
   */
  static Mapping classify(AddressObservation o, java.util.function.Predicate<InetAddress> own) {
    if (o.answered() < 2) {
      return Mapping.UNKNOWN;
    }
    Set<InetSocketAddress> seen = new HashSet<>();
    for (Optional<InetSocketAddress> s : o.observed()) {
      s.ifPresent(seen::add);
    }
    if (seen.size() > 1) {
      return Mapping.ENDPOINT_DEPENDENT;
    }
    InetSocketAddress only = seen.iterator().next();
    return only.getPort() == o.local().getPort() && own.test(only.getAddress())
        ? Mapping.NONE : Mapping.ENDPOINT_INDEPENDENT;
  }

  /** Whether {@code a} is an address of one of this host's interfaces. */
  private static boolean isOwn(InetAddress a) {
    try {
      return a.isLoopbackAddress() || NetworkInterface.getByInetAddress(a) != null;
    } catch (SocketException e) {
      return false; // the interfaces cannot be listed: not known to be this host's
    }
  }

  /**
   * Two observers among {@code full}: the UDP endpoints they announce (the one on the address
   * their control is reached at, when they list several) unless they list relays (they cannot be
   * reached), drawn at random, on two different
   * addresses when the table has such (so that a NAT that maps by destination address alone is
   * told apart too), else on two ports of one address; none that {@code skip} names; fewer when
   * there are not two.
   */
  static List<InetSocketAddress> observers(List<PeerTable.Entry> full, java.util.Random random,
      java.util.function.Predicate<InetSocketAddress> skip) {
    List<InetSocketAddress> udp = new ArrayList<>();
    for (PeerTable.Entry e : full) {
      if (RelayEndpoint.of(e.record()) != null) {
        continue; // behind a NAT itself: its UDP socket cannot be reached to answer
      }
      InetSocketAddress pick = null;
      for (Endpoint ep : e.record().record().getEndpointsList()) {
        InetSocketAddress a = ep.getTransport() == TransportKind.TRANSPORT_KIND_UDP
            ? PeerTable.address(ep) : null;
        if (a != null && (pick == null || (e.control() != null
            && a.getAddress().equals(e.control().getAddress())))) {
          pick = a;
        }
      }
      if (pick != null && !skip.test(pick)) {
        udp.add(pick);
      }
    }
    Collections.shuffle(udp, random);
    if (udp.size() < 2) {
      return List.of();
    }
    InetSocketAddress first = udp.get(0);
    InetSocketAddress second = null;
    for (InetSocketAddress a : udp.subList(1, udp.size())) {
      if (!a.getAddress().equals(first.getAddress())) {
        second = a;
        break;
      }
      if (second == null && !a.equals(first)) {
        second = a;
      }
    }
    return second == null ? List.of() : List.of(first, second);
  }
}
