package io.loudp2p.spi;

import io.loudp2p.PeerId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * Carries chunk fragments of stream sessions between receivers and sources.
 *
 * <p>A fragment carries at most {@link #MAX_FRAGMENT_PAYLOAD} bytes of chunk data, so that it fits
 * one datagram on any path. Encryption, pacing, congestion control and loss detection, where the
 * transport has them, are its own business; above it only the want list and fragments are seen.
 *
 * <p>Listener callbacks ({@link DataSession.Listener}) run on the transport's threads, which serve
 * many sessions at once: they must not block.
 *
 * <p>How a transport appears in the signed stream messages is described by its provider's {@link
 * DataTransportProvider#descriptor()}.
 *
 * <p>Thread-safe. Lifecycle: created by a {@link DataTransportProvider}, closed exactly once by its
 * owner. {@link #close()} is idempotent: it closes every server (ending their sessions at the
 * receivers with {@link DataSession.CloseReason#SOURCE_CLOSED}) and every session opened here
 * ({@link DataSession.CloseReason#LOCAL_CLOSE}); later calls return failed futures.
 */
public interface DataTransport extends AutoCloseable {
  /** The largest number of chunk bytes in one fragment. */
  int MAX_FRAGMENT_PAYLOAD = 1200;

  /**
   * Opens a data session to a source.
   *
   * @param source the source's data address
   * @param id the session ID agreed on the control plane
   * @param handshake opaque bytes the source's {@link ChunkProvider#accept} sees (keys, tokens)
   * @param listener receives fragments and the end of the session, on the transport's thread: its
   *     callbacks must not block
   * @return the session once the source accepted it; exceptionally with a {@link
   *     ControlException} ({@link ControlErrorCode#UNAUTHENTICATED} when refused, {@link
   *     ControlErrorCode#UNAVAILABLE} when unreachable)
   */
  CompletableFuture<DataSession> open(
      InetSocketAddress source, DataSessionId id, byte[] handshake, DataSession.Listener listener);

  /**
   * Receiver side, before the stream initiation is signed: prepares session {@code id} and returns
   * this side's ephemeral public key to announce in it (see {@link DataServer}). Called only for
   * transports whose {@link DataTransportDescriptor#sessionKeys()} holds, on the thread that opens
   * the stream. The default, for transports without session keys, returns an empty array.
   */
  default byte[] prepare(DataSessionId id) {
    return new byte[0];
  }

  /**
   * Binds now the socket of session {@code id}, prepared with {@link #prepare(DataSessionId)}, and
   * returns its local port, so that the stream initiation can name where this receiver will be
   * heard from outside, for a source behind a NAT to probe (hole punching, {@link
   * DataServer#prepare(DataSessionId, byte[], java.util.List)}). A session bound so is opened as a
   * punched one: its source may answer from another address than the one {@code open} names (its
   * NAT chose the port), and the first datagram from the source that authenticates fixes where the
   * session sends. The default, for transports without a socket per session, binds nothing and
   * returns 0.
   *
   * @param heardAt the address others see this host at, for its address family
   * @throws ControlException {@link ControlErrorCode#MALFORMED} when {@code id} was not prepared,
   *     {@link ControlErrorCode#UNAVAILABLE} when no socket can be bound
   */
  default int bindForPunching(DataSessionId id, java.net.InetAddress heardAt) {
    return 0;
  }

  /**
   * Releases at once what {@link #prepare(DataSessionId)} and {@link #bindForPunching} keep for
   * session {@code id} (its key, its socket), which will not be opened on this transport: the
   * source chose another, or the stream initiation failed. Otherwise they are released only when
   * the prepared session expires. Nothing for an unknown or opened session; the default does
   * nothing.
   */
  default void forget(DataSessionId id) {}

  /**
   * Opens a prepared data session with the source's {@link DataOffer}: called with the endpoint
   * and the key from the source's accept when the transport's descriptor names a {@link
   * DataTransportDescriptor.AcceptEndpoint#SESSION} endpoint. The default, for
   * transports without session keys, ignores the key and calls {@link #open(InetSocketAddress,
   * DataSessionId, byte[], DataSession.Listener)}.
   *
   * @param sourceKey the source's ephemeral public key from its {@link DataOffer}
   */
  default CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
      byte[] handshake, byte[] sourceKey, DataSession.Listener listener) {
    return open(source, id, handshake, listener);
  }

  /**
   * Opens a prepared data session as {@link #open(InetSocketAddress, DataSessionId, byte[],
   * byte[], DataSession.Listener)} does, and asks for {@code firstWants} in the opening itself,
   * where the transport can: a source that may answer before the open completes then sends them a
   * round trip sooner (the UDP transport, PROTOCOL.md section 8, "Early requests"). Fragments of
   * them may reach the listener as soon as the returned future completes. The caller requests
   * them again once open, as any chunk; a repeated want of a chunk under way costs nothing. The
   * default ignores {@code firstWants}.
   *
   * @param firstWants chunk indexes, at most a few (not copied)
   */
  default CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
      byte[] handshake, byte[] sourceKey, int[] firstWants, DataSession.Listener listener) {
    return open(source, id, handshake, sourceKey, listener);
  }

  /**
   * Starts serving chunks from {@code provider} at {@code address} (port 0 picks a free port).
   *
   * @return the server once bound
   */
  CompletableFuture<DataServer> serve(InetSocketAddress address, ChunkProvider provider);

  /**
   * Asks each of {@code observers} (the data addresses other peers announce in their records)
   * which address one new socket of this transport speaks from, as they see it, and waits at most
   * {@code within} for their answers: how a peer learns its public mapping and what kind of NAT it
   * is behind (see {@link AddressObservation}). Every observer is asked from the same socket,
   * which is closed when the answer completes. The default, for transports that have no such
   * exchange, fails with {@link ControlErrorCode#UNAVAILABLE}.
   *
   * @return the observation once every observer answered or {@code within} passed; never fails
   *     because an observer is silent
   */
  default CompletableFuture<AddressObservation> observe(List<InetSocketAddress> observers,
      Duration within) {
    return CompletableFuture.failedFuture(new ControlException(ControlErrorCode.UNAVAILABLE,
        "this data transport cannot ask others to observe its address"));
  }

  /**
   * How many datagrams (or messages) this transport dropped since it was made, by reason (the
   * names are the transport's own, in upper case): every reason it counts, zero until the first
   * drop, so the names are fixed once the transport is made; empty for a transport that drops
   * nothing on its own.
   */
  default java.util.Map<String, Long> dropCounts() {
    return java.util.Map.of();
  }

  /**
   * From now on, sessions this transport opens with the source at {@code source} reach {@code
   * peer} there through the relay service of {@code relayPeer} at {@code relay} (PROTOCOL.md
   * section 10), joined to the peer's server at {@code source}'s port, as {@link
   * ControlTransport#routeThroughRelay} does for control calls; {@code relayPeer} null forgets the
   * route. The same route given again changes nothing: sessions open through it stay open. The
   * default, for transports that cannot use relays (datagrams), ignores it.
   *
   * @since 0.1.0
   */
  default void routeThroughRelay(InetSocketAddress source, PeerId peer, InetSocketAddress relay,
      @Nullable PeerId relayPeer) {}

  /** Closes this transport and everything it opened; idempotent and never throws. */
  @Override
  void close();
}
