package io.loudp2p.transport.grpc.internal;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.StreamObserver;
import io.loudp2p.PeerId;
import io.loudp2p.core.proto.v1.ChunkFrame;
import io.loudp2p.core.proto.v1.ChunkRequest;
import io.loudp2p.core.proto.v1.DataFrame;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportServer;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chunk delivery over gRPC: one {@code FetchChunks} stream per data session. The receiver sends
 * its want list; the source sends pieces of at most 1,200 bytes only while HTTP/2 flow control
 * says the stream can take more, so a slow reader slows the source instead of making it buffer.
 *
 * <p>Thread-safe.
 */
public final class GrpcDataTransport implements DataTransport {
  private static final Logger log = LoggerFactory.getLogger(GrpcLoggers.GRPC);

  /** Trailer that tells a receiver its source closed on purpose rather than the path failing. */
  static final Metadata.Key<String> CLOSE_REASON =
      Metadata.Key.of("loudp2p-close-reason", Metadata.ASCII_STRING_MARSHALLER);

  private final GrpcSettings settings;
  private final Channels channels;
  /** Sources reached through relays; this transport serves no relay itself. */
  private final Relays relays;
  private final Map<TransportServer, ChunkStreamSource> servers = new ConcurrentHashMap<>();
  private final Set<ReceiverSession> sessions = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public GrpcDataTransport(TransportOptions options) {
    this.settings = new GrpcSettings(options);
    this.channels = new Channels(settings, DATA_STREAM_WINDOW);
    this.relays = new Relays(settings, settings.relayLimits, DATA_STREAM_WINDOW);
    channels.router((endpoint, peer) -> relays.open(endpoint, peer, (relay, relayPeer) -> {
      Channels control = RelayConnections.of(settings.credentials);
      return (control != null ? control : channels).get(relay, relayPeer);
    }));
  }

  /**
   * The HTTP/2 window of a chunk stream: how much a source may have in flight. 64 KiB carries
   * 320 kbit/s audio sixteen times over at a 100 ms round trip, and bounds what a cancel wastes.
   */
  static final int DATA_STREAM_WINDOW = 64 * 1024;

  // ---------------------------------------------------------------------------------------------
  // Receiver side
  // ---------------------------------------------------------------------------------------------

