package io.loudp2p.transport.grpc.internal;

import static io.loudp2p.spi.DataTransport.MAX_FRAGMENT_PAYLOAD;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.loudp2p.PeerId;
import io.loudp2p.core.internal.ThrottledLog;
import io.loudp2p.core.proto.v1.ChunkFrame;
import io.loudp2p.core.proto.v1.ChunkRequest;
import io.loudp2p.core.proto.v1.DataFrame;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code FetchChunks} stream as the source sees it. Requests arrive as raw bytes and are
 * parsed here, so that a request that does not parse is this session's own clean {@code
 * INVALID_ARGUMENT} end rather than an exception inside gRPC. Every touch of the call, the ledger
 * and the provider happens under this object's lock, so calls for one session never overlap.
 */
final class SourceSession extends ServerCall.Listener<byte[]> {
  private static final Logger log = LoggerFactory.getLogger(GrpcLoggers.GRPC);
  /** For failures chunk by chunk: a provider that fails once fails every read. */
  private static final ThrottledLog perChunk = new ThrottledLog(log);

  private final ChunkStreamSource source;
  private final ChunkProvider provider;
  private final ServerCall<byte[], DataFrame> call;
  private final InetSocketAddress remote;
  private final long startedNs;
  private final WantLedger ledger = new WantLedger();
  private @Nullable DataSessionId id;
  /** The peer whose share this session holds, once it has one. */
  private @Nullable PeerId peer;
  private int currentLength;
  private int currentOffset;
  private boolean halfClosed;
  private boolean ended;
  /** Since when the session has had frames to send and flow control let none go; -1 if not. */
  private long blockedSinceNs = -1;

  SourceSession(ChunkStreamSource source, ChunkProvider provider,
      ServerCall<byte[], DataFrame> call, InetSocketAddress remote, long nowNs) {
    this.source = source;
    this.provider = provider;
    this.call = call;
    this.remote = remote;
    this.startedNs = nowNs;
  }

  InetSocketAddress remote() {
    return remote;
  }

  @Override
  public synchronized void onMessage(byte[] bytes) {
    if (ended) {
      return;
    }
    ChunkRequest request;
    try {
      request = ChunkRequest.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      source.malformed(remote, e.getMessage());
      end(Status.INVALID_ARGUMENT.withDescription(
          "not a ChunkRequest (" + bytes.length + " bytes): " + e.getMessage()), null);
      return;
    }
    if (id == null && !handshake(request)) {
      return;
    }
    long nowMs = TimeUnit.NANOSECONDS.toMillis(source.nowNs());
    for (int index : request.getCancelList()) {
      if (ledger.cancel(index)) {
        currentOffset = 0;
      }
    }
    for (int index : request.getWantList()) {
      switch (ledger.want(index, nowMs)) {
        case TOO_MANY_WANTED:
          end(Status.RESOURCE_EXHAUSTED.withDescription(
              "more than " + WantLedger.MAX_WANTED + " chunks wanted at once"), null);
          return;
        case TOO_MANY_REPEATS:
          end(Status.RESOURCE_EXHAUSTED.withDescription("more than "
              + WantLedger.MAX_REPEATED_WANTS + " chunks wanted again in "
              + WantLedger.REPEAT_WINDOW_SECONDS + " s while queued, being sent or just answered"),
              null);
          return;
        case PENDING:
          // Asked again while being sent: all of it again, from its start (a receiver that
          // dropped what it had of the chunk, on a seek, counts on it). Counted as a repeat.
          if (ledger.sending() && ledger.current() == index) {
            currentOffset = 0;
          }
          break;
        default:
          break;
      }
    }
    // One request at a time: the next is read once this one is handled, so a fast sender waits.
    call.request(1);
    drain();
  }

  /** What the chunk provider answers, or {@code ifItFails} when it throws (logged: a bug there). */
  private <T extends @Nullable Object> T ask(Supplier<T> question, T ifItFails, String what) {
    try {
      return question.get();
    } catch (RuntimeException e) {
      log.warn("chunk provider failed to {}", what, e);
      return ifItFails;
    }
  }

  /** Judges the first request; false when that ended the session. */
  private boolean handshake(ChunkRequest request) {
    if (request.getSessionId().size() != DataSessionId.LENGTH) {
      source.malformed(remote, "no 16-byte session_id in the first request");
      end(Status.INVALID_ARGUMENT.withDescription(
          "the first request must carry a 16-byte session_id and the handshake"), null);
      return false;
    }
    DataSessionId sessionId = DataSessionId.fromBytes(request.getSessionId().toByteArray());
    boolean accepted = ask(() -> provider.accept(sessionId, request.getHandshake().toByteArray(),
        remote), false, "judge session " + sessionId + " from " + remote);
    if (!accepted) {
      boolean known = ask(() -> provider.knows(sessionId), true,
          "say whether it knows session " + sessionId);
      end(known
          ? Status.UNAUTHENTICATED.withDescription("the source refused session " + sessionId
              + ": the handshake is not the one its StreamOpen agreed, or it is open already")
          : Status.FAILED_PRECONDITION.withDescription("the source knows no session " + sessionId
              + ": it never offered it, or the session ended"), null);
      return false;
    }
    id = sessionId; // accepted: the provider hears of its end, whatever ends it
    source.identified(remote);
    PeerId who = ask(() -> provider.peerOf(sessionId), null,
        "name the peer of session " + sessionId);
    if (who != null) {
      if (!source.takePeerShare(who)) {
        end(Status.RESOURCE_EXHAUSTED.withDescription("more than "
            + ChunkStreamSource.MAX_SESSIONS_PER_PEER + " sessions of peer " + who
            + " at once; retry later"), null);
        return false;
      }
      peer = who;
    }
    call.sendHeaders(new Metadata());
    call.sendMessage(DataFrame.newBuilder().setAccepted(true).build());
    return true;
  }

