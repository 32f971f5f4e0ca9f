package io.loudp2p.spi;

/**
 * How a data transport takes part in the signed stream messages (PROTOCOL.md section 4): the
 * number that names it in a {@code StreamOpen}'s offer and a {@code StreamAccept}'s choice, where
 * it stands in the offer, and what the two messages carry for it. The core decides what to offer
 * and what to accept from these descriptions alone, so a transport module brings a new data path
 * without any change to the core.
 *
 * <p>What the messages carry follows from two choices:
 *
 * <ul>
 *   <li>{@link AcceptEndpoint#SESSION}: the source prepares each session with {@link
 *       DataServer#prepare}; the accept carries the {@link DataOffer}'s endpoint in its
 *       per-session endpoint field ({@code udp_endpoint}) and, with {@link #sessionKeys()}, the
 *       offer's key in {@code ephemeral_public_key}, while the receiver's key from {@link
 *       DataTransport#prepare} travels in the open's {@code ephemeral_public_key}.
 *   <li>{@link AcceptEndpoint#SERVER}: the accept carries the address of the source's {@link
 *       DataServer} in {@code data_endpoint}; nothing is prepared and no key is exchanged.
 * </ul>
 *
 * <p>A {@link #fallback()} transport is also a second path: whenever the receiver offered it and
 * the source serves it, its server's address is in {@code data_endpoint} even when the source
 * chose another transport, and a receiver that cannot reach the chosen one opens the same session
 * there (gRPC chunk streams are the fallback of UDP).
 *
 * <p>Immutable and thread-safe; equal when every part is equal.
 */
public final class DataTransportDescriptor {
  /** Where a {@code StreamAccept} that chose this transport tells the receiver to go. */
  public enum AcceptEndpoint {
    /** An endpoint of the session's own, from {@link DataServer#prepare}. */
    SESSION,
    /** The address of the source's data server, the same for every session. */
    SERVER
  }

  /** The lowest {@link #preference()}. */
  public static final int MIN_PREFERENCE = 0;

  /** The highest {@link #preference()}. */
  public static final int MAX_PREFERENCE = 10;

  private final int wireKind;
  private final int preference;
  private final AcceptEndpoint acceptEndpoint;
  private final boolean sessionKeys;
  private final boolean fallback;

  private DataTransportDescriptor(Builder b) {
    this.wireKind = b.wireKind;
    this.preference = b.preference;
    this.acceptEndpoint = b.acceptEndpoint;
    this.sessionKeys = b.sessionKeys;
    this.fallback = b.fallback;
  }

  /**
   * A builder for a transport named {@code wireKind} on the wire: by default of preference 5,
   * with a {@link AcceptEndpoint#SERVER} endpoint, no session keys and not a fallback.
   *
   * @param wireKind the transport's number in the {@code TransportKind} enumeration of the
   *     protocol (1 is gRPC chunk streams, 2 the UDP data plane; 0 means unspecified and is
   *     refused)
   * @throws IllegalArgumentException unless {@code wireKind} is positive
   */
  public static Builder builder(int wireKind) {
    return new Builder(wireKind);
  }

  /** The transport's number in the protocol's {@code TransportKind} enumeration. */
  public int wireKind() {
    return wireKind;
  }

  /**
   * Where the transport stands in this peer's offers, from {@link #MIN_PREFERENCE} to {@link
   * #MAX_PREFERENCE}: transports are offered most preferred first (ties in the order the registry
   * lists their providers), and a source takes the first offered one it serves.
   */
  public int preference() {
    return preference;
  }

  /** Where an accept that chose this transport names the endpoint to open the session at. */
  public AcceptEndpoint acceptEndpoint() {
    return acceptEndpoint;
  }

  /**
   * Whether a session exchanges ephemeral keys in the signed messages: the open carries the
   * receiver's key from {@link DataTransport#prepare}, the accept the source's key from its
   * {@link DataOffer}. Only a {@link AcceptEndpoint#SESSION} transport has them.
   */
  public boolean sessionKeys() {
    return sessionKeys;
  }

  /**
   * Whether the transport is the fallback path: announced in every accept where it was offered
   * and is served, for the receiver to use when the chosen transport cannot reach the source.
   * Only a {@link AcceptEndpoint#SERVER} transport without session keys can be one.
   */
  public boolean fallback() {
    return fallback;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DataTransportDescriptor other && wireKind == other.wireKind
        && preference == other.preference && acceptEndpoint == other.acceptEndpoint
        && sessionKeys == other.sessionKeys && fallback == other.fallback;
  }

  @Override
  public int hashCode() {
    int h = wireKind;
    h = 31 * h + preference;
    h = 31 * h + acceptEndpoint.hashCode();
    h = 31 * h + (sessionKeys ? 1 : 0);
    return 31 * h + (fallback ? 1 : 0);
  }

  @Override
  public String toString() {
    return "DataTransportDescriptor{kind=" + wireKind + ", preference=" + preference
        + ", endpoint=" + acceptEndpoint + (sessionKeys ? ", sessionKeys" : "")
        + (fallback ? ", fallback" : "") + "}";
  }

  /** Builds a {@link DataTransportDescriptor}; not thread-safe. */
  public static final class Builder {
    private final int wireKind;
    private int preference = 5;
    private AcceptEndpoint acceptEndpoint = AcceptEndpoint.SERVER;
    private boolean sessionKeys;
    private boolean fallback;

    private Builder(int wireKind) {
      if (wireKind < 1) {
        throw new IllegalArgumentException("a wire kind is positive (0 is unspecified): " + wireKind);
      }
      this.wireKind = wireKind;
    }

    /**
     * Sets where the transport stands in offers.
     *
     * @throws IllegalArgumentException unless {@link #MIN_PREFERENCE} to {@link #MAX_PREFERENCE}
     */
    public Builder preference(int preference) {
      if (preference < MIN_PREFERENCE || preference > MAX_PREFERENCE) {
        throw new IllegalArgumentException("preference must be " + MIN_PREFERENCE + ".."
            + MAX_PREFERENCE + ", got " + preference);
      }
      this.preference = preference;
      return this;
    }

    /** The accept names an endpoint of the session's own, from {@link DataServer#prepare}. */
    public Builder sessionEndpoint() {
      this.acceptEndpoint = AcceptEndpoint.SESSION;
      return this;
    }

    /**
     * The open and the accept carry each side's ephemeral key; implies {@link #sessionEndpoint()}.
     */
    public Builder sessionKeys() {
      this.sessionKeys = true;
      return sessionEndpoint();
    }

    /** The transport is also the fallback path (see {@link DataTransportDescriptor#fallback()}). */
    public Builder fallback() {
      this.fallback = true;
      return this;
    }

    /**
     * Makes the descriptor.
     *
     * @throws IllegalStateException when a fallback has a session endpoint or session keys: a
     *     fallback is announced at its server's address and opened without a key
     */
    public DataTransportDescriptor build() {
      if (fallback && acceptEndpoint != AcceptEndpoint.SERVER) {
        throw new IllegalStateException(
            "a fallback transport is announced at its server's address, not a session endpoint");
      }
      return new DataTransportDescriptor(this);
    }
  }
}
