package io.loudp2p.spi;

/**
 * The source's end of a {@link DataTransport}: serves the sessions its {@link ChunkProvider}
 * accepts.
 *
 * <p>A session is set up in three steps, so that every key and address is carried inside the
 * signed stream-initiation messages: the receiver calls {@link DataTransport#prepare} and sends
 * the key it returns; the source calls {@link #prepare(DataSessionId, byte[])} with it and sends
 * back the {@link DataOffer}; the receiver calls {@link DataTransport#open(java.net.InetSocketAddress,
 * DataSessionId, byte[], byte[], DataSession.Listener)} with the offer's endpoint and key.
 * Which of these steps a transport takes is what its {@link DataTransportDescriptor} says: the
 * source calls {@link #prepare} only for a transport with a {@link
 * DataTransportDescriptor.AcceptEndpoint#SESSION} endpoint, and keys travel only for one with
 * {@link DataTransportDescriptor#sessionKeys()}; a transport with a {@link
 * DataTransportDescriptor.AcceptEndpoint#SERVER} endpoint is announced at {@link #address()}.
 *
 * <p>Thread-safe: {@link #prepare} is called on the control transport's threads, for many
 * sessions at once. Lifecycle: made by {@link DataTransport#serve}, closed once by its owner (or
 * with its transport).
 */
public interface DataServer extends TransportServer {
  /**
   * Prepares to serve session {@code id} for a receiver that announced {@code receiverKey}; a
   * transport with per-session sockets binds one here. Called for transports whose descriptor
   * names a {@link DataTransportDescriptor.AcceptEndpoint#SESSION} endpoint; the default, for
   * the others, announces this server's address and an empty key. What was prepared and never opened is
   * released after a while (each transport documents how long).
   *
   * @param id the session ID from the stream initiation
   * @param receiverKey the receiver's ephemeral public key from the stream initiation (may be
   *     empty for transports that need none)
   * @return what to announce to the receiver
   * @throws ControlException {@link ControlErrorCode#MALFORMED} when the key is not valid for this
   *     transport, {@link ControlErrorCode#RESOURCE_EXHAUSTED} when no more sessions can be prepared
   */
  default DataOffer prepare(DataSessionId id, byte[] receiverKey) {
    return new DataOffer(address(), new byte[0]);
  }

  /**
   * {@link #prepare(DataSessionId, byte[])} for a receiver that cannot be reached before it sent
   * something itself (it is behind a NAT, and so may be this peer): the session's socket also
   * sends a few small authenticated probes to {@code punchTo}, the addresses at which the
   * receiver said its session socket will be heard from outside, until the receiver's first
   * datagram arrives, so that the NATs on the way let the two sockets' datagrams through (hole
   * punching; PROTOCOL.md section 8 gives the UDP transport's schedule). The default ignores
   * {@code punchTo}: a transport without sockets of its own per session cannot punch.
   *
   * @param punchTo where to probe; at most a few are used (each transport says how many)
   */
  default DataOffer prepare(DataSessionId id, byte[] receiverKey,
      java.util.List<java.net.InetSocketAddress> punchTo) {
    return prepare(id, receiverKey);
  }
}
