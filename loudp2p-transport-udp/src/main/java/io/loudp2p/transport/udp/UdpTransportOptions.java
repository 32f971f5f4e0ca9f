package io.loudp2p.transport.udp;

import static io.loudp2p.spi.SettingChecks.positive;
import static io.loudp2p.spi.SettingChecks.within;

import io.loudp2p.spi.TransportSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of the UDP data transport, passed to a peer with {@code
 * Peer.builder().transport(UdpTransportOptions.builder()...build())} or to a provider in {@link
 * io.loudp2p.spi.TransportOptions}.
 *
 * <pre>{@code
 * Peer peer = Peer.builder()
 *     .transport(UdpTransportOptions.builder()
 *         .socketBufferBytes(4 << 20)
 *         .openTimeout(Duration.ofSeconds(3))
 *         .build())
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe; equal when every setting is equal.
 */
public final class UdpTransportOptions implements TransportSettings {
  /** The name of the provider these settings are for. */
  public static final String NAME = "udp";

  /** The artifact that brings the transport. */
  public static final String ARTIFACT = "io.loudp2p:loudp2p-transport-udp";

  /** Default of {@link Builder#openTimeout}: 1.5 s. */
  public static final Duration DEFAULT_OPEN_TIMEOUT = Duration.ofMillis(1500);

  /** Default of {@link Builder#idleTimeout}: 10 s. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofSeconds(10);

  /** Default of {@link Builder#keepalive}: 2 s. */
  public static final Duration DEFAULT_KEEPALIVE = Duration.ofSeconds(2);

  /** Default of {@link Builder#preparedTimeout}: 30 s. */
  public static final Duration DEFAULT_PREPARED_TIMEOUT = Duration.ofSeconds(30);

  /** Default of {@link Builder#maxPreparedSessions}: 4,096. */
  public static final int DEFAULT_MAX_PREPARED_SESSIONS = 4096;

  /** Default of {@link Builder#maxWanted}: 4,096. */
  public static final int DEFAULT_MAX_WANTED = 4096;

  /** Default of {@link Builder#maxWindowBytes}: 2 MiB. */
  public static final int DEFAULT_MAX_WINDOW_BYTES = 2 << 20;

  /** Default of {@link Builder#socketBufferBytes}: 1 MiB. */
  public static final int DEFAULT_SOCKET_BUFFER_BYTES = 1 << 20;

  /** Default of {@link Builder#ioThreads}: 1. */
  public static final int DEFAULT_IO_THREADS = 1;

  private static final UdpTransportOptions DEFAULTS = builder().build();

  private final Duration openTimeout;
  private final Duration idleTimeout;
  private final Duration keepalive;
  private final Duration preparedTimeout;
  private final int maxPreparedSessions;
  private final int maxWanted;
  private final int maxWindowBytes;
  private final int socketBufferBytes;
  private final int ioThreads;

  private UdpTransportOptions(Builder b) {
    this.openTimeout = b.openTimeout;
    this.idleTimeout = b.idleTimeout;
    this.keepalive = b.keepalive;
    this.preparedTimeout = b.preparedTimeout;
    this.maxPreparedSessions = b.maxPreparedSessions;
    this.maxWanted = b.maxWanted;
    this.maxWindowBytes = b.maxWindowBytes;
    this.socketBufferBytes = b.socketBufferBytes;
    this.ioThreads = b.ioThreads;
  }

  /** The settings with every default. */
  public static UdpTransportOptions defaults() {
    return DEFAULTS;
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.openTimeout = openTimeout;
    b.idleTimeout = idleTimeout;
    b.keepalive = keepalive;
    b.preparedTimeout = preparedTimeout;
    b.maxPreparedSessions = maxPreparedSessions;
    b.maxWanted = maxWanted;
    b.maxWindowBytes = maxWindowBytes;
    b.socketBufferBytes = socketBufferBytes;
    b.ioThreads = ioThreads;
    return b;
  }

  @Override
  public String providerName() {
    return NAME;
  }

  @Override
  public String artifact() {
    return ARTIFACT;
  }

  /** How long a receiver waits for the source to accept or refuse a session before the open fails with {@link io.loudp2p.spi.ControlErrorCode#UNAVAILABLE} (so the caller can fall back to another transport). */
  public Duration openTimeout() {
    return openTimeout;
  }

  /** How long a session may go without an authenticated datagram before it counts as lost. */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** How long a side may go without sending before it sends a keepalive PING. */
  public Duration keepalive() {
    return keepalive;
  }

  /** How long a session prepared by {@link io.loudp2p.spi.DataServer#prepare} (or a receiver key made by {@link io.loudp2p.spi.DataTransport#prepare}) waits to be opened before it is released with its socket. */
  public Duration preparedTimeout() {
    return preparedTimeout;
  }

  /** The most sessions a transport holds prepared and not yet opened, on each side. */
  public int maxPreparedSessions() {
    return maxPreparedSessions;
  }

  /** The most chunk indexes one session's want list holds at the source. */
  public int maxWanted() {
    return maxWanted;
  }

  /** The largest congestion window of a session, in bytes: what one session may have in flight. */
  public int maxWindowBytes() {
    return maxWindowBytes;
  }

  /** The send and receive buffer size asked of the kernel for each session's socket, in bytes (the kernel may grant less). */
  public int socketBufferBytes() {
    return socketBufferBytes;
  }

  /** How many I/O threads a transport runs; sessions are spread over them. */
  public int ioThreads() {
    return ioThreads;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof UdpTransportOptions other
        && openTimeout.equals(other.openTimeout)
        && idleTimeout.equals(other.idleTimeout)
        && keepalive.equals(other.keepalive)
        && preparedTimeout.equals(other.preparedTimeout)
        && maxPreparedSessions == other.maxPreparedSessions
        && maxWanted == other.maxWanted
        && maxWindowBytes == other.maxWindowBytes
        && socketBufferBytes == other.socketBufferBytes
        && ioThreads == other.ioThreads;
  }

  @Override
  public int hashCode() {
    return Objects.hash(openTimeout, idleTimeout, keepalive, preparedTimeout, maxPreparedSessions, maxWanted, maxWindowBytes, socketBufferBytes, ioThreads);
  }

  @Override
  public String toString() {
    return "UdpTransportOptions{openTimeout=" + openTimeout
        + ", idleTimeout=" + idleTimeout
        + ", keepalive=" + keepalive
        + ", preparedTimeout=" + preparedTimeout
        + ", maxPreparedSessions=" + maxPreparedSessions
        + ", maxWanted=" + maxWanted
        + ", maxWindowBytes=" + maxWindowBytes
        + ", socketBufferBytes=" + socketBufferBytes
        + ", ioThreads=" + ioThreads + "}";
  }

  /** Builds {@link UdpTransportOptions}; not thread-safe. */
  public static final class Builder {
    private Duration openTimeout = DEFAULT_OPEN_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration keepalive = DEFAULT_KEEPALIVE;
    private Duration preparedTimeout = DEFAULT_PREPARED_TIMEOUT;
    private int maxPreparedSessions = DEFAULT_MAX_PREPARED_SESSIONS;
    private int maxWanted = DEFAULT_MAX_WANTED;
    private int maxWindowBytes = DEFAULT_MAX_WINDOW_BYTES;
    private int socketBufferBytes = DEFAULT_SOCKET_BUFFER_BYTES;
    private int ioThreads = DEFAULT_IO_THREADS;

    private Builder() {}

    /**
     * Sets how long a receiver waits for the source to accept or refuse a session before the open fails with {@link io.loudp2p.spi.ControlErrorCode#UNAVAILABLE} (so the caller can fall back to another transport).
     * Default: 1.5 s.
     *
     * @throws IllegalArgumentException unless positive and at most a day
     */
    public Builder openTimeout(Duration openTimeout) {
      this.openTimeout = positive("openTimeout", openTimeout);
      return this;
    }

    /**
     * Sets how long a session may go without an authenticated datagram before it counts as lost.
     * Default: 10 s.
     *
     * @throws IllegalArgumentException unless positive and at most a day
     */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = positive("idleTimeout", idleTimeout);
      return this;
    }

    /**
     * Sets how long a side may go without sending before it sends a keepalive PING.
     * Default: 2 s.
     *
     * @throws IllegalArgumentException unless positive and at most a day
     */
    public Builder keepalive(Duration keepalive) {
      this.keepalive = positive("keepalive", keepalive);
      return this;
    }

    /**
     * Sets how long a session prepared by {@link io.loudp2p.spi.DataServer#prepare} (or a receiver key made by {@link io.loudp2p.spi.DataTransport#prepare}) waits to be opened before it is released with its socket.
     * Default: 30 s.
     *
     * @throws IllegalArgumentException unless positive and at most a day
     */
    public Builder preparedTimeout(Duration preparedTimeout) {
      this.preparedTimeout = positive("preparedTimeout", preparedTimeout);
      return this;
    }

    /**
     * Sets the most sessions a transport holds prepared and not yet opened, on each side.
     * Default: 4,096.
     *
     * @throws IllegalArgumentException unless 1 to 2^20
     */
    public Builder maxPreparedSessions(int maxPreparedSessions) {
      this.maxPreparedSessions = within("maxPreparedSessions", maxPreparedSessions, 1, 1 << 20);
      return this;
    }

    /**
     * Sets the most chunk indexes one session's want list holds at the source.
     * Default: 4,096.
     *
     * @throws IllegalArgumentException unless 1 to 2^20
     */
    public Builder maxWanted(int maxWanted) {
      this.maxWanted = within("maxWanted", maxWanted, 1, 1 << 20);
      return this;
    }

    /**
     * Sets the largest congestion window of a session, in bytes: what one session may have in flight.
     * Default: 2 MiB.
     *
     * @throws IllegalArgumentException unless 4,096 to 1 GiB
     */
    public Builder maxWindowBytes(int maxWindowBytes) {
      this.maxWindowBytes = within("maxWindowBytes", maxWindowBytes, 4096, 1 << 30);
      return this;
    }

    /**
     * Sets the send and receive buffer size asked of the kernel for each session's socket, in bytes (the kernel may grant less).
     * Default: 1 MiB.
     *
     * @throws IllegalArgumentException unless 4,096 to 1 GiB
     */
    public Builder socketBufferBytes(int socketBufferBytes) {
      this.socketBufferBytes = within("socketBufferBytes", socketBufferBytes, 4096, 1 << 30);
      return this;
    }

    /**
     * Sets how many I/O threads a transport runs; sessions are spread over them.
     * Default: 1.
     *
     * @throws IllegalArgumentException unless 1 to 64
     */
    public Builder ioThreads(int ioThreads) {
      this.ioThreads = within("ioThreads", ioThreads, 1, 64);
      return this;
    }

    /** Makes the settings. */
    public UdpTransportOptions build() {
      return new UdpTransportOptions(this);
    }
  }
}
