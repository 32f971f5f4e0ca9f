package io.loudp2p.transport.grpc.internal;

import com.google.protobuf.ByteString;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.PeerCertificates;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayEvent;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayFrame;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayGrpc;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayIncoming;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayReservation;
import io.loudp2p.transport.grpc.internal.proto.v1.ReserveRequest;
import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The relay service (PROTOCOL.md section 10): a peer that cannot be dialled reserves, and a peer
 * that wants to reach it connects through the relay, which splices the two calls' byte streams
 * (see {@link RelaySplice}). Callers are known by the peer ID their TLS certificate proves, so
 * the service refuses plaintext calls. Every bound is a {@link RelayLimits} field.
 *
 * <p>Thread-safe: reservations, pending connections and the connect counts are guarded by this
 * object's lock; each splice guards its own calls.
 */
final class RelayService {
  private static final Logger log = LoggerFactory.getLogger(GrpcLoggers.RELAY);
  private static final Context.Key<PeerId> CALLER = Context.key("loudp2p-relay-caller");
  /** The address the caller's connection came from, when it is an internet one. */
  private static final Context.Key<InetSocketAddress> FROM = Context.key("loudp2p-relay-from");
  private static final int CONNECTION_ID_BYTES = 16;

  /** A peer's reservation: where its connections are announced. */
  private static final class Reservation {
    final PeerId peer;
    final ServerCallStreamObserver<RelayEvent> events;
    int connections;
    @Nullable ScheduledFuture<?> expiry;

    Reservation(PeerId peer, ServerCallStreamObserver<RelayEvent> events) {
      this.peer = peer;
      this.events = events;
    }
  }

  /** A connection announced and not yet accepted. */
  private record Pending(Reservation reservation, PeerId from,
      ServerCallStreamObserver<RelayFrame> dialer, Half dialerHalf, ScheduledFuture<?> timeout) {}

  /** A call of Connect or Accept: its splice once both sides are there. */
  private static final class Half {
    volatile @Nullable RelaySplice splice;
    boolean first = true;
  }

  private final RelayLimits limits;
  private final Clock clock;
  private final LongSupplier nanoTime;
  private final ScheduledExecutorService timer;
  private final Consumer<ByteString> tap;
  private final RelayCounters counters;
  private final SecureRandom random = new SecureRandom();
  private final Map<PeerId, Reservation> reservations = new HashMap<>();
  private final Map<ByteString, Pending> pending = new HashMap<>();
  /** Connections each caller asked for in the current minute, least recently asking first. */
  private final LinkedHashMap<PeerId, long[]> connects = new LinkedHashMap<>(16, 0.75f, true);

  /**
   * @param tap sees every relayed frame's data (tests check what a relay can see)
   */
  RelayService(RelayLimits limits, Clock clock, LongSupplier nanoTime,
      ScheduledExecutorService timer, Consumer<ByteString> tap) {
    this(limits, clock, nanoTime, timer, tap, new RelayCounters());
  }

  /** As above, counting what it does in {@code counters}. */
  RelayService(RelayLimits limits, Clock clock, LongSupplier nanoTime,
      ScheduledExecutorService timer, Consumer<ByteString> tap, RelayCounters counters) {
    this.limits = limits;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.timer = timer;
    this.counters = counters;
    this.tap = data -> {
      counters.bytes(data.size());
      tap.accept(data);
    };
    counters.add(this);
  }

  /** The service, for a server that speaks TLS; a call without a peer certificate is refused. */
  ServerServiceDefinition service() {
    RelayGrpc.AsyncService impl = new RelayGrpc.AsyncService() {
      @Override
      public void reserve(ReserveRequest request, StreamObserver<RelayEvent> out) {
        RelayService.this.reserve((ServerCallStreamObserver<RelayEvent>) out);
      }

      @Override
      public StreamObserver<RelayFrame> connect(StreamObserver<RelayFrame> out) {
        return half((ServerCallStreamObserver<RelayFrame>) out, true);
      }

      @Override
      public StreamObserver<RelayFrame> accept(StreamObserver<RelayFrame> out) {
        return half((ServerCallStreamObserver<RelayFrame>) out, false);
      }
    };
    return ServerInterceptors.intercept(RelayGrpc.bindService(impl), new CallerInterceptor());
  }

  /** Reservations held now. */
  synchronized int reservations() {
    return reservations.size();
  }

