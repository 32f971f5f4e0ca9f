package io.loudp2p.transport.grpc.internal;

import static io.loudp2p.spi.DataTransport.MAX_FRAGMENT_PAYLOAD;
import static io.loudp2p.transport.grpc.internal.GrpcDataTransport.CLOSE_REASON;
import static io.loudp2p.transport.grpc.internal.GrpcDataTransport.MAX_WANTED;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Metadata;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.loudp2p.core.proto.v1.ChunkFrame;
import io.loudp2p.core.proto.v1.ChunkRequest;
import io.loudp2p.core.proto.v1.DataFrame;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source side of the chunk streams of one data server: the {@code FetchChunks} service and
 * the sessions it serves from a {@link ChunkProvider}.
 *
 * <p>Thread-safe.
 */
final class ChunkStreamSource {
  private static final Logger log = LoggerFactory.getLogger(ChunkStreamSource.class);

  private final ChunkProvider provider;
  private final Set<SourceSession> live = ConcurrentHashMap.newKeySet();

  ChunkStreamSource(ChunkProvider provider) {
    this.provider = provider;
  }

  /** The service to add to the data server. */
  ServerServiceDefinition service() {
    return ServerServiceDefinition.builder(Loudp2pGrpc.SERVICE_NAME)
        .addMethod(Loudp2pGrpc.getFetchChunksMethod(), ServerCalls.asyncBidiStreamingCall(
            responses -> {
              SourceSession s = new SourceSession(provider,
                  (ServerCallStreamObserver<DataFrame>) responses, PeerCallLimiter.remote(), live);
              live.add(s);
              return s;
            }))
        .build();
  }

  /** Sessions not yet ended. */
  int liveSessions() {
    return live.size();
  }

  /** Ends every session: the server stops serving. */
  void close() {
    for (SourceSession s : live) {
      s.sourceClosing();
    }
  }

  /**
   * One session as the source sees it. Every touch of the response stream and the provider happens
   * under this object's lock, so calls for one session never overlap.
   */
  private static final class SourceSession implements StreamObserver<ChunkRequest> {
    private final ChunkProvider provider;
    private final ServerCallStreamObserver<DataFrame> responses;
    private final InetSocketAddress remote;
    private final Set<SourceSession> live;
    private final ArrayDeque<Integer> wanted = new ArrayDeque<>();
    private @Nullable DataSessionId id;
    private int current = -1;
    private int currentLength;
    private int currentOffset;
    private boolean ended;

    SourceSession(ChunkProvider provider, ServerCallStreamObserver<DataFrame> responses,
        InetSocketAddress remote, Set<SourceSession> live) {
      this.provider = provider;
      this.responses = responses;
      this.remote = remote;
      this.live = live;
      responses.setOnReadyHandler(this::drain);
      responses.setOnCancelHandler(this::cancelled);
    }

    @Override
    public synchronized void onNext(ChunkRequest request) {
      if (ended) {
        return;
      }
      if (id == null) {
        if (request.getSessionId().size() != DataSessionId.LENGTH) {
          end(Status.INVALID_ARGUMENT.withDescription(
              "the first request must carry a 16-byte session_id and the handshake"), null);
          return;
        }
        DataSessionId sessionId = DataSessionId.fromBytes(request.getSessionId().toByteArray());
        boolean accepted;
        try {
          accepted = provider.accept(sessionId, request.getHandshake().toByteArray(), remote);
        } catch (RuntimeException e) {
          log.warn("chunk provider failed to judge a session from {}", remote, e);
          accepted = false;
        }
        if (!accepted) {
          end(Status.UNAUTHENTICATED.withDescription(
              "the source refused session " + sessionId + " (unknown session or bad handshake)"), null);
          return;
        }
        id = sessionId;
        responses.onNext(DataFrame.newBuilder().setAccepted(true).build());
      }
      for (int index : request.getCancelList()) {
        wanted.remove(index);
        if (index == current) {
          current = -1;
        }
      }
      for (int index : request.getWantList()) {
        if (index == current) {
          currentOffset = 0; // asked again: all of it again
        } else if (!wanted.contains(index)) {
          if (wanted.size() >= MAX_WANTED) {
            end(Status.RESOURCE_EXHAUSTED.withDescription(
                "more than " + MAX_WANTED + " chunks wanted at once"), null);
            return;
          }
          wanted.add(index);
        }
      }
      drain();
    }

    private synchronized void drain() {
      DataSessionId session = id;
      if (ended || session == null) {
        return;
      }
      while (responses.isReady()) {
        if (current < 0) {
          Integer next = wanted.poll();
          if (next == null) {
            return;
          }
          int length = safeLength(session, next);
          if (length < 0) {
            responses.onNext(DataFrame.newBuilder().setUnavailable(next).build());
            continue;
          }
          current = next;
          currentLength = length;
          currentOffset = 0;
          if (length == 0) {
            current = -1;
            continue;
          }
        }
        int n = Math.min(MAX_FRAGMENT_PAYLOAD, currentLength - currentOffset);
        // The provider writes straight into the bytes the frame carries: one copy per fragment.
        byte[] piece = new byte[n];
        try {
          provider.readChunk(session, current, currentOffset, ByteBuffer.wrap(piece));
        } catch (RuntimeException e) {
          log.warn("chunk provider failed to read chunk {} of session {}", current, session, e);
          responses.onNext(DataFrame.newBuilder().setUnavailable(current).build());
          current = -1;
          continue;
        }
        responses.onNext(DataFrame.newBuilder().setChunk(ChunkFrame.newBuilder()
            .setChunkIndex(current).setOffset(currentOffset)
            .setData(UnsafeByteOperations.unsafeWrap(piece))).build());
        currentOffset += n;
        if (currentOffset >= currentLength) {
          current = -1;
        }
      }
    }

    private int safeLength(DataSessionId session, int index) {
      try {
        return provider.chunkLength(session, index);
      } catch (RuntimeException e) {
        log.warn("chunk provider failed on the length of chunk {}", index, e);
        return -1;
      }
    }

    @Override
    public synchronized void onError(Throwable t) {
      end(null, null);
    }

    @Override
    public synchronized void onCompleted() {
      end(Status.OK, null);
    }

    private synchronized void cancelled() {
      end(null, null);
    }

    synchronized void sourceClosing() {
      Metadata trailers = new Metadata();
      trailers.put(CLOSE_REASON, "source-closed");
      end(Status.UNAVAILABLE.withDescription("the source stopped serving"), trailers);
    }

    /** Ends the session once: answers the receiver with {@code status} unless it is gone. */
    private void end(@Nullable Status status, @Nullable Metadata trailers) {
      if (ended) {
        return;
      }
      ended = true;
      live.remove(this);
      if (status != null) {
        try {
          if (status.isOk()) {
            responses.onCompleted();
          } else {
            responses.onError(status.asRuntimeException(trailers));
          }
        } catch (RuntimeException e) {
          log.debug("ending a session whose receiver is gone", e);
        }
      }
      DataSessionId session = id;
      if (session != null) {
        try {
          provider.onSessionClosed(session);
        } catch (RuntimeException e) {
          log.warn("chunk provider failed on the end of session {}", session, e);
        }
      }
    }
  }

}
