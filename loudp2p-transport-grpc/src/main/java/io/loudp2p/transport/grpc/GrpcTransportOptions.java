package io.loudp2p.transport.grpc;

import org.jspecify.annotations.Nullable;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import static io.loudp2p.spi.SettingChecks.positive;
import static io.loudp2p.spi.SettingChecks.within;

import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportSettings;
import java.time.Duration;
import java.util.Objects;

/**
 * The settings of the gRPC transports, control and data alike, passed to a peer with {@code
 * Peer.builder().transport(GrpcTransportOptions.builder()...build())} or to a provider in {@link
 * io.loudp2p.spi.TransportOptions}.
 *
 * <pre>{@code
 * Peer peer = Peer.builder()
 *     .transport(GrpcTransportOptions.builder()
 *         .maxMessageBytes(4 << 20)
 *         .keepAliveTime(Duration.ofSeconds(20))
 *         .build())
 *     .build();
 * }</pre>
 *
 * <p>Immutable and thread-safe; equal when every setting is equal.
 */
public final class GrpcTransportOptions implements TransportSettings {
  /** The name of the providers (control and data) these settings are for. */
  public static final String NAME = "grpc";

  /** The artifact that brings the transport. */
  public static final String ARTIFACT = "io.loudp2p:loudp2p-transport-grpc";

  /** Default of {@link Builder#maxMessageBytes}: 1 MiB. */
  public static final int DEFAULT_MAX_MESSAGE_BYTES = TransportOptions.DEFAULT_MAX_MESSAGE_BYTES;

  /** Default of {@link Builder#maxConcurrentCallsPerPeer}: 64. */
  public static final int DEFAULT_MAX_CONCURRENT_CALLS_PER_PEER = 64;

  /** Default of {@link Builder#keepAliveTime}: 30 s. */
  public static final Duration DEFAULT_KEEP_ALIVE_TIME = Duration.ofSeconds(30);

  /** Default of {@link Builder#keepAliveTimeout}: 10 s. */
  public static final Duration DEFAULT_KEEP_ALIVE_TIMEOUT = Duration.ofSeconds(10);

  /** Default of {@link Builder#idleTimeout}: 2 min. */
  public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(2);

  /** Default of {@link Builder#openTimeout}: 10 s. */
  public static final Duration DEFAULT_OPEN_TIMEOUT = Duration.ofSeconds(10);

