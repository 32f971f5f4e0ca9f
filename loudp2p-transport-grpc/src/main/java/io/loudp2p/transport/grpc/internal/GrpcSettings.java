package io.loudp2p.transport.grpc.internal;

import io.loudp2p.spi.PeerCredentials;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.GrpcTransportOptions;
import java.time.Clock;
import java.time.Duration;
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
  final @Nullable Executor callbackExecutor;
  /** The peer's TLS credentials; null: plaintext (tests that say so). */
  final @Nullable PeerCredentials credentials;
  /** The time certificates' validity is checked at. */
  final Clock clock = Clock.systemUTC();
  /** The TLS handshakes this transport refused. */
  final TlsRefusals tlsRefusals = new TlsRefusals();

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
    this.callbackExecutor = options.callbackExecutor();
    this.credentials = options.credentials();
  }
}
