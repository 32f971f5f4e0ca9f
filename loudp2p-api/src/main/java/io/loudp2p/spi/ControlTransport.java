package io.loudp2p.spi;

import io.loudp2p.PeerId;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Moves opaque, already signed envelope bytes between peers: unary request/response, a
 * server-streamed response, and the server side that answers both.
 *
 * <p>The transport never looks inside the bytes; signing, verifying and parsing happen above it. It
 * routes each request by the {@link ControlMethod} the caller names, and the remote handler
 * receives that method unchanged.
 *
 * <p>Sizes: a request larger than the transport's message size limit (for gRPC, {@code GrpcTransportOptions.maxMessageBytes}) fails with {@link
 * ControlErrorCode#RESOURCE_EXHAUSTED}, whose message names {@code TOO_LARGE}: at the caller when
 * it exceeds the caller's limit, and at the server, without reaching its handler, when it exceeds
 * the server's.
 *
 * <p>Thread-safe: every method may be called from any thread. Returned futures complete on a
 * transport thread or the configured {@link TransportOptions#callbackExecutor()}; an in-process
 * transport may complete them on the calling thread before the call returns, so dependent stages
 * must not assume a thread. A future that is cancelled cancels the request at the remote side on a
 * best effort basis.
 *
 * <p>Lifecycle: created by a {@link ControlTransportProvider}, used, then closed exactly once by
 * its owner. {@link #close()} is idempotent: it closes every server opened by {@link #listen},
 * fails outstanding calls with {@link ControlErrorCode#UNAVAILABLE}, and later calls fail the
 * same way (returned futures, not thrown exceptions).
 */
public interface ControlTransport extends AutoCloseable {
  /**
   * Sends one request and waits for one response.
   *
   * @param endpoint the peer's control address
   * @param method the method called; a unary one ({@link ControlMethod#streaming()} false)
   * @param request the envelope bytes, not copied: the caller must not change them afterwards
   * @param deadline how long the whole exchange may take; positive
   * @return the response bytes, or exceptionally a {@link ControlException} (the responder's code,
   *     or {@link ControlErrorCode#UNAVAILABLE} when the peer cannot be reached) or a {@link
   *     java.util.concurrent.TimeoutException} when the deadline passes
   * @throws IllegalArgumentException if the deadline is not positive or the method streams
   */
  CompletableFuture<byte[]> call(
      InetSocketAddress endpoint, ControlMethod method, byte[] request, Duration deadline);

  /**
   * Sends one request and receives a stream of responses (search hits).
   *
   * <p>{@code onResponse} is called once per response, in order, never concurrently, on a
   * transport thread; it must not block. It is not called after the returned future completes.
   *
   * @param method the method called; a streaming one ({@link ControlMethod#streaming()} true)
   * @return a future that completes normally after the last response, or exceptionally like
   *     {@link #call}; cancelling it ends the stream
   * @throws IllegalArgumentException if the deadline is not positive or the method is unary
   */
  CompletableFuture<Void> callStreaming(InetSocketAddress endpoint, ControlMethod method,
      byte[] request, Duration deadline, Consumer<byte[]> onResponse);

  /**
   * Sends one request as {@link #call(InetSocketAddress, ControlMethod, byte[], Duration)} does,
   * to the peer expected at {@code endpoint}: a transport that authenticates its connections
   * refuses one to another peer, failing the call with {@link ControlErrorCode#UNAUTHENTICATED}
   * (the message names both peers). The default ignores {@code peer}.
   *
   * @param peer the peer expected there, or null for any (a first contact at a bare address)
   */
  default CompletableFuture<byte[]> call(InetSocketAddress endpoint, @Nullable PeerId peer,
      ControlMethod method, byte[] request, Duration deadline) {
    return call(endpoint, method, request, deadline);
  }

  /**
   * Sends one request and receives a stream of responses, as {@link #callStreaming(
   * InetSocketAddress, ControlMethod, byte[], Duration, Consumer)} does, to the peer expected at
   * {@code endpoint} (see {@link #call(InetSocketAddress, PeerId, ControlMethod, byte[],
   * Duration)}). The default ignores {@code peer}.
   */
  default CompletableFuture<Void> callStreaming(InetSocketAddress endpoint, @Nullable PeerId peer,
      ControlMethod method, byte[] request, Duration deadline, Consumer<byte[]> onResponse) {
    return callStreaming(endpoint, method, request, deadline, onResponse);
  }

  /**
   * Starts answering requests at {@code address} (port 0 picks a free port).
   *
   * @return the server once it is bound, or exceptionally a {@link ControlException} with {@link
   *     ControlErrorCode#UNAVAILABLE} when the address cannot be bound
   */
  CompletableFuture<TransportServer> listen(InetSocketAddress address, ControlHandler handler);

  /**
   * Releases any connection kept to {@code endpoint}, for a peer that went away; a later call to it
   * connects again. Calls in flight to it fail. The default keeps no connections and does nothing.
   */
  default void disconnect(InetSocketAddress endpoint) {}

  /**
   * Starts connecting to {@code endpoint} ahead of a call, so that a call made soon after does not
   * wait for the connection's handshakes; nothing is sent above the transport, and a connection
   * left unused is closed as the transport closes idle ones. The default, for transports that keep
   * no connections, does nothing.
   */
  default void connect(InetSocketAddress endpoint) {}

  /** Starts connecting to the peer expected at {@code endpoint}; the default ignores the peer. */
  default void connect(InetSocketAddress endpoint, @Nullable PeerId peer) {
    connect(endpoint);
  }

  /**
   * Keeps a reservation at the relay {@code relayPeer} at {@code relay} (PROTOCOL.md section 10),
   * so that peers that cannot dial this one reach it through the relay: each relayed connection
   * is joined to the one of {@code servers} (this peer's servers that speak gRPC over TLS: its
   * control server, its chunk server) whose port the dialler named. The default, for transports
   * without relays, refuses.
   *
   * @return the reservation once the relay granted it, or exceptionally a {@link
   *     ControlException} that says why not (no relay there, the relay is full, no TLS)
   * @since 0.1.0
   */
  default CompletableFuture<RelayReservation> reserve(InetSocketAddress relay, PeerId relayPeer,
      Collection<InetSocketAddress> servers) {
    return CompletableFuture.failedFuture(new ControlException(ControlErrorCode.UNAVAILABLE,
        "this transport has no relays"));
  }

  /**
   * From now on, calls that expect {@code peer}, at whichever of its endpoints, reach it through
   * the relay service of {@code relayPeer} at {@code relay} (PROTOCOL.md section 10), which joins
   * them to the peer's server at the endpoint's port; they are authenticated and sealed end to
   * end as direct ones are. {@code relayPeer} null forgets the route. The same route given again
   * changes nothing: calls under way through it go on. The default, for transports without
   * relays, ignores it.
   *
   * @since 0.1.0
   */
  default void routeThroughRelay(PeerId peer, InetSocketAddress relay,
      @Nullable PeerId relayPeer) {}

  /**
   * What this transport's relay service did for peers behind NATs since the transport was made
   * (PROTOCOL.md section 10): {@code reservations} held now, {@code connections} relayed, {@code
   * bytes} relayed (both ways together), and reservations and connections {@code refused} past a
   * limit. Every key from the start, zero until its first count; empty for a transport without a
   * relay service (the default).
   *
   * @since 0.1.0
   */
  default java.util.Map<String, Long> relayCounts() {
    return java.util.Map.of();
  }

  /** Closes this transport and everything it opened; idempotent and never throws. */
  @Override
  void close();
}
