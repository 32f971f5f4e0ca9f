package io.loudp2p.transport.grpc.internal;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.loudp2p.PeerId;
import io.loudp2p.spi.PeerCredentials;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import org.jspecify.annotations.Nullable;

/**
 * One channel per remote endpoint and the peer expected there, made when first needed and reused
 * by every call to it. A channel that stays idle drops its connection by itself (gRPC's idle
 * timeout) and reconnects on the next call; {@link #forget} closes the channels of a peer that
 * went away. With credentials every channel speaks TLS 1.3 and accepts only a server bound to the
 * peer expected (any valid peer when none is), see {@link PeerTls}; without, plaintext. A channel
 * that expected no one (a bare bootstrap address) serves, once its handshake has shown which peer
 * is there, the calls that expect that peer at that address too, rather than a second connection:
 * it accepts only that peer from then on.
 *
 * <p>Thread-safe.
 */
final class Channels {

  /** A remote endpoint and the peer expected there (null: any). */
  private record Key(InetSocketAddress endpoint, @Nullable PeerId peer) {}

  /** Opens the channel to a peer some other way than directly (through a relay), or says not. */
  interface Router {
    /** The channel to {@code peer} (null: any) at {@code endpoint}, or null to connect directly. */
    @Nullable ManagedChannel open(InetSocketAddress endpoint, @Nullable PeerId peer);
  }

  private final GrpcSettings settings;
  private final ConcurrentHashMap<Key, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final int flowControlWindow;
  private volatile boolean closed;
  private volatile @Nullable Router router;

  /** Channels with gRPC's own flow control (windows tuned to the path). */
  Channels(GrpcSettings settings) {
    this(settings, 0);
  }

  /** Channels whose streams get a fixed HTTP/2 window of {@code flowControlWindow} bytes. */
  Channels(GrpcSettings settings, int flowControlWindow) {
    this.settings = settings;
    this.flowControlWindow = flowControlWindow;
  }

  /** The channel to {@code endpoint}, any peer there. */
  ManagedChannel get(InetSocketAddress endpoint) {
    return get(endpoint, null);
  }

  /**
   * The channel to the peer expected at {@code endpoint} (any when null); never called after
   * {@link #close()} returns one.
   */
  ManagedChannel get(InetSocketAddress endpoint, @Nullable PeerId peer) {
    if (closed) {
      throw new IllegalStateException("transport closed");
    }
    Key key = new Key(endpoint, settings.credentials == null ? null : peer);
    Router r = router;
    if (r != null && !channels.containsKey(key)) {
      // Outside computeIfAbsent: the router asks for the channel to the relay.
      ManagedChannel routed = r.open(endpoint, key.peer());
      if (routed != null && channels.putIfAbsent(key, routed) != null) {
        routed.shutdownNow();
      }
    }
    ManagedChannel channel = channels.computeIfAbsent(key, this::open);
    if (channel.isShutdown()) {
      channels.remove(key, channel);
      return get(endpoint, peer);
    }
    return channel;
  }

  private ManagedChannel open(Key key) {
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(key.endpoint());
    if (flowControlWindow > 0) {
      builder.flowControlWindow(flowControlWindow);
    }
    AtomicReference<ManagedChannel> made = new AtomicReference<>();
    PeerCredentials credentials = settings.credentials;
    if (credentials == null) {
      builder.usePlaintext();
    } else {
      try {
        builder.sslContext(PeerTls.client(credentials, key.peer(), settings.clock,
            refused -> settings.tlsRefusals.server(key.endpoint(), refused),
            peer -> serves(key.endpoint(), peer, made.get())));
      } catch (SSLException e) {
        throw new IllegalStateException("no TLS context: " + e.getMessage(), e);
      }
    }
    ManagedChannel channel = builder
        .maxInboundMessageSize(settings.maxMessageBytes)
        .keepAliveTime(settings.keepAliveTime.toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(settings.keepAliveTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .idleTimeout(settings.idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .build();
    made.set(channel);
    return channel;
  }

  /** {@code channel}, which expected no one at {@code endpoint}, found {@code peer} there. */
  private void serves(InetSocketAddress endpoint, PeerId peer, @Nullable ManagedChannel channel) {
    if (channel != null && !closed && !channel.isShutdown()) {
      channels.putIfAbsent(new Key(endpoint, peer), channel);
    }
  }

  /** Channels to peers that a route says how to reach are opened by {@code router}. */
  void router(Router router) {
    this.router = router;
  }

  /** Closes the channels that expect {@code peer}, at any endpoint, failing their calls. */
  void forget(PeerId peer) {
    for (Key key : channels.keySet()) {
      if (peer.equals(key.peer())) {
        ManagedChannel channel = channels.remove(key);
        if (channel != null) {
          channel.shutdownNow();
        }
      }
    }
  }

  /** Closes the channels to {@code endpoint}, whichever peer they expect, failing their calls. */
  void forget(InetSocketAddress endpoint) {
    for (Key key : channels.keySet()) {
      if (key.endpoint().equals(endpoint)) {
        ManagedChannel channel = channels.remove(key);
        if (channel != null) {
          channel.shutdownNow();
        }
      }
    }
  }

  /** Open channels (one that serves two keys counts once). */
  int size() {
    Set<ManagedChannel> distinct = Collections.newSetFromMap(new IdentityHashMap<>());
    distinct.addAll(channels.values());
    return distinct.size();
  }

  void close() {
    closed = true;
    List<ManagedChannel> all = new ArrayList<>(channels.values());
    channels.clear();
    for (ManagedChannel channel : all) {
      channel.shutdownNow();
    }
    for (ManagedChannel channel : all) {
      try {
        channel.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }
}
