package io.loudp2p.transport.grpc;

import java.time.Duration;

/**
 * The settings of the gRPC transport: keys of {@link io.loudp2p.spi.TransportOptions#properties()}
 * and their defaults. The largest message is {@link
 * io.loudp2p.spi.TransportOptions#maxMessageBytes()} (1 MiB by default).
 */
public final class GrpcTransport {
  /** The provider name of both the control and the data transport. */
  public static final String NAME = "grpc";

  /** Property: the most concurrent calls one remote address may have with a server. */
  public static final String MAX_CONCURRENT_CALLS_PER_PEER = "grpc.maxConcurrentCallsPerPeer";

  /** Default of {@link #MAX_CONCURRENT_CALLS_PER_PEER}. */
  public static final int DEFAULT_MAX_CONCURRENT_CALLS_PER_PEER = 64;

  /** Property: milliseconds between HTTP/2 keepalive pings on a connection. */
  public static final String KEEPALIVE_TIME_MS = "grpc.keepAliveTimeMs";

  /** Default of {@link #KEEPALIVE_TIME_MS}. */
  public static final Duration DEFAULT_KEEPALIVE_TIME = Duration.ofSeconds(30);

  /** Property: milliseconds to wait for a keepalive answer before the connection counts as lost. */
  public static final String KEEPALIVE_TIMEOUT_MS = "grpc.keepAliveTimeoutMs";

  /** Default of {@link #KEEPALIVE_TIMEOUT_MS}. */
  public static final Duration DEFAULT_KEEPALIVE_TIMEOUT = Duration.ofSeconds(10);

  /** Property: milliseconds after which an unused connection is dropped (reopened when needed). */
  public static final String IDLE_TIMEOUT_MS = "grpc.idleTimeoutMs";

  /** Default of {@link #IDLE_TIMEOUT_MS}. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(2);

  /** Property: milliseconds a data session may take to be accepted by its source. */
  public static final String OPEN_TIMEOUT_MS = "grpc.openTimeoutMs";

  /** Default of {@link #OPEN_TIMEOUT_MS}. */
  public static final Duration DEFAULT_OPEN_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Property: milliseconds a chunk stream may stay open before its first request brings a
   * handshake the source accepts; then it is ended with {@code DEADLINE_EXCEEDED}.
   */
  public static final String DATA_HANDSHAKE_TIMEOUT_MS = "grpc.dataHandshakeTimeoutMs";

  /** Default of {@link #DATA_HANDSHAKE_TIMEOUT_MS}. */
  public static final Duration DEFAULT_DATA_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /**
   * Property: milliseconds a source waits, with chunks to send, for a receiver that does not read
   * (HTTP/2 flow control stays closed); then the stream is ended with {@code DEADLINE_EXCEEDED}.
   */
  public static final String DATA_STALL_TIMEOUT_MS = "grpc.dataStallTimeoutMs";

  /** Default of {@link #DATA_STALL_TIMEOUT_MS}. */
  public static final Duration DEFAULT_DATA_STALL_TIMEOUT = Duration.ofSeconds(30);

  private GrpcTransport() {}
}