  @Override
  public void onReady() {
    drain();
  }

  private synchronized void drain() {
    DataSessionId session = id;
    if (ended || session == null) {
      return;
    }
    while (call.isReady()) {
      if (!ledger.sending()) {
        if (!ledger.startNext()) {
          blockedSinceNs = -1;
          if (halfClosed) {
            end(Status.OK, null); // all it asked for is answered
          }
          return;
        }
        int index = ledger.current();
        int length = index < 0 ? -1 : safeLength(session, index);
        if (length <= 0) {
          // No chunk has no bytes, and none has an index past 2^31: not here, either way.
          unavailable(index);
          continue;
        }
        currentLength = length;
        currentOffset = 0;
      }
      int index = ledger.current();
      int n = Math.min(MAX_FRAGMENT_PAYLOAD, currentLength - currentOffset);
      // The provider writes straight into the bytes the frame carries: one copy per fragment.
      byte[] piece = new byte[n];
      try {
        provider.readChunk(session, index, currentOffset, ByteBuffer.wrap(piece));
      } catch (RuntimeException e) {
        perChunk.warn("chunk provider failed to read chunk {} of session {}", index, session, e);
        unavailable(index);
        continue;
      }
      call.sendMessage(DataFrame.newBuilder().setChunk(ChunkFrame.newBuilder()
          .setChunkIndex(index).setOffset(currentOffset)
          .setData(UnsafeByteOperations.unsafeWrap(piece))).build());
      blockedSinceNs = -1;
      currentOffset += n;
      if (currentOffset >= currentLength) {
        ledger.answered(TimeUnit.NANOSECONDS.toMillis(source.nowNs()));
      }
    }
    if (ledger.busy() && blockedSinceNs < 0) {
      blockedSinceNs = source.nowNs();
    }
  }

  private void unavailable(int index) {
    call.sendMessage(DataFrame.newBuilder().setUnavailable(index).build());
    blockedSinceNs = -1;
    ledger.answered(TimeUnit.NANOSECONDS.toMillis(source.nowNs()));
  }

  private int safeLength(DataSessionId session, int index) {
    try {
      return provider.chunkLength(session, index);
    } catch (RuntimeException e) {
      perChunk.warn("chunk provider failed on the length of chunk {}", index, e);
      return -1;
    }
  }

  /** Ends the session if it waited too long for its handshake or for its receiver to read. */
  synchronized void checkTimeouts(long nowNs) {
    if (ended) {
      return;
    }
    if (id == null && nowNs - startedNs > source.handshakeTimeout().toNanos()) {
      end(Status.DEADLINE_EXCEEDED.withDescription("no accepted handshake within "
          + source.handshakeTimeout().toMillis() + " ms"), null);
    } else if (blockedSinceNs >= 0 && nowNs - blockedSinceNs > source.stallTimeout().toNanos()) {
      if (call.isReady()) {
        drain(); // the receiver read, and the ready callback is on its way
      } else {
        end(Status.DEADLINE_EXCEEDED.withDescription("the receiver did not read for "
            + source.stallTimeout().toMillis() + " ms"), null);
      }
    }
  }

  @Override
  public synchronized void onHalfClose() {
    if (ended) {
      return;
    }
    if (id == null) {
      end(Status.INVALID_ARGUMENT.withDescription("the stream ended before its handshake"), null);
      return;
    }
    // The receiver asks for nothing more; what it asked for is still sent, then the call ends.
    halfClosed = true;
    drain();
  }

  @Override
  public synchronized void onCancel() {
    end(null, null);
    source.callFinished();
  }

  @Override
  public void onComplete() {
    source.callFinished();
  }

  synchronized void sourceClosing() {
    Metadata trailers = new Metadata();
    trailers.put(GrpcDataTransport.CLOSE_REASON, "source-closed");
    end(Status.UNAVAILABLE.withDescription("the source stopped serving"), trailers);
  }

  /** Ends the session once: answers the receiver with {@code status} unless it is gone. */
  private void end(@Nullable Status status, @Nullable Metadata trailers) {
    if (ended) {
      return;
    }
    ended = true;
    source.ended(this, id != null);
    if (peer != null) {
      source.releasePeerShare(peer);
      peer = null;
    }
    if (status != null) {
      try {
        call.close(status, trailers == null ? new Metadata() : trailers);
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