  private void reserve(ServerCallStreamObserver<RelayEvent> events) {
    PeerId peer = CALLER.get();
    Reservation r = new Reservation(peer, events);
    events.setOnCancelHandler(() -> drop(r));
    Reservation replaced;
    synchronized (this) {
      replaced = reservations.get(peer);
      if (replaced == null && reservations.size() >= limits.maxReservations()) {
        counters.refusal();
        events.onError(Status.RESOURCE_EXHAUSTED.withDescription(limits.maxReservations() == 0
            ? "this peer relays for no one; try another relay"
            : "this relay holds " + limits.maxReservations()
                + " reservations, its most; try another relay")
            .asRuntimeException());
        return;
      }
      reservations.put(peer, r);
      r.expiry = timer.schedule(() -> expire(r), limits.reservationTtl().toMillis(),
          TimeUnit.MILLISECONDS);
      events.onNext(RelayEvent.newBuilder().setReservation(RelayReservation.newBuilder()
          .setTtlMs(limits.reservationTtl().toMillis())
          .setMaxConnections(limits.maxConnectionsPerReservation())
          .setMaxBytesPerConnection(limits.maxBytesPerConnection())
          .setMaxConnectionMs(limits.maxConnection().toMillis())
          .setMaxBytesPerSecond(limits.bytesPerSecond())).build());
    }
    if (replaced != null) {
      end(replaced, Status.ABORTED.withDescription("replaced by a newer reservation"));
    }
    log.debug("reservation for {}", peer);
  }

  private void expire(Reservation r) {
    synchronized (this) {
      if (reservations.get(r.peer) != r) {
        return;
      }
      reservations.remove(r.peer);
    }
    end(r, Status.OK);
  }

  private synchronized void drop(Reservation r) {
    reservations.remove(r.peer, r);
    if (r.expiry != null) {
      r.expiry.cancel(false);
    }
  }

  private void end(Reservation r, Status status) {
    drop(r);
    synchronized (this) {
      end(r.events, status);
    }
  }

  /** One side of a relayed connection: its first frame says which. */
  private StreamObserver<RelayFrame> half(ServerCallStreamObserver<RelayFrame> out,
      boolean dialer) {
    PeerId caller = CALLER.get();
    InetSocketAddress from = FROM.get();
    Half half = new Half();
    out.disableAutoRequest();
    out.setOnReadyHandler(() -> {
      RelaySplice s = half.splice;
      if (s != null) {
        s.ready(dialer);
      }
    });
    out.setOnCancelHandler(() -> {
      RelaySplice s = half.splice;
      if (s != null) {
        s.closed(dialer, Status.CANCELLED.asRuntimeException());
      } else if (dialer) {
        forgetDialer(out);
      }
    });
    out.request(1);
    return new StreamObserver<>() {
      @Override
      public void onNext(RelayFrame frame) {
        if (half.first) {
          half.first = false;
          if (dialer) {
            connect(caller, from, frame, out, half);
          } else {
            accept(caller, frame, out, half);
          }
          return;
        }
        RelaySplice s = half.splice;
        if (s != null) {
          s.frame(dialer, frame);
        }
      }

      @Override
      public void onError(Throwable t) {
        RelaySplice s = half.splice;
        if (s != null) {
          s.closed(dialer, t);
        } else if (dialer) {
          forgetDialer(out);
        }
      }

      @Override
      public void onCompleted() {
        RelaySplice s = half.splice;
        if (s != null) {
          s.closed(dialer, null);
        } else {
          if (dialer) {
            forgetDialer(out);
          }
          end(out, Status.OK);
        }
      }
    };
  }

  private void connect(PeerId caller, @Nullable InetSocketAddress from, RelayFrame first,
      ServerCallStreamObserver<RelayFrame> out, Half half) {
    PeerId target;
    try {
      target = PeerId.fromBytes(first.getTargetPeerId().toByteArray());
    } catch (IllegalArgumentException e) {
      end(out, Status.INVALID_ARGUMENT.withDescription(
          "the first frame of Connect names the peer to reach: " + e.getMessage()));
      return;
    }
    if (!first.getData().isEmpty() || !first.getConnectionId().isEmpty()) {
      end(out, Status.INVALID_ARGUMENT.withDescription(
          "the first frame of Connect names the peer to reach and nothing else"));
      return;
    }
    if (first.getTargetPort() < 1 || first.getTargetPort() > 65535) {
      end(out, Status.INVALID_ARGUMENT.withDescription(
          "the first frame of Connect names the port of the target's endpoint, 1 to 65535"));
      return;
    }
    if (target.equals(caller)) {
      end(out, Status.INVALID_ARGUMENT.withDescription("a peer does not connect to itself"));
      return;
    }
    synchronized (this) {
      if (!countConnect(caller)) {
        counters.refusal();
        end(out, Status.RESOURCE_EXHAUSTED.withDescription("more than "
            + limits.connectsPerMinute() + " connections asked for in a minute; retry later"));
        return;
      }
      Reservation r = reservations.get(target);
      if (r == null) {
        end(out, Status.NOT_FOUND.withDescription(
            "no reservation for " + target + " at this relay"));
        return;
      }
      if (r.connections >= limits.maxConnectionsPerReservation()) {
        counters.refusal();
        end(out, Status.RESOURCE_EXHAUSTED.withDescription(target + " has "
            + limits.maxConnectionsPerReservation() + " connections through this relay, its most"));
        return;
      }
      byte[] id = new byte[CONNECTION_ID_BYTES];
      random.nextBytes(id);
      ByteString connectionId = ByteString.copyFrom(id);
      ScheduledFuture<?> timeout = timer.schedule(() -> acceptTimedOut(connectionId),
          limits.acceptWithin().toMillis(), TimeUnit.MILLISECONDS);
      r.connections++;
      pending.put(connectionId, new Pending(r, caller, out, half, timeout));
      try {
        RelayIncoming.Builder incoming = RelayIncoming.newBuilder()
            .setConnectionId(connectionId).setFromPeerId(ByteString.copyFrom(caller.bytes()))
            .setTargetPort(first.getTargetPort());
        if (from != null && !from.isUnresolved()) {
          incoming.setFromIp(ByteString.copyFrom(from.getAddress().getAddress()))
              .setFromPort(from.getPort());
        }
        r.events.onNext(RelayEvent.newBuilder().setIncoming(incoming).build());
      } catch (RuntimeException reservationGone) {
        // Its call was cancelled: the timeout ends the dialler's call.
      }
    }
  }

