package io.loudp2p.transport.grpc.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.loudp2p.PeerId;
import io.loudp2p.core.internal.ThrottledLog;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.RelayReservation;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportServer;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The control plane over gRPC: envelope bytes in and out of the {@code loudp2p.v1.Loudp2p}
 * methods, one channel per remote endpoint, limits on message size and concurrent calls per peer,
 * and a deadline on every call.
 *
 * <p>Each request travels on the gRPC method of the {@link ControlMethod} its caller named, and the
 * server hands that method to its handler; neither side reads the bytes. A request over the size
 * limit is refused as {@code TOO_LARGE} without reaching the handler; so that the refusal can say
 * so, the server lets gRPC read messages of up to twice the limit and checks the limit itself
 * (gRPC refuses larger ones from their length prefix, unread, in words of its own).
 *
 * <p>Thread-safe.
 */
public final class GrpcControlTransport implements ControlTransport {
  private static final Logger log = LoggerFactory.getLogger(GrpcLoggers.GRPC);
  /** For a handler that fails: it fails on every request of its kind, which anyone may send. */
  private static final ThrottledLog handlerFailures = new ThrottledLog(log);

  /**
   * The most calls one connection carries at once (HTTP/2 {@code SETTINGS_MAX_CONCURRENT_STREAMS}):
   * twice an address's default budget of concurrent calls. Further calls wait in the caller.
   * Without this bound one connection may open streams faster than the server refuses them, and
   * every stream opened holds memory until its refusal is sent.
   */
  public static final int MAX_CALLS_PER_CONNECTION = 128;

  private final GrpcSettings settings;
  private final Channels channels;
  private final Set<TransportServer> servers = ConcurrentHashMap.newKeySet();
  /** Guarded by this. */
  private @Nullable GrpcWebServer web;
  private final Relays relays;
  private volatile boolean closed;

  public GrpcControlTransport(TransportOptions options) {
    this.settings = new GrpcSettings(options);
    this.channels = new Channels(settings);
    this.relays = new Relays(settings, settings.relayLimits);
    channels.router((endpoint, peer) -> relays.open(endpoint, peer, channels::get));
    if (settings.credentials != null) {
      RelayConnections.lend(settings.credentials, channels);
    }
  }

  @Override
  public java.util.Map<String, Long> relayCounts() {
    return relays.counts();
  }

  @Override
  public CompletableFuture<byte[]> call(InetSocketAddress endpoint, ControlMethod method,
      byte[] request, Duration deadline) {
    return call(endpoint, null, method, request, deadline);
  }

  @Override
  public CompletableFuture<byte[]> call(InetSocketAddress endpoint, @Nullable PeerId peer,
      ControlMethod method, byte[] request, Duration deadline) {
    requirePositive(deadline);
    if (method.streaming()) {
      throw new IllegalArgumentException(method + " streams; use callStreaming");
    }
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    if (closed) {
      return failedClosed();
    }
    if (request.length > settings.maxMessageBytes) {
      result.completeExceptionally(tooLarge(request));
      return result;
    }
    ClientCall<byte[], byte[]> call;
    try {
      call = channels.get(endpoint, peer).newCall(Methods.raw(method), options(deadline));
    } catch (IllegalStateException e) {
      return failedClosed();
    }
    if (startFailed(endpoint, call, result, () -> ClientCalls.asyncUnaryCall(call, request,
        new StreamObserver<>() {
      private byte[] response;

      @Override
      public void onNext(byte[] value) {
        response = value;
      }

      @Override
      public void onError(Throwable t) {
        complete(() -> result.completeExceptionally(Statuses.toCallerError(t, settings.credentials != null)));
      }

      @Override
      public void onCompleted() {
        byte[] r = response;
        complete(() -> result.complete(r));
      }
    }))) {
      return result;
    }
    result.whenComplete((r, t) -> {
      if (result.isCancelled()) {
        call.cancel("cancelled by the caller", null);
      }
    });
    return result;
  }

  @Override
  public CompletableFuture<Void> callStreaming(InetSocketAddress endpoint, ControlMethod method,
      byte[] request, Duration deadline, Consumer<byte[]> onResponse) {
    return callStreaming(endpoint, null, method, request, deadline, onResponse);
  }

