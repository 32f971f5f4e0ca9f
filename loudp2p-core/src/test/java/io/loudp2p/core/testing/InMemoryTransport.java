package io.loudp2p.core.testing;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * One peer's end of an {@link InMemoryNetwork}: both a {@link ControlTransport} and a {@link
 * DataTransport}, on the host address 127.0.0.N the network gave it.
 *
 * <p>Control requests and responses are copied as they cross, as bytes on a wire would be. Data
 * sources send one fragment of at most {@link DataTransport#MAX_FRAGMENT_PAYLOAD} bytes per network
 * task, so cancels and closes interleave with a transfer the way they would on a paced link.
 * Callbacks run on whichever thread runs the network's queue, one at a time; an exception thrown
 * by a callback is logged and swallowed. {@link TransportOptions#callbackExecutor()} is not used.
 * The control plane passes {@link AbstractControlTransportTest}, as the gRPC transport does: its
 * message size limit holds for the requests it sends and for those it serves.
 *
 * <p>This class checks arguments and wires the parts together: {@link InMemoryExchange} and
 * {@link InMemoryResponder} carry a call, {@link InMemoryControlServer} and {@link
 * InMemoryDataServer} serve, {@link InMemoryReceiverSession} and {@link InMemorySourceSession} are
 * the two ends of a data session, and {@link InMemoryTransportState} keeps what is open until
 * {@link #close()}.
 *
 * <p>Thread-safe. Made by {@link InMemoryNetwork#newTransport()}; {@link #close()} is idempotent.
 */
public final class InMemoryTransport implements ControlTransport, DataTransport {
  private final InMemoryTransportState state;

  InMemoryTransport(InMemoryNetwork network, InetAddress host, int maxMessageBytes) {
    this.state = new InMemoryTransportState(network, host, maxMessageBytes);
  }

  /** The host address this transport binds and calls from. */
  public InetAddress host() {
    return state.host();
  }

  /** The address remote handlers see as this transport's requests' origin. */
  public InetSocketAddress clientAddress() {
    return state.clientAddress();
  }

  /** The network this transport is on. */
  public InMemoryNetwork network() {
    return state.network();
  }

  // ---------------------------------------------------------------- control plane

  @Override
  public CompletableFuture<byte[]> call(
      InetSocketAddress endpoint, ControlMethod method, byte[] request, Duration deadline) {
    if (method.streaming()) {
      throw new IllegalArgumentException(method + " streams; use callStreaming");
    }
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    InMemoryExchange exchange =
        new InMemoryExchange(state, method, result, response -> result.complete(response));
    exchange.start(endpoint, request, deadline);
    return result;
  }

  @Override
  public CompletableFuture<Void> callStreaming(InetSocketAddress endpoint, ControlMethod method,
      byte[] request, Duration deadline, Consumer<byte[]> onResponse) {
    Objects.requireNonNull(onResponse, "onResponse");
    if (!method.streaming()) {
      throw new IllegalArgumentException(method + " is unary; use call");
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    InMemoryExchange exchange = new InMemoryExchange(state, method, result, onResponse);
    exchange.start(endpoint, request, deadline);
    return result;
  }

  @Override
  public CompletableFuture<TransportServer> listen(
      InetSocketAddress address, ControlHandler handler) {
    Objects.requireNonNull(handler, "handler");
    InMemoryControlServer server = new InMemoryControlServer(state, handler);
    try {
      state.bind(address, server);
    } catch (ControlException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(server);
  }

  // ---------------------------------------------------------------- data plane

  @Override
  public CompletableFuture<DataSession> open(
      InetSocketAddress source, DataSessionId id, byte[] handshake, DataSession.Listener listener) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(listener, "listener");
    CompletableFuture<DataSession> result = new CompletableFuture<>();
    InMemoryReceiverSession session = new InMemoryReceiverSession(state, source, id, listener);
    if (state.isClosed()) {
      return CompletableFuture.failedFuture(InMemoryTransportState.transportClosed());
    }
    byte[] wire = handshake.clone();
    InMemoryNetwork network = state.network();
    network.enqueue(
        () -> {
          InMemoryDataServer server = network.dataServer(source);
          if (server == null) {
            result.completeExceptionally(
                new ControlException(ControlErrorCode.UNAVAILABLE, "no data source at " + source));
            return;
          }
          InMemorySourceSession peer = server.accept(session, wire);
          if (peer == null) {
            result.completeExceptionally(
                new ControlException(
                    ControlErrorCode.UNAUTHENTICATED, "source refused session " + id));
            return;
          }
          session.connect(peer);
          if (!state.addSession(session)) {
            peer.end(null);
            result.completeExceptionally(InMemoryTransportState.transportClosed());
            return;
          }
          result.complete(session);
        });
    return result;
  }

  @Override
  public CompletableFuture<DataServer> serve(InetSocketAddress address, ChunkProvider provider) {
    Objects.requireNonNull(provider, "provider");
    InMemoryDataServer server = new InMemoryDataServer(state, provider);
    try {
      state.bind(address, server);
    } catch (ControlException e) {
      return CompletableFuture.failedFuture(e);
    }
    return CompletableFuture.completedFuture(server);
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public void close() {
    state.close();
  }

  /** Records the endpoint: an in-memory network has no connections to make ahead. */
  @Override
  public void connect(InetSocketAddress endpoint) {
    connectsAsked.add(endpoint);
  }

  /** The endpoints {@link #connect} was asked for, in order. */
  public java.util.List<InetSocketAddress> connectsAsked() {
    return java.util.List.copyOf(connectsAsked);
  }

  private final java.util.List<InetSocketAddress> connectsAsked =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  @Override
  public String toString() {
    return "InMemoryTransport{" + state.host().getHostAddress() + "}";
  }
}
