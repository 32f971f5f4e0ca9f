package io.loudp2p.spi;

/**
 * The control method a request is sent to: the methods of the {@code loudp2p.v1.Loudp2p} service
 * that carry signed envelopes (PROTOCOL.md, section 5), each either unary or server-streaming.
 *
 * <p>A {@link ControlTransport} routes a request by its method alone (gRPC: to the method of that
 * name) and hands the method to the remote {@link ControlHandler} unchanged; it never reads the
 * request to find it. Whether the request's body fits the method is for the handler to decide, once
 * it checked the signature.
 */
public enum ControlMethod {
  /** {@code ExchangePeers}: a peer exchange in, a peer exchange out. */
  EXCHANGE_PEERS("ExchangePeers", false),
  /** {@code Search}: a search query in, a stream of search hits out. */
  SEARCH("Search", true),
  /** {@code GetManifest}: a manifest request in, a manifest response out. */
  GET_MANIFEST("GetManifest", false),
  /** {@code OpenStream}: a stream open in, a stream accept out. */
  OPEN_STREAM("OpenStream", false),
  /** {@code Shuffle}: a shuffle in, a shuffle out. */
  SHUFFLE("Shuffle", false),
  /** {@code AnnounceRole}: a role change in, a role change out. */
  ANNOUNCE_ROLE("AnnounceRole", false),
  /** {@code CheckReachability}: a reachability check in, a reachability result out. */
  CHECK_REACHABILITY("CheckReachability", false),
  /** {@code ListTracks}: a page request in, a page of the tracks a peer shares out. */
  LIST_TRACKS("ListTracks", false);

  private final String wireName;
  private final boolean streaming;

  ControlMethod(String wireName, boolean streaming) {
    this.wireName = wireName;
    this.streaming = streaming;
  }

  /** The method's name in the service definition, such as {@code "GetManifest"}. */
  public String wireName() {
    return wireName;
  }

  /**
   * Whether the method answers with a stream of responses ({@link ControlTransport#callStreaming})
   * rather than exactly one ({@link ControlTransport#call}).
   */
  public boolean streaming() {
    return streaming;
  }
}
