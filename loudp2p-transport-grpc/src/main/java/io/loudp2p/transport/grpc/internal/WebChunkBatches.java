package io.loudp2p.transport.grpc.internal;

import static io.loudp2p.spi.DataTransport.MAX_FRAGMENT_PAYLOAD;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UnsafeByteOperations;
import io.grpc.Status;
import io.loudp2p.PeerId;
import io.loudp2p.core.internal.ThrottledLog;
import io.loudp2p.core.proto.v1.ChunkFrame;
import io.loudp2p.core.proto.v1.ChunkRequest;
import io.loudp2p.core.proto.v1.DataFrame;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataSessionId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The chunk path of gRPC-Web clients ({@code FetchChunkBatch}, PROTOCOL.md section 5, "Chunk
 * batches"): each call is one {@link ChunkRequest} that names a session, carries its handshake and
 * wants at most {@link #MAX_WANTS} chunks, answered with the chunks whole, in order. A session is
 * accepted by the peer's {@link ChunkProvider} on its first call, stays open while calls come,
 * and ends {@link #IDLE} after its last call ended.
 *
 * <p>Owns the table of sessions and the counts of running batches (under this object's lock).
 * Calls of one session may run at once; the provider is asked for one session under that
 * session's lock, so that its calls for one session never overlap. Thread-safe.
 */
final class WebChunkBatches implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcLoggers.GRPC);
  private static final ThrottledLog perChunk = new ThrottledLog(log);

  /** The name the sessions and bytes of this path are counted under. */
  static final String TRANSPORT = "grpc-web";
  /** Most chunks one call may want: 1 MiB of 16 KiB chunks. */
  static final int MAX_WANTS = 64;
  /** Most calls of one session at once. */
  static final int MAX_CALLS_PER_SESSION = 4;
  /** Most batches at once on the endpoint; the other calls keep threads of their own. */
  static final int MAX_BATCHES = 16;
  /** Most sessions open at once on the endpoint. */
  static final int MAX_SESSIONS = 256;
  /** Most sessions of one peer at once on this path. */
  static final int MAX_SESSIONS_PER_PEER = 32;
  /** How long a session stays open with no call running. */
  static final Duration IDLE = Duration.ofSeconds(30);

  /** Where a batch's frames go. */
  interface Sink {
    /**
     * Sends one frame.
     *
     * @throws IOException when the caller went away
     */
    void frame(DataFrame frame) throws IOException;
  }

  /** How a call ended: {@code OK}, or the status the trailer names. */
  record Outcome(Status.Code code, String message) {
    static final Outcome OK = new Outcome(Status.Code.OK, "");

    static Outcome of(Status.Code code, String message) {
      return new Outcome(code, message);
    }
  }

  /** One session of this path. Its lock guards every call of the provider for it. */
  private static final class Session {
    final DataSessionId id;
    final byte[] handshake;
    final ChunkProvider provider;
    final @Nullable PeerId peer;
    /** Guarded by the batches' lock. */
    int running;
    long idleSinceNs;
    /** Guarded by this session's lock. */
    boolean ended;

    Session(DataSessionId id, byte[] handshake, ChunkProvider provider, @Nullable PeerId peer) {
      this.id = id;
      this.handshake = handshake;
      this.provider = provider;
      this.peer = peer;
    }
  }

  private final Supplier<@Nullable ChunkProvider> providers;
  private final LongSupplier clock;
  private final Map<DataSessionId, Session> sessions = new HashMap<>();
  private final Map<PeerId, Integer> perPeer = new HashMap<>();
  private int batches;
  private boolean closed;

  /**
   * @param providers the peer's chunks, asked at each first call of a session (null while the
   *     peer serves none)
   * @param clock nanoseconds, for the idle time of sessions
   */
  WebChunkBatches(Supplier<@Nullable ChunkProvider> providers, LongSupplier clock) {
    this.providers = providers;
    this.clock = clock;
  }

  /**
   * Serves one call on the calling thread: {@code request} is the call's message, as sent.
   *
   * @return how the call ends; nothing more is sent after the frames
   * @throws IOException when the caller went away
   */
  Outcome serve(byte[] request, InetSocketAddress remote, Sink sink) throws IOException {
    ChunkRequest r;
    try {
      r = ChunkRequest.parseFrom(request);
    } catch (InvalidProtocolBufferException e) {
      return Outcome.of(Status.Code.INVALID_ARGUMENT,
          "not a ChunkRequest (" + request.length + " bytes): " + e.getMessage());
    }
    if (r.getSessionId().size() != DataSessionId.LENGTH) {
      return Outcome.of(Status.Code.INVALID_ARGUMENT,
          "a chunk batch names its session by a 16-byte session_id");
    }
    if (r.getWantCount() == 0) {
      return Outcome.of(Status.Code.INVALID_ARGUMENT, "a chunk batch wants at least one chunk");
    }
    if (r.getCancelCount() > 0) {
      return Outcome.of(Status.Code.INVALID_ARGUMENT,
          "a chunk batch cancels nothing: abort the call to stop it");
    }
    if (r.getWantCount() > MAX_WANTS) {
      return Outcome.of(Status.Code.RESOURCE_EXHAUSTED,
          "more than " + MAX_WANTS + " chunks wanted in one batch");
    }
    DataSessionId id = DataSessionId.fromBytes(r.getSessionId().toByteArray());
    byte[] handshake = r.getHandshake().toByteArray();
    Object taken = take(id, handshake, remote);
    if (taken instanceof Outcome refused) {
      return refused;
    }
    Session s = (Session) taken;
    try {
      sink.frame(DataFrame.newBuilder().setAccepted(true).build());
      for (int index : r.getWantList()) {
        byte[] chunk = read(s, index);
        if (chunk == null) {
          if (ended(s)) {
            return Outcome.of(Status.Code.UNAVAILABLE, "the source stopped serving");
          }
          sink.frame(DataFrame.newBuilder().setUnavailable(index).build());
          continue;
        }
        for (int offset = 0; offset < chunk.length; offset += MAX_FRAGMENT_PAYLOAD) {
          int n = Math.min(MAX_FRAGMENT_PAYLOAD, chunk.length - offset);
          sink.frame(DataFrame.newBuilder().setChunk(ChunkFrame.newBuilder()
              .setChunkIndex(index).setOffset(offset)
              .setData(UnsafeByteOperations.unsafeWrap(chunk, offset, n))).build());
        }
      }
      return Outcome.OK;
    } finally {
      release(s);
    }
  }

  /** The session of a call, taken for it (counted as running), or why the call is refused. */
  private synchronized Object take(DataSessionId id, byte[] handshake, InetSocketAddress remote) {
    if (closed) {
      return Outcome.of(Status.Code.UNAVAILABLE, "the source stopped serving");
    }
    if (batches >= MAX_BATCHES) {
      return Outcome.of(Status.Code.RESOURCE_EXHAUSTED,
          "more than " + MAX_BATCHES + " chunk batches at once; retry later");
    }
    Session s = sessions.get(id);
    if (s != null) {
      if (!MessageDigest.isEqual(s.handshake, handshake)) {
        return Outcome.of(Status.Code.UNAUTHENTICATED, "session " + id
            + " was opened with another handshake");
      }
      if (s.running >= MAX_CALLS_PER_SESSION) {
        return Outcome.of(Status.Code.RESOURCE_EXHAUSTED, "more than " + MAX_CALLS_PER_SESSION
            + " batches of session " + id + " at once");
      }
    } else {
      if (sessions.size() >= MAX_SESSIONS) {
        return Outcome.of(Status.Code.RESOURCE_EXHAUSTED,
            "more than " + MAX_SESSIONS + " chunk sessions at once; retry later");
      }
      ChunkProvider provider = providers.get();
      if (provider == null) {
        return Outcome.of(Status.Code.UNAVAILABLE, "the peer serves no chunks");
      }
      Object opened = open(provider, id, handshake, remote);
      if (opened instanceof Outcome refused) {
        return refused;
      }
      s = (Session) opened;
      sessions.put(id, s);
    }
    s.running++;
    batches++;
    return s;
  }

  /** Asks the provider to accept a session's first call (under this object's lock). */
  private Object open(ChunkProvider provider, DataSessionId id, byte[] handshake,
      InetSocketAddress remote) {
    boolean accepted;
    try {
      accepted = provider.accept(id, handshake, remote);
    } catch (RuntimeException e) {
      log.warn("chunk provider failed to judge session {} from {}", id, remote, e);
      accepted = false;
    }
    if (!accepted) {
      boolean known;
      try {
        known = provider.knows(id);
      } catch (RuntimeException e) {
        known = true;
      }
      return known
          ? Outcome.of(Status.Code.UNAUTHENTICATED, "the source refused session " + id
              + ": the handshake is not the one its StreamOpen agreed")
          : Outcome.of(Status.Code.FAILED_PRECONDITION, "the source knows no session " + id
              + ": it never offered it, or the session ended");
    }
    PeerId peer;
    try {
      peer = provider.peerOf(id);
    } catch (RuntimeException e) {
      peer = null;
    }
    if (peer != null) {
      int held = perPeer.getOrDefault(peer, 0);
      if (held >= MAX_SESSIONS_PER_PEER) {
        closeQuietly(provider, id);
        return Outcome.of(Status.Code.RESOURCE_EXHAUSTED, "more than " + MAX_SESSIONS_PER_PEER
            + " chunk sessions of peer " + peer + " at once; retry later");
      }
      perPeer.put(peer, held + 1);
    }
    return new Session(id, handshake, provider, peer);
  }

  private synchronized void release(Session s) {
    s.running--;
    batches--;
    s.idleSinceNs = clock.getAsLong();
  }

  /** Chunk {@code index} whole, or null when the source does not have it (or the session ended). */
  private static byte @Nullable [] read(Session s, int index) {
    if (index < 0) {
      return null; // an index of 2^31 or more: no track has that many chunks
    }
    synchronized (s) {
      if (s.ended) {
        return null;
      }
      try {
        int length = s.provider.chunkLength(s.id, index);
        if (length <= 0) {
          return null;
        }
        byte[] chunk = new byte[length];
        s.provider.readChunk(s.id, index, 0, ByteBuffer.wrap(chunk));
        return chunk;
      } catch (RuntimeException e) {
        perChunk.warn("chunk provider failed to read chunk {} of session {}", index, s.id, e);
        return null;
      }
    }
  }

  private static boolean ended(Session s) {
    synchronized (s) {
      return s.ended;
    }
  }

  /** Ends the sessions with no call running for {@link #IDLE}; returns how many. */
  int endIdle() {
    long now = clock.getAsLong();
    List<Session> idle = new ArrayList<>();
    synchronized (this) {
      sessions.values().removeIf(s -> {
        boolean out = s.running == 0 && now - s.idleSinceNs >= IDLE.toNanos();
        if (out) {
          idle.add(s);
          releasePeer(s);
        }
        return out;
      });
    }
    idle.forEach(WebChunkBatches::end);
    return idle.size();
  }

  /** Sessions open now. */
  synchronized int sessions() {
    return sessions.size();
  }

  private void releasePeer(Session s) {
    if (s.peer != null) {
      perPeer.computeIfPresent(s.peer, (p, n) -> n <= 1 ? null : n - 1);
    }
  }

  private static void end(Session s) {
    synchronized (s) {
      if (s.ended) {
        return;
      }
      s.ended = true;
    }
    closeQuietly(s.provider, s.id);
  }

  private static void closeQuietly(ChunkProvider provider, DataSessionId id) {
    try {
      provider.onSessionClosed(id);
    } catch (RuntimeException e) {
      log.warn("chunk provider failed on the end of session {}", id, e);
    }
  }

  /** Ends every session; running batches end {@code UNAVAILABLE} at their next chunk. */
  @Override
  public void close() {
    List<Session> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(sessions.values());
      sessions.clear();
      perPeer.clear();
    }
    all.forEach(WebChunkBatches::end);
  }
}
