package io.loudp2p.transport.grpc.internal;

import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.GrpcTransport;
import java.time.Duration;
import java.util.concurrent.Executor;
import org.jspecify.annotations.Nullable;

/** The settings of one gRPC transport, read once from its {@link TransportOptions}. */
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

  GrpcSettings(TransportOptions options) {
    this.maxMessageBytes = options.maxMessageBytes();
    this.maxConcurrentCallsPerPeer = options.positiveIntProperty(GrpcTransport.MAX_CONCURRENT_CALLS_PER_PEER,
        GrpcTransport.DEFAULT_MAX_CONCURRENT_CALLS_PER_PEER);
    this.keepAliveTime = Duration.ofMillis(options.positiveIntProperty(GrpcTransport.KEEPALIVE_TIME_MS,
        (int) GrpcTransport.DEFAULT_KEEPALIVE_TIME.toMillis()));
    this.keepAliveTimeout = Duration.ofMillis(options.positiveIntProperty(GrpcTransport.KEEPALIVE_TIMEOUT_MS,
        (int) GrpcTransport.DEFAULT_KEEPALIVE_TIMEOUT.toMillis()));
    this.idleTimeout = Duration.ofMillis(options.positiveIntProperty(GrpcTransport.IDLE_TIMEOUT_MS,
        (int) GrpcTransport.DEFAULT_IDLE_TIMEOUT.toMillis()));
    this.openTimeout = Duration.ofMillis(options.positiveIntProperty(GrpcTransport.OPEN_TIMEOUT_MS,
        (int) GrpcTransport.DEFAULT_OPEN_TIMEOUT.toMillis()));
    this.dataHandshakeTimeout = Duration.ofMillis(options.positiveIntProperty(
        GrpcTransport.DATA_HANDSHAKE_TIMEOUT_MS,
        (int) GrpcTransport.DEFAULT_DATA_HANDSHAKE_TIMEOUT.toMillis()));
    this.dataStallTimeout = Duration.ofMillis(options.positiveIntProperty(
        GrpcTransport.DATA_STALL_TIMEOUT_MS,
        (int) GrpcTransport.DEFAULT_DATA_STALL_TIMEOUT.toMillis()));
    this.callbackExecutor = options.callbackExecutor();
  }
}