  @Override
  public CompletableFuture<Void> callStreaming(InetSocketAddress endpoint, @Nullable PeerId peer,
      ControlMethod method, byte[] request, Duration deadline, Consumer<byte[]> onResponse) {
    requirePositive(deadline);
    if (!method.streaming()) {
      throw new IllegalArgumentException(method + " is unary; use call");
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    if (closed) {
      return failedClosed();
    }
    if (request.length > settings.maxMessageBytes) {
      result.completeExceptionally(tooLarge(request));
      return result;
    }
    ClientCall<byte[], byte[]> call;
    try {
      call = channels.get(endpoint, peer).newCall(Methods.raw(method), options(deadline));
    } catch (IllegalStateException e) {
      return failedClosed();
    }
    if (startFailed(endpoint, call, result, () -> ClientCalls.asyncServerStreamingCall(call,
        request, new StreamObserver<>() {
      @Override
      public void onNext(byte[] value) {
        if (!result.isDone()) {
          try {
            onResponse.accept(value);
          } catch (RuntimeException e) {
            log.warn("response consumer failed; ending the stream", e);
            call.cancel("response consumer failed", e);
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        complete(() -> result.completeExceptionally(Statuses.toCallerError(t, settings.credentials != null)));
      }

      @Override
      public void onCompleted() {
        complete(() -> result.complete(null));
      }
    }))) {
      return result;
    }
    result.whenComplete((r, t) -> {
      if (result.isCancelled()) {
        call.cancel("cancelled by the caller", null);
      }
    });
    return result;
  }

  /**
   * Starts a call; false when starting it threw (grpc-java can, for a channel shut down under a
   * starting call), which then fails {@code result} as UNAVAILABLE rather than the caller's thread.
   */
  private static boolean startFailed(InetSocketAddress endpoint, ClientCall<byte[], byte[]> call,
      CompletableFuture<?> result, Runnable start) {
    try {
      start.run();
      return false;
    } catch (RuntimeException e) {
      log.debug("starting a call to {} failed", endpoint, e);
      call.cancel("the call could not start", e);
      result.completeExceptionally(new ControlException(ControlErrorCode.UNAVAILABLE,
          "could not start a call to " + endpoint + ": " + e));
      return true;
    }
  }

  @Override
  public CompletableFuture<TransportServer> listen(InetSocketAddress address, ControlHandler handler) {
    if (closed) {
      return failedClosed();
    }
    ServerServiceDefinition.Builder service =
        ServerServiceDefinition.builder(Loudp2pGrpc.SERVICE_NAME);
    for (ControlMethod method : ControlMethod.values()) {
      if (method.streaming()) {
        service.addMethod(Methods.raw(method), ServerCalls.asyncServerStreamingCall(
            (request, observer) -> serve(method, request, observer, handler)));
      } else {
        service.addMethod(Methods.raw(method), ServerCalls.asyncUnaryCall(
            (request, observer) -> serve(method, request, observer, handler)));
      }
    }
    // Chunks are not served here: the data transport has its own server.
    service.addMethod(Loudp2pGrpc.getFetchChunksMethod(), ServerCalls.asyncBidiStreamingCall(
        observer -> {
          observer.onError(Statuses.error(ControlErrorCode.NOT_FOUND,
              "this endpoint serves control messages; fetch chunks from the data endpoint"));
          return new NoopObserver<>();
        }));
    try {
      GrpcWebServer startedWeb = startWeb(handler);
      List<ServerServiceDefinition> services = new ArrayList<>(List.of(service.build()));
      ServerServiceDefinition relay = relays.service();
      if (relay != null) {
        services.add(relay);
      }
      Server server = Servers.start(address, settings, services,
          readLimit(settings.maxMessageBytes), MAX_CALLS_PER_CONNECTION);
      TransportServer handle = Servers.handle(server, address, () -> {});
      TransportServer tracked = new TrackedServer(handle,
          startedWeb == null ? null : startedWeb.address());
      servers.add(tracked);
      return CompletableFuture.completedFuture(tracked);
    } catch (ControlException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Starts serving gRPC-Web where the settings say, with the handler of the first address this
   * transport listens on (a peer gives them all the same one); once per transport.
   */
  private synchronized @Nullable GrpcWebServer startWeb(ControlHandler handler)
      throws ControlException {
    if (settings.web == null || web != null) {
      return null;
    }
    try {
      web = GrpcWebServer.start(settings.web, handler, settings.maxMessageBytes,
          settings.webPage);
    } catch (java.io.IOException e) {
      throw new ControlException(ControlErrorCode.UNAVAILABLE,
          "cannot serve gRPC-Web at " + settings.web + ": " + e.getMessage(), e);
    }
    servers.add(web);
    return web;
  }

  /** Where gRPC-Web is served, once the transport listens; null when it is not. */
  synchronized @Nullable InetSocketAddress webAddress() {
    return web == null ? null : web.address();
  }

  private void serve(ControlMethod method, byte[] request, StreamObserver<byte[]> observer,
      ControlHandler handler) {
    ServerCallStreamObserver<byte[]> call = (ServerCallStreamObserver<byte[]>) observer;
    Responder responder = new Responder(call, method.streaming());
    call.setOnCancelHandler(responder::cancelled);
    if (request.length > settings.maxMessageBytes) {
      responder.fail(ControlErrorCode.RESOURCE_EXHAUSTED, tooLargeText(request));
      return;
    }
    try {
      handler.handle(request, PeerCallLimiter.remote(), method, responder);
    } catch (RuntimeException e) {
      handlerFailures.warn("control handler failed on {}", method.wireName(), e);
      responder.failQuietly(ControlErrorCode.INTERNAL, "the peer failed to handle the request");
    }
  }

  @Override
  public void disconnect(InetSocketAddress endpoint) {
    channels.forget(endpoint);
  }

  /** Opens the channel to {@code endpoint} and asks it to connect (TCP and HTTP/2 settings). */
  @Override
  public void connect(InetSocketAddress endpoint) {
    connect(endpoint, null);
  }

  @Override
  public void connect(InetSocketAddress endpoint, @Nullable PeerId peer) {
    if (closed) {
      return;
    }
    try {
      channels.get(endpoint, peer).getState(true);
    } catch (IllegalStateException e) {
      // closed meanwhile: nothing to warm
    }
  }

  /** How many channels are open, for tests of reuse. */
  public int openChannels() {
    return channels.size();
  }

  /** The TLS handshakes this transport refused so far, by reason, both sides together. */
  public java.util.Map<io.loudp2p.core.identity.PeerCertificates.Refusal, Long> tlsRefusals() {
    return settings.tlsRefusals.counts();
  }

  @Override
  public CompletableFuture<RelayReservation> reserve(InetSocketAddress relay, PeerId relayPeer,
      java.util.Collection<InetSocketAddress> servers) {
    if (closed) {
      return failedClosed();
    }
    if (settings.credentials == null) {
      return CompletableFuture.failedFuture(new ControlException(ControlErrorCode.UNAVAILABLE,
          "relays serve only peers that speak TLS"));
    }
    return relays.reserve(channels.get(relay, relayPeer), relay, servers);
  }

  @Override
  public void routeThroughRelay(PeerId peer, InetSocketAddress relay, @Nullable PeerId relayPeer) {
    if (relays.route(peer, relay, relayPeer)) {
      channels.forget(peer); // channels opened the other way before
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (TransportServer server : servers) {
      server.close();
    }
    servers.clear();
    if (settings.credentials != null) {
      RelayConnections.withdraw(settings.credentials, channels);
    }
    channels.close();
    relays.close();
  }

  private CallOptions options(Duration deadline) {
    return CallOptions.DEFAULT.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS)
        .withMaxInboundMessageSize(settings.maxMessageBytes)
        .withMaxOutboundMessageSize(settings.maxMessageBytes);
  }

  private void complete(Runnable completion) {
    Executor executor = settings.callbackExecutor;
    if (executor == null) {
      completion.run();
    } else {
      executor.execute(completion);
    }
  }

  private ControlException tooLarge(byte[] request) {
    return new ControlException(ControlErrorCode.RESOURCE_EXHAUSTED, tooLargeText(request));
  }

  private String tooLargeText(byte[] request) {
    return "TOO_LARGE: a request of " + request.length + " bytes, the limit is "
        + settings.maxMessageBytes;
  }

  /**
   * The largest message a control server lets gRPC read, so that a request somewhat over the limit
   * is refused in words that name the rule; a larger one gRPC refuses from its length prefix alone.
   */
  static int readLimit(int maxMessageBytes) {
    return (int) Math.min(Integer.MAX_VALUE, 2L * maxMessageBytes);
  }

  private static <T> CompletableFuture<T> failedClosed() {
    return CompletableFuture.failedFuture(
        new ControlException(ControlErrorCode.UNAVAILABLE, "the gRPC transport is closed"));
  }

  private static void requirePositive(Duration deadline) {
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive: " + deadline);
    }
  }

  /** A server that leaves the transport's set when closed. */
  private final class TrackedServer implements TransportServer {
    private final TransportServer delegate;
    private final @Nullable InetSocketAddress webAddress;

    TrackedServer(TransportServer delegate, @Nullable InetSocketAddress webAddress) {
      this.delegate = delegate;
      this.webAddress = webAddress;
    }

    @Override
    public InetSocketAddress address() {
      return delegate.address();
    }

    @Override
    public @Nullable InetSocketAddress webAddress() {
      return webAddress;
    }

    @Override
    public void close() {
      servers.remove(this);
      delegate.close();
    }

    @Override
    public String toString() {
      return delegate.toString();
    }
  }

  /** The SPI responder over one server call: one terminal answer, then nothing. */
  private static final class Responder extends OneExchange {
    private final ServerCallStreamObserver<byte[]> call;

    Responder(ServerCallStreamObserver<byte[]> call, boolean streaming) {
      super(streaming);
      this.call = call;
    }

    @Override
    void send(byte[] response) {
      call.onNext(response);
    }

    @Override
    void end() {
      call.onCompleted();
    }

    @Override
    void error(ControlErrorCode code, String message) {
      call.onError(Statuses.error(code, message));
    }
  }
}
