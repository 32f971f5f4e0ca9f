package io.loudp2p.transport.grpc.internal;

/**
 * The names this transport logs under, below the core's {@code io.loudp2p.transport}: stable
 * across changes to the classes that log, for applications' logging configurations.
 */
final class GrpcLoggers {
  /** Calls and chunk streams: handlers and chunk providers that failed, requests refused. */
  static final String GRPC = "io.loudp2p.transport.grpc";

  /** TLS handshakes refused (throttled): the wrong peer at an address, or a bad certificate. */
  static final String TLS = "io.loudp2p.transport.grpc.tls";

  /** The relay service: reservations made and ended, connections relayed and refused. */
  static final String RELAY = "io.loudp2p.transport.grpc.relay";

  private GrpcLoggers() {}
}