  /** Default of {@link Builder#dataHandshakeTimeout}: 10 s. */
  public static final Duration DEFAULT_DATA_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);

  /** Default of {@link Builder#dataStallTimeout}: 30 s. */
  public static final Duration DEFAULT_DATA_STALL_TIMEOUT = Duration.ofSeconds(30);

  /** Default of {@link Builder#relayReservations}: 128. */
  public static final int DEFAULT_RELAY_RESERVATIONS = 128;

  /** Most of {@link Builder#relayReservations}. */
  public static final int MAX_RELAY_RESERVATIONS = 4096;

  private static final GrpcTransportOptions DEFAULTS = builder().build();

  private final int maxMessageBytes;
  private final int maxConcurrentCallsPerPeer;
  private final Duration keepAliveTime;
  private final Duration keepAliveTimeout;
  private final Duration idleTimeout;
  private final Duration openTimeout;
  private final Duration dataHandshakeTimeout;
  private final Duration dataStallTimeout;
  private final @Nullable InetSocketAddress web;
  private final @Nullable Path webPage;
  private final int relayReservations;

  private GrpcTransportOptions(Builder b) {
    this.maxMessageBytes = b.maxMessageBytes;
    this.maxConcurrentCallsPerPeer = b.maxConcurrentCallsPerPeer;
    this.keepAliveTime = b.keepAliveTime;
    this.keepAliveTimeout = b.keepAliveTimeout;
    this.idleTimeout = b.idleTimeout;
    this.openTimeout = b.openTimeout;
    this.dataHandshakeTimeout = b.dataHandshakeTimeout;
    this.dataStallTimeout = b.dataStallTimeout;
    this.web = b.web;
    this.webPage = b.webPage;
    this.relayReservations = b.relayReservations;
  }

  /** The settings with every default. */
  public static GrpcTransportOptions defaults() {
    return DEFAULTS;
  }

  /** A builder with every default. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder that starts from these settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.maxMessageBytes = maxMessageBytes;
    b.maxConcurrentCallsPerPeer = maxConcurrentCallsPerPeer;
    b.keepAliveTime = keepAliveTime;
    b.keepAliveTimeout = keepAliveTimeout;
    b.idleTimeout = idleTimeout;
    b.openTimeout = openTimeout;
    b.dataHandshakeTimeout = dataHandshakeTimeout;
    b.dataStallTimeout = dataStallTimeout;
    b.web = web;
    b.webPage = webPage;
    b.relayReservations = relayReservations;
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

  /** The largest message a transport sends or accepts, in bytes; a larger request fails with {@link io.loudp2p.spi.ControlErrorCode#RESOURCE_EXHAUSTED}. */
  public int maxMessageBytes() {
    return maxMessageBytes;
  }

  /** The most concurrent calls one remote address may have with a server. */
  public int maxConcurrentCallsPerPeer() {
    return maxConcurrentCallsPerPeer;
  }

  /** The time between HTTP/2 keepalive pings on a connection. */
  public Duration keepAliveTime() {
    return keepAliveTime;
  }

  /** How long to wait for a keepalive answer before the connection counts as lost. */
  public Duration keepAliveTimeout() {
    return keepAliveTimeout;
  }

  /** How long an unused connection is kept before it is dropped (it is reopened when needed). */
  public Duration idleTimeout() {
    return idleTimeout;
  }

  /** How long a data session may take to be accepted by its source. */
  public Duration openTimeout() {
    return openTimeout;
  }

  /** How long a chunk stream may stay open before its first request brings a handshake the source accepts; then it is ended with {@code DEADLINE_EXCEEDED}. */
  public Duration dataHandshakeTimeout() {
    return dataHandshakeTimeout;
  }

  /** How long a source waits, with chunks to send, for a receiver that does not read (HTTP/2 flow control stays closed); then the stream is ended with {@code DEADLINE_EXCEEDED}. */
  public Duration dataStallTimeout() {
    return dataStallTimeout;
  }

  /**
   * Where the transport also serves the control methods over gRPC-Web for browsers (PROTOCOL.md
   * section 5, "gRPC-Web"), or null (the default) for nowhere.
   */
  public @Nullable InetSocketAddress web() {
    return web;
  }

  /**
   * The folder of the page served at the gRPC-Web address ({@code GET /} and {@code GET /NAME}),
   * or null (the default) for none.
   */
  public @Nullable Path webPage() {
    return webPage;
  }

  /**
   * How many peers behind NATs may hold a reservation at this peer's relay service at once
   * (PROTOCOL.md section 10); past it a reservation is refused with {@code RESOURCE_EXHAUSTED}
   * and words that say so. 0: this peer relays for no one.
   */
  public int relayReservations() {
    return relayReservations;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof GrpcTransportOptions other
        && maxMessageBytes == other.maxMessageBytes
        && maxConcurrentCallsPerPeer == other.maxConcurrentCallsPerPeer
        && keepAliveTime.equals(other.keepAliveTime)
        && keepAliveTimeout.equals(other.keepAliveTimeout)
        && idleTimeout.equals(other.idleTimeout)
        && openTimeout.equals(other.openTimeout)
        && dataHandshakeTimeout.equals(other.dataHandshakeTimeout)
        && dataStallTimeout.equals(other.dataStallTimeout)
        && Objects.equals(web, other.web) && Objects.equals(webPage, other.webPage)
        && relayReservations == other.relayReservations;
  }

  @Override
  public int hashCode() {
    return Objects.hash(maxMessageBytes, maxConcurrentCallsPerPeer, keepAliveTime,
        keepAliveTimeout, idleTimeout, openTimeout, dataHandshakeTimeout, dataStallTimeout, web,
        webPage, relayReservations);
  }

  @Override
  public String toString() {
    return "GrpcTransportOptions{maxMessageBytes=" + maxMessageBytes
        + ", maxConcurrentCallsPerPeer=" + maxConcurrentCallsPerPeer
        + ", keepAliveTime=" + keepAliveTime
        + ", keepAliveTimeout=" + keepAliveTimeout
        + ", idleTimeout=" + idleTimeout
        + ", openTimeout=" + openTimeout
        + ", dataHandshakeTimeout=" + dataHandshakeTimeout
        + ", dataStallTimeout=" + dataStallTimeout
        + ", web=" + web + ", webPage=" + webPage
        + ", relayReservations=" + relayReservations + "}";
  }

  /** Builds {@link GrpcTransportOptions}; not thread-safe. */
  public static final class Builder {
    private int maxMessageBytes = DEFAULT_MAX_MESSAGE_BYTES;
    private int maxConcurrentCallsPerPeer = DEFAULT_MAX_CONCURRENT_CALLS_PER_PEER;
    private Duration keepAliveTime = DEFAULT_KEEP_ALIVE_TIME;
    private Duration keepAliveTimeout = DEFAULT_KEEP_ALIVE_TIMEOUT;
    private Duration idleTimeout = DEFAULT_IDLE_TIMEOUT;
    private Duration openTimeout = DEFAULT_OPEN_TIMEOUT;
    private Duration dataHandshakeTimeout = DEFAULT_DATA_HANDSHAKE_TIMEOUT;
    private Duration dataStallTimeout = DEFAULT_DATA_STALL_TIMEOUT;
    private @Nullable InetSocketAddress web;
    private @Nullable Path webPage;
    private int relayReservations = DEFAULT_RELAY_RESERVATIONS;

    private Builder() {}

    /**
     * Sets the largest message a transport sends or accepts, in bytes; a larger request fails with {@link io.loudp2p.spi.ControlErrorCode#RESOURCE_EXHAUSTED}.
     * Default: 1 MiB.
     *
     * @throws IllegalArgumentException unless 1 to {@link TransportOptions#MAX_MAX_MESSAGE_BYTES}
     */
    public Builder maxMessageBytes(int maxMessageBytes) {
      this.maxMessageBytes = within("maxMessageBytes", maxMessageBytes, 1, TransportOptions.MAX_MAX_MESSAGE_BYTES);
      return this;
    }

    /**
     * Sets the most concurrent calls one remote address may have with a server.
     * Default: 64.
     *
     * @throws IllegalArgumentException unless 1 to 2^16
     */
    public Builder maxConcurrentCallsPerPeer(int maxConcurrentCallsPerPeer) {
      this.maxConcurrentCallsPerPeer = within("maxConcurrentCallsPerPeer", maxConcurrentCallsPerPeer, 1, 1 << 16);
      return this;
    }

    /**
     * Sets the time between HTTP/2 keepalive pings on a connection.
     * Default: 30 s.
     *
     * @throws IllegalArgumentException unless positive and at most a day
     */
    public Builder keepAliveTime(Duration keepAliveTime) {
      this.keepAliveTime = positive("keepAliveTime", keepAliveTime);
      return this;
    }

    /**
     * Sets how long to wait for a keepalive answer before the connection counts as lost.
     * Default: 10 s.
     *
     * @throws IllegalArgumentException unless positive and at most a day
     */
    public Builder keepAliveTimeout(Duration keepAliveTimeout) {
      this.keepAliveTimeout = positive("keepAliveTimeout", keepAliveTimeout);
      return this;
    }

    /**
     * Sets how long an unused connection is kept before it is dropped (it is reopened when needed).
     * Default: 2 min.
     *
     * @throws IllegalArgumentException unless positive and at most a day
     */
    public Builder idleTimeout(Duration idleTimeout) {
      this.idleTimeout = positive("idleTimeout", idleTimeout);
      return this;
    }

    /**
     * Sets how long a data session may take to be accepted by its source.
     * Default: 10 s.
     *
     * @throws IllegalArgumentException unless positive and at most a day
     */
    public Builder openTimeout(Duration openTimeout) {
      this.openTimeout = positive("openTimeout", openTimeout);
      return this;
    }

    /**
     * Sets how long a chunk stream may stay open before its first request brings a handshake the source accepts; then it is ended with {@code DEADLINE_EXCEEDED}.
     * Default: 10 s.
     *
     * @throws IllegalArgumentException unless positive and at most a day
     */
    public Builder dataHandshakeTimeout(Duration dataHandshakeTimeout) {
      this.dataHandshakeTimeout = positive("dataHandshakeTimeout", dataHandshakeTimeout);
      return this;
    }

    /**
     * Sets how long a source waits, with chunks to send, for a receiver that does not read (HTTP/2 flow control stays closed); then the stream is ended with {@code DEADLINE_EXCEEDED}.
     * Default: 30 s.
     *
     * @throws IllegalArgumentException unless positive and at most a day
     */
    public Builder dataStallTimeout(Duration dataStallTimeout) {
      this.dataStallTimeout = positive("dataStallTimeout", dataStallTimeout);
      return this;
    }

    /**
     * Serves the control methods over gRPC-Web at {@code address} too (port 0: a free one), over
     * plain HTTP/1.1 with CORS, so that a page in a browser can exchange peers, search, fetch
     * manifests and open streams; the peer logs where it serves. Default: nowhere.
     */
    public Builder web(InetSocketAddress address) {
      this.web = Objects.requireNonNull(address, "address");
      return this;
    }

    /**
     * Serves the files of {@code folder} at the gRPC-Web address too: {@code GET /} answers its
     * {@code index.html}, {@code GET /NAME} the file {@code NAME} (a plain name: no folders), so
     * that a page and the calls it makes share one origin. Only has an effect with {@link #web}.
     * Default: no page.
     */
    public Builder webPage(Path folder) {
      this.webPage = Objects.requireNonNull(folder, "folder");
      return this;
    }

    /**
     * Sets how many peers behind NATs may hold a reservation at this peer's relay service at
     * once; 0 relays for no one (every reservation is refused, with words that say so).
     * Default: 128.
     *
     * @throws IllegalArgumentException unless 0 to {@link #MAX_RELAY_RESERVATIONS}
     */
    public Builder relayReservations(int relayReservations) {
      this.relayReservations = within("relayReservations", relayReservations, 0,
          MAX_RELAY_RESERVATIONS);
      return this;
    }

    /** Makes the settings. */
    public GrpcTransportOptions build() {
      return new GrpcTransportOptions(this);
    }
  }
}
