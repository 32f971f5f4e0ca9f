package io.loudp2p.transport.grpc.internal;

import java.net.InetSocketAddress;
import io.loudp2p.spi.PeerCredentials;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.GrpcTransportOptions;
import java.time.Clock;
import java.time.Duration;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/**
 * The settings of one gRPC transport, read once from the {@link GrpcTransportOptions} in its
 * {@link TransportOptions}.
 */
final class GrpcSettings {
  final int maxMessageBytes;
  final int maxConcurrentCallsPerPeer;
  final Duration keepAliveTime;
  final Duration keepAliveTimeout;
  final Duration idleTimeout;
  final Duration openTimeout;
  final Duration dataHandshakeTimeout;
  final Duration dataStallTimeout;
  /** Where the control methods are served over gRPC-Web too, or null. */
  final @Nullable InetSocketAddress web;
  final java.nio.file.@Nullable Path webPage;
  /** What this transport's relay service allows. */
  final RelayLimits relayLimits;
  final @Nullable Executor callbackExecutor;
  /** The peer's TLS credentials; null: plaintext (tests that say so). */
  final @Nullable PeerCredentials credentials;
  /** The time certificates' validity is checked at. */
  final Clock clock = Clock.systemUTC();
  /** The TLS handshakes this transport refused. */
  final TlsRefusals tlsRefusals = new TlsRefusals();
  /**
   * The servers' TLS context, made in the background from the transport's start, with the first
   * certificate: the JDK's TLS stack takes a good part of a second to load in a new process, time
   * better spent while the peer does other things. Null when plaintext.
   */
  private final @Nullable CompletableFuture<SslContext> serverTls;

  GrpcSettings(TransportOptions options) {
    GrpcTransportOptions o = options.settings(GrpcTransportOptions.class);
    if (o == null) {
      o = GrpcTransportOptions.defaults();
    }
    this.maxMessageBytes = o.maxMessageBytes();
    this.maxConcurrentCallsPerPeer = o.maxConcurrentCallsPerPeer();
    this.keepAliveTime = o.keepAliveTime();
    this.keepAliveTimeout = o.keepAliveTimeout();
    this.idleTimeout = o.idleTimeout();
    this.openTimeout = o.openTimeout();
    this.dataHandshakeTimeout = o.dataHandshakeTimeout();
    this.dataStallTimeout = o.dataStallTimeout();
    this.web = o.web();
    this.webPage = o.webPage();
    this.relayLimits = RelayLimits.DEFAULT.withMaxReservations(o.relayReservations());
    this.callbackExecutor = options.callbackExecutor();
    this.credentials = options.credentials();
    this.serverTls = credentials == null ? null : inBackground(credentials);
  }

  private CompletableFuture<SslContext> inBackground(PeerCredentials own) {
    CompletableFuture<SslContext> made = new CompletableFuture<>();
    Thread t = new Thread(() -> {
      try {
        own.current();
        made.complete(PeerTls.server(own, clock, tlsRefusals::client));
      } catch (Throwable e) {
        made.completeExceptionally(e);
      }
    }, "loudp2p-tls-setup");
    t.setDaemon(true);
    t.start();
    return made;
  }

  /** The servers' TLS context, null when plaintext; waits while it is being made. */
  @Nullable SslContext serverTls() {
    if (serverTls == null) {
      return null;
    }
    try {
      return serverTls.join();
    } catch (CompletionException e) {
      throw new ControlException(ControlErrorCode.INTERNAL, "no TLS context: " + e.getCause(),
          e.getCause());
    }
  }
}
