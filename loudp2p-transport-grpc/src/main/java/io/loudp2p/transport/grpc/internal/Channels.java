package io.loudp2p.transport.grpc.internal;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * One channel per remote endpoint, made when first needed and reused by every call to it. A
 * channel that stays idle drops its connection by itself (gRPC's idle timeout) and reconnects on
 * the next call; {@link #forget} closes the channel of a peer that went away.
 *
 * <p>Thread-safe.
 */
final class Channels {
  private final GrpcSettings settings;
  private final ConcurrentHashMap<InetSocketAddress, ManagedChannel> channels =
      new ConcurrentHashMap<>();
  private final int flowControlWindow;
  private volatile boolean closed;

  /** Channels with gRPC's own flow control (windows tuned to the path). */
  Channels(GrpcSettings settings) {
    this(settings, 0);
  }

  /** Channels whose streams get a fixed HTTP/2 window of {@code flowControlWindow} bytes. */
  Channels(GrpcSettings settings, int flowControlWindow) {
    this.settings = settings;
    this.flowControlWindow = flowControlWindow;
  }

  /** The channel to {@code endpoint}; never called after {@link #close()} returns one. */
  ManagedChannel get(InetSocketAddress endpoint) {
    if (closed) {
      throw new IllegalStateException("transport closed");
    }
    ManagedChannel channel = channels.computeIfAbsent(endpoint, this::open);
    if (channel.isShutdown()) {
      channels.remove(endpoint, channel);
      return get(endpoint);
    }
    return channel;
  }

  private ManagedChannel open(InetSocketAddress endpoint) {
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(endpoint);
    if (flowControlWindow > 0) {
      builder.flowControlWindow(flowControlWindow);
    }
    return builder
        .usePlaintext()
        .maxInboundMessageSize(settings.maxMessageBytes)
        .keepAliveTime(settings.keepAliveTime.toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(settings.keepAliveTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .idleTimeout(settings.idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .build();
  }

  /** Closes the channel to {@code endpoint}, failing its calls in flight. */
  void forget(InetSocketAddress endpoint) {
    ManagedChannel channel = channels.remove(endpoint);
    if (channel != null) {
      channel.shutdownNow();
    }
  }

  int size() {
    return channels.size();
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