  @Override
  public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
      byte[] handshake, DataSession.Listener listener) {
    return open(source, id, handshake, new int[0], listener);
  }

  /**
   * Opens the session with {@code firstWants} in its first request, beside the handshake: the
   * source checks the handshake and sends them at once, a round trip before a request sent once
   * the stream is accepted would have them come (PROTOCOL.md section 5, chunk streams).
   */
  @Override
  public CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
      byte[] handshake, byte[] sourceKey, int[] firstWants, DataSession.Listener listener) {
    return open(source, id, handshake, firstWants, listener);
  }

  private CompletableFuture<DataSession> open(InetSocketAddress source, DataSessionId id,
      byte[] handshake, int[] firstWants, DataSession.Listener listener) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new ControlException(ControlErrorCode.UNAVAILABLE, "the gRPC data transport is closed"));
    }
    ReceiverSession session = new ReceiverSession(source, id, listener);
    ClientCall<ChunkRequest, DataFrame> call;
    try {
      call = channels.get(source).newCall(Loudp2pGrpc.getFetchChunksMethod(), CallOptions.DEFAULT);
    } catch (IllegalStateException e) {
      return CompletableFuture.failedFuture(
          new ControlException(ControlErrorCode.UNAVAILABLE, "the gRPC data transport is closed"));
    }
    sessions.add(session);
    StreamObserver<ChunkRequest> requests = ClientCalls.asyncBidiStreamingCall(call, session);
    ChunkRequest.Builder first = ChunkRequest.newBuilder()
        .setSessionId(ByteString.copyFrom(id.bytes()))
        .setHandshake(ByteString.copyFrom(handshake));
    for (int index : firstWants) {
      first.addWant(index);
    }
    session.start(requests, first.build());
    return session.opened.orTimeout(settings.openTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .handle((s, t) -> {
          if (t == null) {
            return CompletableFuture.completedFuture(s);
          }
          session.abort(t);
          Throwable cause = t instanceof java.util.concurrent.CompletionException && t.getCause() != null
              ? t.getCause() : t;
          if (cause instanceof java.util.concurrent.TimeoutException) {
            cause = new ControlException(ControlErrorCode.UNAVAILABLE,
                "source " + source + " did not accept the session within " + settings.openTimeout);
          }
          return CompletableFuture.<DataSession>failedFuture(cause);
        })
        .thenCompose(f -> f);
  }

  /** One session as the receiver sees it; gRPC calls its observer methods one at a time. */
  private final class ReceiverSession
      implements DataSession, ClientResponseObserver<ChunkRequest, DataFrame> {
    private final InetSocketAddress source;
    private final DataSessionId id;
    private final DataSession.Listener listener;
    final CompletableFuture<DataSession> opened = new CompletableFuture<>();
    private @Nullable ClientCallStreamObserver<ChunkRequest> requests;
    /** Chunks cancelled and not requested since: fragments of theirs still in flight are dropped. */
    private final java.util.BitSet cancelled = new java.util.BitSet();
    private boolean ended;
    private volatile boolean localClose;

    ReceiverSession(InetSocketAddress source, DataSessionId id, DataSession.Listener listener) {
      this.source = source;
      this.id = id;
      this.listener = listener;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<ChunkRequest> requestStream) {
      this.requests = requestStream;
    }

    synchronized void start(StreamObserver<ChunkRequest> stream, ChunkRequest first) {
      stream.onNext(first);
    }

    @Override
    public void onNext(DataFrame frame) {
      switch (frame.getKindCase()) {
        case ACCEPTED:
          opened.complete(this);
          break;
        case CHUNK:
          ChunkFrame chunk = frame.getChunk();
          // A chunk index of 2^31 or more (uint32) is no chunk of any track: a hostile source's.
          if (chunk.getChunkIndex() >= 0 && !isCancelled(chunk.getChunkIndex())) {
            listener.onFragment(chunk.getChunkIndex(), chunk.getOffset(),
                chunk.getData().asReadOnlyByteBuffer());
          }
          break;
        case UNAVAILABLE:
          listener.onUnavailable(frame.getUnavailable());
          break;
        default:
          break; // a frame kind from a later version: ignored
      }
    }

    @Override
    public void onError(Throwable t) {
      Status status = Status.fromThrowable(t);
      if (!opened.isDone()) {
        opened.completeExceptionally(Statuses.toCallerError(t, settings.credentials != null));
        finish(null);
        return;
      }
      Metadata trailers = Status.trailersFromThrowable(t);
      String reason = trailers == null ? null : trailers.get(CLOSE_REASON);
      if (localClose) {
        finish(CloseReason.LOCAL_CLOSE);
      } else if ("source-closed".equals(reason)) {
        finish(CloseReason.SOURCE_CLOSED);
      } else if (status.getCode() == Status.Code.UNAUTHENTICATED) {
        finish(CloseReason.REFUSED);
      } else {
        finish(CloseReason.CONNECTION_LOST);
      }
    }

    @Override
    public void onCompleted() {
      if (!opened.isDone()) {
        opened.completeExceptionally(new ControlException(ControlErrorCode.UNAVAILABLE,
            "source " + source + " ended the session before accepting it"));
        finish(null);
        return;
      }
      finish(localClose ? CloseReason.LOCAL_CLOSE : CloseReason.SOURCE_CLOSED);
    }

    private void finish(@Nullable CloseReason reason) {
      synchronized (this) {
        if (ended) {
          return;
        }
        ended = true;
      }
      sessions.remove(this);
      if (reason != null) {
        listener.onClosed(reason);
      }
    }

    void abort(Throwable why) {
      ClientCallStreamObserver<ChunkRequest> r = requests;
      if (r != null) {
        r.cancel("session not opened: " + why, null);
      }
    }

    @Override
    public DataSessionId id() {
      return id;
    }

    @Override
    public InetSocketAddress remote() {
      return source;
    }

    private synchronized boolean isCancelled(int chunkIndex) {
      return cancelled.get(chunkIndex);
    }

    @Override
    public void request(int chunkIndex) {
      if (chunkIndex < 0) {
        throw new IllegalArgumentException("chunk index must not be negative: " + chunkIndex);
      }
      synchronized (this) {
        cancelled.clear(chunkIndex);
      }
      send(ChunkRequest.newBuilder().addWant(chunkIndex).build());
    }

    @Override
    public void cancel(int chunkIndex) {
      if (chunkIndex >= 0) {
        synchronized (this) {
          cancelled.set(chunkIndex);
        }
        send(ChunkRequest.newBuilder().addCancel(chunkIndex).build());
      }
    }

    private synchronized void send(ChunkRequest request) {
      ClientCallStreamObserver<ChunkRequest> r = requests;
      if (ended || r == null) {
        return;
      }
      try {
        r.onNext(request);
      } catch (RuntimeException e) {
        log.debug("request on a closing session dropped", e);
      }
    }

    @Override
    public void close() {
      ClientCallStreamObserver<ChunkRequest> r;
      synchronized (this) {
        if (ended || localClose) {
          return;
        }
        localClose = true;
        r = requests;
      }
      if (r != null) {
        // gRPC answers the cancellation with onError on the call's own executor, after any
        // fragment callback in progress: onClosed(LOCAL_CLOSE) comes from there, never concurrently.
        r.cancel("closed by the receiver", null);
      } else {
        finish(CloseReason.LOCAL_CLOSE);
      }
    }

    @Override
    public String toString() {
      return "grpc data session " + id + " with " + source;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Source side
  // ---------------------------------------------------------------------------------------------

  @Override
  public CompletableFuture<DataServer> serve(InetSocketAddress address, ChunkProvider provider) {
    if (closed) {
      return CompletableFuture.failedFuture(
          new ControlException(ControlErrorCode.UNAVAILABLE, "the gRPC data transport is closed"));
    }
    ChunkStreamSource source = new ChunkStreamSource(provider, settings);
    try {
      Server server = Servers.start(address, settings, source.service(),
          Math.min(settings.maxMessageBytes, ChunkStreamSource.MAX_CHUNK_REQUEST_BYTES),
          ChunkStreamSource.MAX_STREAMS_PER_CONNECTION);
      TransportServer[] holder = new TransportServer[1];
      DataServer handle = Servers.handle(server, address, () -> {
        servers.remove(holder[0]);
        source.close();
      });
      holder[0] = handle;
      servers.put(handle, source);
      return CompletableFuture.completedFuture(handle);
    } catch (ControlException e) {
      source.close();
      return CompletableFuture.failedFuture(e);
    }
  }

  /** The source behind a server this transport started, while it serves. */
  @Nullable ChunkStreamSource source(DataServer server) {
    return servers.get(server);
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (TransportServer server : servers.keySet()) {
      server.close();
    }
    servers.clear();
    for (ReceiverSession session : sessions) {
      session.close();
    }
    channels.close();
    relays.close();
  }

  @Override
  public void routeThroughRelay(InetSocketAddress source, PeerId peer, InetSocketAddress relay,
      @Nullable PeerId relayPeer) {
    if (relays.route(source, peer, relay, relayPeer)) {
      channels.forget(source); // a channel the old way; one already through this relay stays
    }
  }
}
