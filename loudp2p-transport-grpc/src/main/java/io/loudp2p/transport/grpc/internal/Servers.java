package io.loudp2p.transport.grpc.internal;

import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** Starts gRPC servers with the transport's limits: message size, keepalive, calls per peer. */
final class Servers {
  private Servers() {}

  /**
   * A server whose messages are at most {@code maxInboundMessageBytes} and whose connections
   * carry at most {@code maxCallsPerConnection} calls at once (HTTP/2 MAX_CONCURRENT_STREAMS).
   */
  static Server start(InetSocketAddress address, GrpcSettings settings,
      ServerServiceDefinition service, int maxInboundMessageBytes, int maxCallsPerConnection) {
    return start(address, settings, java.util.List.of(service), maxInboundMessageBytes,
        maxCallsPerConnection);
  }

  /** As above, serving each of {@code services}. */
  static Server start(InetSocketAddress address, GrpcSettings settings,
      java.util.List<ServerServiceDefinition> services, int maxInboundMessageBytes,
      int maxCallsPerConnection) {
    OversizeMessages.install();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(address);
    SslContext tls = settings.serverTls();
    if (tls != null) {
      builder.sslContext(tls);
    }
    builder
        .maxInboundMessageSize(maxInboundMessageBytes)
        .maxConcurrentCallsPerConnection(maxCallsPerConnection)
        .keepAliveTime(settings.keepAliveTime.toMillis(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(settings.keepAliveTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .permitKeepAliveTime(Math.min(10_000, settings.keepAliveTime.toMillis()), TimeUnit.MILLISECONDS)
        .permitKeepAliveWithoutCalls(true)
        .maxConnectionIdle(settings.idleTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .intercept(new PeerCallLimiter(settings.maxConcurrentCallsPerPeer))
        .addTransportFilter(RelayedRemotes.FILTER);
    services.forEach(builder::addService);
    Server server = builder.build();
    try {
      return server.start();
    } catch (IOException e) {
      throw new ControlException(ControlErrorCode.UNAVAILABLE,
          "cannot listen on " + address + ": " + e.getMessage(), e);
    }
  }

  /** A started server as the SPI sees it. */
  static DataServer handle(Server server, InetSocketAddress requested, Runnable onClose) {
    InetSocketAddress bound = new InetSocketAddress(requested.getAddress(),
        ((InetSocketAddress) server.getListenSockets().get(0)).getPort());
    return new DataServer() {
      @Override
      public InetSocketAddress address() {
        return bound;
      }

      @Override
      public void close() {
        onClose.run();
        server.shutdownNow();
        try {
          server.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }

      @Override
      public String toString() {
        return "grpc server " + bound;
      }
    };
  }
}
