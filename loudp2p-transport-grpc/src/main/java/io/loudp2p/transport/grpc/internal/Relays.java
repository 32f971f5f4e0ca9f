package io.loudp2p.transport.grpc.internal;

import io.grpc.ManagedChannel;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.loudp2p.PeerId;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.PeerCredentials;
import io.loudp2p.spi.RelayReservation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * A control transport's relays (PROTOCOL.md section 10): the relay service it serves when it
 * speaks TLS, the routes it was told of (a peer reached through a relay at an address), and the
 * reservations it keeps at relays for its own server.
 *
 * <p>Thread-safe.
 */
final class Relays implements AutoCloseable {
  /** A relay: its gRPC endpoint and its peer ID. */
  private record Relay(InetSocketAddress address, PeerId peer) {}

  private final GrpcSettings settings;
  private final RelayLimits limits;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "loudp2p-grpc-relay");
    t.setDaemon(true);
    return t;
  });
  private final RelayClient client;
  /** What the relay services of this transport's servers did. */
  private final RelayCounters counters = new RelayCounters();
  /** The relay each peer is reached through. */
  private final ConcurrentHashMap<PeerId, Relay> routes = new ConcurrentHashMap<>();
  /** Endpoints reached through a relay whoever answers there: the peer there and its relay. */
  private final ConcurrentHashMap<InetSocketAddress, PeerId> endpoints = new ConcurrentHashMap<>();

  Relays(GrpcSettings settings, RelayLimits limits) {
    this(settings, limits, 0);
  }

  /** As above; channels through a relay get a fixed HTTP/2 window of {@code flowControlWindow}. */
  Relays(GrpcSettings settings, RelayLimits limits, int flowControlWindow) {
    this.settings = settings;
    this.limits = limits;
    this.client = new RelayClient(limits.maxFrameBytes(), flowControlWindow);
  }

  /** The relay service to serve, or null without TLS (a relay knows its callers by TLS). */
  @Nullable ServerServiceDefinition service() {
    if (settings.credentials == null) {
      return null;
    }
    return new RelayService(limits, Clock.systemUTC(), System::nanoTime, timer, data -> {},
        counters).service();
  }

  /**
   * What the relay services of this transport's servers did ({@link RelayCounters}); empty
   * without TLS, when it serves none.
   */
  java.util.Map<String, Long> counts() {
    return settings.credentials == null ? java.util.Map.of() : counters.snapshot();
  }

  /**
   * Calls expecting {@code peer}, at any endpoint, go through {@code relayPeer} at {@code relay}.
   *
   * @return whether that changed the route
   */
  boolean route(PeerId peer, InetSocketAddress relay, @Nullable PeerId relayPeer) {
    Relay now = relayPeer == null ? null : new Relay(relay, relayPeer);
    Relay before = now == null ? routes.remove(peer) : routes.put(peer, now);
    return !java.util.Objects.equals(before, now);
  }

  /**
   * Connections to {@code endpoint}, whichever peer they expect, reach {@code peer} through
   * {@code relayPeer} at {@code relay} (null: not): for a data transport, whose sessions name an
   * endpoint only.
   *
   * @return whether that changed the route
   */
  boolean route(InetSocketAddress endpoint, PeerId peer, InetSocketAddress relay,
      @Nullable PeerId relayPeer) {
    if (relayPeer == null) {
      return endpoints.remove(endpoint) != null;
    }
    boolean samePeer = peer.equals(endpoints.put(endpoint, peer));
    return route(peer, relay, relayPeer) || !samePeer;
  }

  /**
   * A channel to {@code peer}'s endpoint {@code endpoint} (its port names the peer's server)
   * through the relay routed for it, using {@code toRelay} for the channel to the relay itself;
   * null when no route says so.
   */
  @Nullable ManagedChannel open(InetSocketAddress endpoint, @Nullable PeerId peer,
      java.util.function.BiFunction<InetSocketAddress, PeerId, ManagedChannel> toRelay) {
    PeerCredentials credentials = settings.credentials;
    if (peer == null) {
      peer = endpoints.get(endpoint);
    }
    if (peer == null || credentials == null) {
      return null;
    }
    Relay relay = routes.get(peer);
    if (relay == null || relay.peer().equals(peer)) {
      return null;
    }
    try {
      return client.dial(toRelay.apply(relay.address(), relay.peer()), peer, endpoint.getPort(),
          PeerTls.client(credentials, peer, settings.clock,
              refused -> settings.tlsRefusals.server(endpoint, refused)),
          settings.maxMessageBytes);
    } catch (SSLException e) {
      throw new IllegalStateException("no TLS context: " + e.getMessage(), e);
    }
  }

  /**
   * Reserves at the relay at {@code relay} for this peer's {@code servers}, over {@code toRelay};
   * completes once granted.
   */
  CompletableFuture<RelayReservation> reserve(ManagedChannel toRelay, InetSocketAddress relay,
      java.util.Collection<InetSocketAddress> servers) {
    java.util.List<InetSocketAddress> targets = new java.util.ArrayList<>();
    for (InetSocketAddress own : servers) {
      targets.add(own.getAddress().isAnyLocalAddress()
          ? new InetSocketAddress(InetAddress.getLoopbackAddress(), own.getPort()) : own);
    }
    RelayClient.Reservation r = client.reserve(toRelay, targets);
    CompletableFuture<String> ended = r.ended().thenApply(s -> s.isOk()
        ? "the relay at " + relay + " ended the reservation"
        : "the reservation at " + relay + " ended: " + s.getCode() + " " + s.getDescription());
    RelayReservation reservation = new RelayReservation() {
      @Override
      public CompletableFuture<String> ended() {
        return ended;
      }

      @Override
      public void close() {
        r.cancel().run();
      }

      @Override
      public String toString() {
        return "reservation at " + relay;
      }
    };
    return r.granted().handle((granted, t) -> {
      if (t != null) {
        Status s = Status.fromThrowable(t);
        throw new ControlException(s.getCode() == Status.Code.RESOURCE_EXHAUSTED
            ? ControlErrorCode.RESOURCE_EXHAUSTED : ControlErrorCode.UNAVAILABLE,
            "no reservation at " + relay + ": " + s.getCode() + " " + s.getDescription());
      }
      return reservation;
    });
  }

  @Override
  public void close() {
    client.close();
    timer.shutdownNow();
  }
}
