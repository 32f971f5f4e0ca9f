package io.loudp2p.core.testing;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
 * <p>Thread-safe. Made by {@link InMemoryNetwork#newTransport()}; {@link #close()} is idempotent.
 */
public final class InMemoryTransport implements ControlTransport, DataTransport {
  private static final Logger LOG = LoggerFactory.getLogger(InMemoryTransport.class);

  private final InMemoryNetwork network;
  private final InetAddress host;
  private final InetSocketAddress clientAddress;
  private final int maxMessageBytes;
  private final Object lock = new Object();
  private final Set<ControlServer> controlServers = new HashSet<>();
  private final Set<MemDataServer> dataServers = new HashSet<>();
  private final Set<CompletableFuture<?>> calls = new HashSet<>();
  private final Set<ReceiverSession> sessions = new HashSet<>();
  private boolean closed;

  InMemoryTransport(InMemoryNetwork network, InetAddress host, int maxMessageBytes) {
    this.network = network;
    this.host = host;
    this.clientAddress = new InetSocketAddress(host, 1);
    this.maxMessageBytes = maxMessageBytes;
  }

  /** The host address this transport binds and calls from. */
  public InetAddress host() {
    return host;
  }

  /** The address remote handlers see as this transport's requests' origin. */
  public InetSocketAddress clientAddress() {
    return clientAddress;
  }

  /** The network this transport is on. */
  public InMemoryNetwork network() {
    return network;
  }

  private static final byte[] EMPTY = new byte[0];

  private static void guard(Runnable callback) {
    try {
      callback.run();
    } catch (RuntimeException e) {
      LOG.warn("transport callback threw", e);
    }
  }

  // ---------------------------------------------------------------- control plane

  @Override
  public CompletableFuture<byte[]> call(
      InetSocketAddress endpoint, ControlMethod method, byte[] request, Duration deadline) {
    if (method.streaming()) {
      throw new IllegalArgumentException(method + " streams; use callStreaming");
    }
    CompletableFuture<byte[]> result = new CompletableFuture<>();
    Exchange exchange = new Exchange(method, result, response -> result.complete(response));
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
    Exchange exchange = new Exchange(method, result, onResponse);
    exchange.start(endpoint, request, deadline);
    return result;
  }

  @Override
  public CompletableFuture<TransportServer> listen(
      InetSocketAddress address, ControlHandler handler) {
    Objects.requireNonNull(handler, "handler");
    ControlServer server = new ControlServer(handler);
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new ControlException(ControlErrorCode.UNAVAILABLE, "transport closed"));
      }
      try {
        server.address = network.bind(host, address.getPort(), server, null);
      } catch (IllegalStateException e) {
        return CompletableFuture.failedFuture(
            new ControlException(ControlErrorCode.UNAVAILABLE, e.getMessage(), e));
      }
      controlServers.add(server);
    }
    return CompletableFuture.completedFuture(server);
  }

  /** One request in flight, from the caller's side; completion is guarded by the future. */
  private final class Exchange {
    private final ControlMethod method;
    private final boolean streaming;
    private final CompletableFuture<?> result;
    private final Consumer<byte[]> onResponse;
    private InMemoryNetwork.@org.jspecify.annotations.Nullable Timer timer;
    /** One latency each way per exchange, so that a stream's responses keep their order. */
    private final long requestLatencyNs = network.latencyNs();
    private final long responseLatencyNs = network.latencyNs();

    Exchange(ControlMethod method, CompletableFuture<?> result, Consumer<byte[]> onResponse) {
      this.method = method;
      this.streaming = method.streaming();
      this.result = result;
      this.onResponse = onResponse;
    }

    void start(InetSocketAddress endpoint, byte[] request, Duration deadline) {
      Objects.requireNonNull(endpoint, "endpoint");
      Objects.requireNonNull(request, "request");
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("deadline must be positive, got " + deadline);
      }
      synchronized (lock) {
        if (closed) {
          result.completeExceptionally(
              new ControlException(ControlErrorCode.UNAVAILABLE, "transport closed"));
          return;
        }
        calls.add(result);
      }
      result.whenComplete(
          (r, e) -> {
            synchronized (lock) {
              calls.remove(result);
            }
            InMemoryNetwork.Timer t = timer;
            if (t != null) {
              network.cancel(t);
            }
          });
      if (request.length > maxMessageBytes) {
        result.completeExceptionally(
            new ControlException(
                ControlErrorCode.RESOURCE_EXHAUSTED,
                "TOO_LARGE: a request of " + request.length + " bytes, the limit is "
                    + maxMessageBytes));
        return;
      }
      timer =
          network.schedule(
              deadline.toNanos(),
              () ->
                  result.completeExceptionally(
                      new TimeoutException("no answer from " + endpoint + " within " + deadline)));
      byte[] wire = request.clone();
      network.deliverControl(requestLatencyNs, wire,
          () -> {
            if (result.isDone()) {
              return;
            }
            ControlServer server = network.isSilent(endpoint) ? null : network.controlServer(endpoint);
            if (server == null) {
              if (!network.isSilent(endpoint)) {
                result.completeExceptionally(
                    new ControlException(
                        ControlErrorCode.UNAVAILABLE, "nothing listens at " + endpoint));
              }
              return; // a killed peer never answers: the deadline ends the call
            }
            server.handle(wire, clientAddress, method, new Responder(this, endpoint));
          });
    }

    void deliver(byte[] response) {
      network.deliverControl(responseLatencyNs, response,
          () -> {
            if (!result.isDone()) {
              guard(() -> onResponse.accept(response));
            }
          });
    }

    @SuppressWarnings("unchecked")
    void finish() {
      network.deliverControl(responseLatencyNs, EMPTY,
          () -> ((CompletableFuture<Object>) result).complete(null));
    }

    void fail(ControlException e) {
      network.deliverControl(responseLatencyNs, EMPTY, () -> result.completeExceptionally(e));
    }
  }

  /** The responder side of one exchange. */
  private final class Responder implements ControlResponder {
    private final Exchange exchange;
    private final InetSocketAddress server;
    private boolean done;
    private boolean abandoned;

    Responder(Exchange exchange, InetSocketAddress server) {
      this.exchange = exchange;
      this.server = server;
    }

    /** Marks the exchange answered; returns whether the answer should still travel. */
    private synchronized boolean terminal() {
      if (done) {
        throw new IllegalStateException("this request was already answered");
      }
      done = true;
      return live();
    }

    private synchronized boolean live() {
      // A killed server's answers are lost silently; a closed one failed the call already.
      return !abandoned && network.controlServer(server) != null;
    }

    /** The server closed: the caller hears UNAVAILABLE now, later answers are ignored. */
    synchronized void abandon() {
      if (!done && !abandoned) {
        abandoned = true;
        exchange.fail(new ControlException(ControlErrorCode.UNAVAILABLE, "server closed"));
      }
    }

    @Override
    public void reply(byte[] response) {
      if (terminal()) {
        exchange.deliver(response.clone());
        if (exchange.streaming) {
          exchange.finish();
        }
      }
    }

    @Override
    public void next(byte[] response) {
      if (!exchange.streaming) {
        throw new IllegalStateException("next() on a unary request; use reply()");
      }
      synchronized (this) {
        if (done) {
          throw new IllegalStateException("this request was already answered");
        }
      }
      if (live()) {
        exchange.deliver(response.clone());
      }
    }

    @Override
    public void complete() {
      if (!exchange.streaming) {
        throw new IllegalStateException("complete() on a unary request; use reply()");
      }
      if (terminal()) {
        exchange.finish();
      }
    }

    @Override
    public void fail(ControlErrorCode code, String message) {
      if (terminal()) {
        exchange.fail(new ControlException(code, message));
      }
    }

    @Override
    public synchronized boolean isCancelled() {
      return abandoned || exchange.result.isDone();
    }
  }

  /** A control server bound on the network. */
  final class ControlServer implements TransportServer {
    private final ControlHandler handler;
    private final Set<Responder> pending = new HashSet<>();
    private InetSocketAddress address = clientAddress;
    private boolean stopped;

    ControlServer(ControlHandler handler) {
      this.handler = handler;
    }

    void handle(byte[] request, InetSocketAddress remote, ControlMethod method, Responder r) {
      synchronized (this) {
        if (stopped) {
          r.exchange.fail(new ControlException(ControlErrorCode.UNAVAILABLE, "server closed"));
          return;
        }
        pending.add(r);
      }
      r.exchange.result.whenComplete((x, e) -> forget(r));
      if (request.length > maxMessageBytes) {
        r.fail(ControlErrorCode.RESOURCE_EXHAUSTED, "TOO_LARGE: a request of " + request.length
            + " bytes, the limit is " + maxMessageBytes);
        return;
      }
      try {
        handler.handle(request, remote, method, r);
      } catch (RuntimeException e) {
        LOG.warn("control handler threw", e);
        r.exchange.fail(
            new ControlException(ControlErrorCode.INTERNAL, "handler failed: " + e, e));
      }
    }

    private synchronized void forget(Responder r) {
      pending.remove(r);
    }

    @Override
    public InetSocketAddress address() {
      return address;
    }

    @Override
    public void close() {
      List<Responder> abandoned;
      synchronized (this) {
        if (stopped) {
          return;
        }
        stopped = true;
        abandoned = new ArrayList<>(pending);
        pending.clear();
      }
      network.unbind(address, this);
      synchronized (lock) {
        controlServers.remove(this);
      }
      abandoned.forEach(Responder::abandon);
    }
  }

  // ---------------------------------------------------------------- data plane

  @Override
  public CompletableFuture<DataSession> open(
      InetSocketAddress source, DataSessionId id, byte[] handshake, DataSession.Listener listener) {
    Objects.requireNonNull(source, "source");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(listener, "listener");
    CompletableFuture<DataSession> result = new CompletableFuture<>();
    ReceiverSession session = new ReceiverSession(source, id, listener);
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new ControlException(ControlErrorCode.UNAVAILABLE, "transport closed"));
      }
    }
    byte[] wire = handshake.clone();
    network.enqueue(
        () -> {
          MemDataServer server = network.dataServer(source);
          if (server == null) {
            result.completeExceptionally(
                new ControlException(ControlErrorCode.UNAVAILABLE, "no data source at " + source));
            return;
          }
          SourceSession peer = server.accept(session, wire);
          if (peer == null) {
            result.completeExceptionally(
                new ControlException(
                    ControlErrorCode.UNAUTHENTICATED, "source refused session " + id));
            return;
          }
          session.peer = peer;
          synchronized (lock) {
            if (closed) {
              peer.end(null);
              result.completeExceptionally(
                  new ControlException(ControlErrorCode.UNAVAILABLE, "transport closed"));
              return;
            }
            sessions.add(session);
          }
          result.complete(session);
        });
    return result;
  }

  @Override
  public CompletableFuture<DataServer> serve(InetSocketAddress address, ChunkProvider provider) {
    Objects.requireNonNull(provider, "provider");
    MemDataServer server = new MemDataServer(provider);
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(
            new ControlException(ControlErrorCode.UNAVAILABLE, "transport closed"));
      }
      try {
        server.address = network.bind(host, address.getPort(), null, server);
      } catch (IllegalStateException e) {
        return CompletableFuture.failedFuture(
            new ControlException(ControlErrorCode.UNAVAILABLE, e.getMessage(), e));
      }
      dataServers.add(server);
    }
    return CompletableFuture.completedFuture(server);
  }

  /** The receiver's end of a data session. All state changes happen in network tasks. */
  private final class ReceiverSession implements DataSession {
    private final InetSocketAddress remote;
    private final InetSocketAddress local = clientAddress;
    private final DataSessionId id;
    private final DataSession.Listener listener;
    private volatile @org.jspecify.annotations.Nullable SourceSession peer;
    private boolean ended; // touched only inside network tasks

    ReceiverSession(InetSocketAddress remote, DataSessionId id, DataSession.Listener listener) {
      this.remote = remote;
      this.id = id;
      this.listener = listener;
    }

    @Override
    public DataSessionId id() {
      return id;
    }

    @Override
    public InetSocketAddress remote() {
      return remote;
    }

    @Override
    public void request(int chunkIndex) {
      if (chunkIndex < 0) {
        throw new IllegalArgumentException("chunk index must not be negative, got " + chunkIndex);
      }
      network.enqueue(
          () -> {
            SourceSession p = peer;
            if (!ended && p != null) {
              p.want(chunkIndex);
            }
          });
    }

    @Override
    public void cancel(int chunkIndex) {
      network.enqueue(
          () -> {
            SourceSession p = peer;
            if (!ended && p != null) {
              p.unwant(chunkIndex);
            }
          });
    }

    @Override
    public void close() {
      network.enqueue(
          () -> {
            SourceSession p = peer;
            if (p != null) {
              p.end(null);
            }
            ended(CloseReason.LOCAL_CLOSE);
          });
    }

    void fragment(int chunkIndex, int offset, ByteBuffer data) {
      if (!ended) {
        guard(() -> listener.onFragment(chunkIndex, offset, data));
      }
    }

    void unavailable(int chunkIndex) {
      if (!ended) {
        guard(() -> listener.onUnavailable(chunkIndex));
      }
    }

    void ended(CloseReason reason) {
      if (!ended) {
        ended = true;
        synchronized (lock) {
          sessions.remove(this);
        }
        guard(() -> listener.onClosed(reason));
      }
    }
  }

  /** The source's end of a data session. All state changes happen in network tasks. */
  final class SourceSession {
    private final MemDataServer server;
    private final ReceiverSession receiver;
    private final ArrayDeque<int[]> want = new ArrayDeque<>(); // {chunkIndex, nextOffset, length}
    private final ByteBuffer scratch = ByteBuffer.allocate(MAX_FRAGMENT_PAYLOAD);
    private boolean pumping;
    private boolean ended;

    SourceSession(MemDataServer server, ReceiverSession receiver) {
      this.server = server;
      this.receiver = receiver;
    }

    void want(int chunkIndex) {
      if (ended || network.isKilled(server.address)) {
        return;
      }
      int length;
      try {
        length = server.provider.chunkLength(receiver.id, chunkIndex);
      } catch (RuntimeException e) {
        LOG.warn("chunk provider threw", e);
        length = -1;
      }
      if (length < 0) {
        network.enqueue(() -> receiver.unavailable(chunkIndex));
        return;
      }
      for (int[] w : want) {
        if (w[0] == chunkIndex) {
          w[1] = 0; // asked again: send all of it again
          return;
        }
      }
      want.add(new int[] {chunkIndex, 0, length});
      if (!pumping) {
        pumping = true;
        network.enqueue(this::pump);
      }
    }

    void unwant(int chunkIndex) {
      want.removeIf(w -> w[0] == chunkIndex);
    }

    /** Sends one fragment, then queues itself behind whatever else is waiting. */
    private void pump() {
      int[] w = want.peek();
      if (ended || w == null || network.isKilled(server.address)) {
        pumping = false;
        return;
      }
      int chunkIndex = w[0];
      int offset = w[1];
      int len = Math.min(MAX_FRAGMENT_PAYLOAD, w[2] - offset);
      w[1] += len;
      if (w[1] >= w[2]) {
        want.poll();
      }
      scratch.clear().limit(len);
      boolean read;
      try {
        server.provider.readChunk(receiver.id, chunkIndex, offset, scratch);
        read = !scratch.hasRemaining();
      } catch (RuntimeException e) {
        LOG.warn("chunk provider threw", e);
        read = false;
      }
      if (!read) {
        want.removeIf(x -> x[0] == chunkIndex);
        network.enqueue(() -> receiver.unavailable(chunkIndex));
      } else {
        scratch.flip();
        switch (network.fate(server.address, chunkIndex, offset, len)) {
          case DELIVER:
            receiver.fragment(chunkIndex, offset, scratch);
            break;
          case DROP:
            break;
          case DUPLICATE:
            receiver.fragment(chunkIndex, offset, scratch.duplicate());
            receiver.fragment(chunkIndex, offset, scratch);
            break;
          case DELAY:
            ByteBuffer copy = ByteBuffer.allocate(len).put(scratch).flip();
            network.enqueue(() -> receiver.fragment(chunkIndex, offset, copy));
            break;
        }
      }
      network.enqueue(this::pump);
    }

    /** Ends this session; tells the receiver why unless {@code reason} is null. */
    void end(DataSession.@org.jspecify.annotations.Nullable CloseReason reason) {
      if (ended) {
        return;
      }
      ended = true;
      want.clear();
      server.sessions.remove(this);
      guard(() -> server.provider.onSessionClosed(receiver.id));
      if (reason != null) {
        network.enqueue(() -> receiver.ended(reason));
      }
    }
  }

  /** A data server bound on the network. */
  final class MemDataServer implements DataServer {
    private final ChunkProvider provider;
    private final List<SourceSession> sessions = new ArrayList<>(); // touched only in tasks
    private InetSocketAddress address = clientAddress;
    private volatile boolean stopped;

    MemDataServer(ChunkProvider provider) {
      this.provider = provider;
    }

    @org.jspecify.annotations.Nullable
    SourceSession accept(ReceiverSession receiver, byte[] handshake) {
      if (stopped) {
        return null;
      }
      boolean ok;
      try {
        ok = provider.accept(receiver.id, handshake, receiver.local);
      } catch (RuntimeException e) {
        LOG.warn("chunk provider threw in accept", e);
        ok = false;
      }
      if (!ok) {
        return null;
      }
      SourceSession s = new SourceSession(this, receiver);
      sessions.add(s);
      return s;
    }

    void cutAll() {
      for (SourceSession s : new ArrayList<>(sessions)) {
        s.end(DataSession.CloseReason.CONNECTION_LOST);
      }
    }

    @Override
    public InetSocketAddress address() {
      return address;
    }

    @Override
    public void close() {
      if (stopped) {
        return;
      }
      stopped = true;
      network.unbind(address, this);
      synchronized (lock) {
        dataServers.remove(this);
      }
      network.enqueue(
          () -> {
            for (SourceSession s : new ArrayList<>(sessions)) {
              s.end(DataSession.CloseReason.SOURCE_CLOSED);
            }
          });
    }
  }

  // ---------------------------------------------------------------- lifecycle

  @Override
  public void close() {
    List<ControlServer> cs;
    List<MemDataServer> ds;
    List<CompletableFuture<?>> pending;
    List<ReceiverSession> open;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      cs = new ArrayList<>(controlServers);
      ds = new ArrayList<>(dataServers);
      pending = new ArrayList<>(calls);
      open = new ArrayList<>(sessions);
    }
    cs.forEach(ControlServer::close);
    ds.forEach(MemDataServer::close);
    for (CompletableFuture<?> f : pending) {
      f.completeExceptionally(
          new ControlException(ControlErrorCode.UNAVAILABLE, "transport closed"));
    }
    open.forEach(ReceiverSession::close);
  }

  @Override
  public String toString() {
    return "InMemoryTransport{" + host.getHostAddress() + "}";
  }
}
