package io.loudp2p.transport.udp;

import java.time.Duration;

/**
 * The settings of the UDP data transport: keys of {@link io.loudp2p.spi.TransportOptions#properties()}
 * (values in whole numbers) and their defaults.
 */
public final class UdpTransport {
  /** The provider name. */
  public static final String NAME = "udp";

  /**
   * Property: milliseconds a receiver waits for the source to accept or refuse a session before
   * the open fails with {@link io.loudp2p.spi.ControlErrorCode#UNAVAILABLE} (so the caller can fall
   * back to another transport).
   */
  public static final String OPEN_TIMEOUT_MS = "udp.openTimeoutMs";

  /** Default of {@link #OPEN_TIMEOUT_MS}. */
  public static final Duration DEFAULT_OPEN_TIMEOUT = Duration.ofMillis(1500);

  /** Property: milliseconds without an authenticated datagram after which a session is lost. */
  public static final String IDLE_TIMEOUT_MS = "udp.idleTimeoutMs";

  /** Default of {@link #IDLE_TIMEOUT_MS}. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(10);

  /** Property: milliseconds without sending after which a side sends a keepalive PING. */
  public static final String KEEPALIVE_MS = "udp.keepaliveMs";

  /** Default of {@link #KEEPALIVE_MS}. */
  public static final Duration DEFAULT_KEEPALIVE = Duration.ofSeconds(2);

  /**
   * Property: milliseconds a session prepared by {@link io.loudp2p.spi.DataServer#prepare} (or a
   * receiver key made by {@link io.loudp2p.spi.DataTransport#prepare}) waits to be opened before
   * it is released with its socket.
   */
  public static final String PREPARED_TIMEOUT_MS = "udp.preparedTimeoutMs";

  /** Default of {@link #PREPARED_TIMEOUT_MS}. */
  public static final Duration DEFAULT_PREPARED_TIMEOUT = Duration.ofSeconds(30);

  /** Property: the most sessions a transport holds prepared and not yet opened, on each side. */
  public static final String MAX_PREPARED_SESSIONS = "udp.maxPreparedSessions";

  /** Default of {@link #MAX_PREPARED_SESSIONS}. */
  public static final int DEFAULT_MAX_PREPARED_SESSIONS = 4096;

  /** Property: the most chunk indexes one session's want list holds at the source. */
  public static final String MAX_WANTED = "udp.maxWanted";

  /** Default of {@link #MAX_WANTED}. */
  public static final int DEFAULT_MAX_WANTED = 4096;

  /** Property: the largest congestion window of a session, in bytes. */
  public static final String MAX_WINDOW_BYTES = "udp.maxWindowBytes";

  /** Default of {@link #MAX_WINDOW_BYTES}. */
  public static final int DEFAULT_MAX_WINDOW_BYTES = 2 << 20;

  /** Property: the send and receive buffer size asked for each session's socket, in bytes. */
  public static final String SOCKET_BUFFER_BYTES = "udp.socketBufferBytes";

  /** Default of {@link #SOCKET_BUFFER_BYTES}. */
  public static final int DEFAULT_SOCKET_BUFFER_BYTES = 1 << 20;

  /** Property: how many I/O threads a transport runs; sessions are spread over them. */
  public static final String IO_THREADS = "udp.ioThreads";

  /** Default of {@link #IO_THREADS}. */
  public static final int DEFAULT_IO_THREADS = 1;

  private UdpTransport() {}
}