  private void accept(PeerId caller, RelayFrame first, ServerCallStreamObserver<RelayFrame> out,
      Half half) {
    Pending p;
    synchronized (this) {
      p = pending.get(first.getConnectionId());
      if (p == null) {
        end(out, Status.NOT_FOUND.withDescription(
            "no connection waits under that ID (it timed out or was accepted)"));
        return;
      }
      if (!p.reservation.peer.equals(caller)) {
        end(out, Status.PERMISSION_DENIED.withDescription(
            "that connection is for " + p.reservation.peer + ", not " + caller));
        return;
      }
      if (!first.getData().isEmpty() || !first.getTargetPeerId().isEmpty()
        || first.getTargetPort() != 0) {
        end(out, Status.INVALID_ARGUMENT.withDescription(
            "the first frame of Accept names the connection and nothing else"));
        return;
      }
      pending.remove(first.getConnectionId());
      p.timeout.cancel(false);
    }
    Reservation r = p.reservation;
    RelaySplice splice = new RelaySplice(limits, nanoTime, timer, p.dialer, out, () -> {
      synchronized (this) {
        r.connections--;
      }
    }, tap);
    half.splice = splice;
    p.dialerHalf.splice = splice;
    counters.connection();
    log.debug("relaying {} to {}", p.from, caller);
    splice.start();
  }

  private void acceptTimedOut(ByteString connectionId) {
    Pending p;
    synchronized (this) {
      p = pending.remove(connectionId);
      if (p == null) {
        return;
      }
      p.reservation.connections--;
    }
    end(p.dialer, Status.UNAVAILABLE.withDescription(p.reservation.peer
        + " did not accept the connection within " + limits.acceptWithin().toSeconds() + " s"));
  }

  /** A dialling call ended before it was accepted: its pending connection goes. */
  private void forgetDialer(ServerCallStreamObserver<RelayFrame> dialer) {
    synchronized (this) {
      pending.values().removeIf(p -> {
        if (p.dialer != dialer) {
          return false;
        }
        p.timeout.cancel(false);
        p.reservation.connections--;
        return true;
      });
    }
  }

  /** Counts a connection asked for by {@code caller}; false past the limit. Under the lock. */
  private boolean countConnect(PeerId caller) {
    long minute = clock.millis() / 60_000;
    long[] count = connects.computeIfAbsent(caller, k -> new long[] {minute, 0});
    if (count[0] != minute) {
      count[0] = minute;
      count[1] = 0;
    }
    if (connects.size() > RelayLimits.TRACKED_CALLERS) {
      connects.remove(connects.keySet().iterator().next());
    }
    return ++count[1] <= limits.connectsPerMinute();
  }

  /** Ends {@code out}'s call with {@code status}, unless it ended already (its caller left). */
  static void end(ServerCallStreamObserver<?> out, Status status) {
    try {
      if (status.isOk()) {
        out.onCompleted();
      } else {
        out.onError(status.asRuntimeException());
      }
    } catch (RuntimeException alreadyClosed) {
      // The caller went away first.
    }
  }

  /** Puts the caller's certificate-proven peer ID in the context; refuses calls without one. */
  private final class CallerInterceptor implements ServerInterceptor {
    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers,
        ServerCallHandler<Q, A> next) {
      PeerId caller = callerOf(call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION));
      if (caller == null) {
        call.close(Status.FAILED_PRECONDITION.withDescription(
            "a relay serves only peers that present their certificate over TLS (section 9)"),
            new Metadata());
        return new ServerCall.Listener<>() {};
      }
      Context context = Context.current().withValue(CALLER, caller);
      if (call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)
          instanceof InetSocketAddress from) {
        context = context.withValue(FROM, from);
      }
      return Contexts.interceptCall(context, call, headers, next);
    }
  }

  private @Nullable PeerId callerOf(@Nullable SSLSession session) {
    if (session == null) {
      return null;
    }
    try {
      Certificate[] chain = session.getPeerCertificates();
      X509Certificate[] x509 = new X509Certificate[chain.length];
      for (int i = 0; i < chain.length; i++) {
        x509[i] = (X509Certificate) chain[i];
      }
      return PeerCertificates.verify(x509, clock.instant());
    } catch (SSLPeerUnverifiedException | ClassCastException
        | PeerCertificates.RefusedCertificate e) {
      return null;
    }
  }
}
