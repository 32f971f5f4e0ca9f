package io.loudp2p.transport.grpc.internal;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.loudp2p.PeerId;
import io.loudp2p.core.internal.ThrottledLog;
import io.loudp2p.core.proto.v1.DataFrame;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The source side of the chunk streams of one data server: the {@code FetchChunks} method, the
 * sessions it serves from a {@link ChunkProvider}, and the shares of the server it lets one
 * address or one peer hold.
 *
 * <p>Within the budget of calls one address has ({@link PeerCallLimiter}, 64 by default), which
 * clients behind one NAT share: one connection (one client) may hold at most {@link
 * #MAX_STREAMS_PER_CLIENT} streams, so that a new client at the address always finds room; at
 * most {@link #MAX_UNIDENTIFIED_PER_CLIENT} of them before their handshake is accepted, and each
 * must show it within the handshake timeout; the sessions of one peer ID, on any connection, are
 * at most {@link #MAX_SESSIONS_PER_PEER}; and a session whose receiver stops reading is ended
 * after the stall timeout.
 *
 * <p>Thread-safe.
 */
final class ChunkStreamSource {
  private static final Logger log = LoggerFactory.getLogger(GrpcLoggers.GRPC);
  /** For timeout checks, which run four times per shortest timeout for every stream. */
  private static final ThrottledLog timeoutChecks = new ThrottledLog(log);

  /**
   * Most sessions one peer ID may have at once with this source. A player streams one track from
   * a source, perhaps prefetching the next: 16 leave room for that, and keep three quarters of an
   * address's 64 calls for others behind the same NAT.
   */
  static final int MAX_SESSIONS_PER_PEER = 32;

  /**
   * Most streams one connection may hold at once: three quarters of an address's 64 calls, so that
   * one client holding all it may still leaves 16 for other clients behind the same address.
   */
  static final int MAX_STREAMS_PER_CLIENT = 48;

  /**
   * Most streams one connection may have open before their handshake is accepted: a client opens
   * a session with its first request, so more waiting at once is not a client opening sessions.
   */
  static final int MAX_UNIDENTIFIED_PER_CLIENT = 16;

  /**
   * Largest ChunkRequest accepted. The handshake (a signed StreamOpen) is well under 1 KiB and a
   * full want list of {@link WantLedger#MAX_WANTED} indexes about 20 KiB; a larger message is
   * refused by gRPC with {@code RESOURCE_EXHAUSTED} before it is parsed.
   */
  static final int MAX_CHUNK_REQUEST_BYTES = 64 * 1024;

  /**
   * Most FetchChunks streams one connection carries at once (HTTP/2 MAX_CONCURRENT_STREAMS). A
   * stream ended while its receiver does not read keeps its unsent frames in the connection until
   * the receiver reads or leaves; this bounds what one connection can keep so, at twice an
   * address's budget of calls.
   */
  static final int MAX_STREAMS_PER_CONNECTION = 128;

  /** At most one log line about unparseable requests in this interval; the rest are counted. */
  static final Duration MALFORMED_LOG_INTERVAL = Duration.ofSeconds(10);

  /** FetchChunks with requests as raw bytes: the session parses them, and owns a parse failure. */
  static final MethodDescriptor<byte[], DataFrame> FETCH_CHUNKS =
      MethodDescriptor.<byte[], DataFrame>newBuilder()
          .setType(MethodDescriptor.MethodType.BIDI_STREAMING)
          .setFullMethodName(Loudp2pGrpc.getFetchChunksMethod().getFullMethodName())
          .setRequestMarshaller(RawBytesMarshaller.INSTANCE)
          .setResponseMarshaller(Loudp2pGrpc.getFetchChunksMethod().getResponseMarshaller())
          .build();

  private final ChunkProvider provider;
  private final Duration handshakeTimeout;
  private final Duration stallTimeout;
  private final LongSupplier clock;
  private final Set<SourceSession> live = ConcurrentHashMap.newKeySet();
  /** Per connection (the caller's address and port): its streams, and those not yet accepted. */
  private final ConcurrentHashMap<InetSocketAddress, Integer> streams = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<InetSocketAddress, Integer> unidentified =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<PeerId, Integer> perPeer = new ConcurrentHashMap<>();
  private final AtomicInteger openCalls = new AtomicInteger();
  private final ThrottledWarning malformed;
  private final ScheduledExecutorService timer;
  private volatile boolean closed;

  ChunkStreamSource(ChunkProvider provider, GrpcSettings settings) {
    this.provider = provider;
    this.handshakeTimeout = settings.dataHandshakeTimeout;
    this.stallTimeout = settings.dataStallTimeout;
    this.clock = System::nanoTime;
    this.malformed = new ThrottledWarning(log, "malformed chunk request(s)", MALFORMED_LOG_INTERVAL,
        clock);
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "loudp2p-grpc-chunk-timeouts");
      t.setDaemon(true);
      return t;
    });
    // Checked four times per shortest timeout: a stream is ended within 1.25 times its timeout.
    long periodMs = Math.max(10, Math.min(1000,
        Math.min(handshakeTimeout.toMillis(), stallTimeout.toMillis()) / 4));
    timer.scheduleWithFixedDelay(this::checkTimeouts, periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  /** The service to add to the data server. */
  ServerServiceDefinition service() {
    return ServerServiceDefinition.builder(Loudp2pGrpc.SERVICE_NAME)
        .addMethod(FETCH_CHUNKS, this::startCall)
        .build();
  }

  private ServerCall.Listener<byte[]> startCall(ServerCall<byte[], DataFrame> call,
      Metadata headers) {
    openCalls.incrementAndGet();
    InetSocketAddress remote = PeerCallLimiter.remote();
    Status refusal = null;
    if (closed) {
      refusal = Status.UNAVAILABLE.withDescription("the source stopped serving");
    } else if (!take(streams, remote, MAX_STREAMS_PER_CLIENT)) {
      refusal = Status.RESOURCE_EXHAUSTED.withDescription("more than " + MAX_STREAMS_PER_CLIENT
          + " chunk streams on one connection; retry later");
    } else if (!take(unidentified, remote, MAX_UNIDENTIFIED_PER_CLIENT)) {
      release(streams, remote);
      refusal = Status.RESOURCE_EXHAUSTED.withDescription("more than "
          + MAX_UNIDENTIFIED_PER_CLIENT + " chunk streams without a handshake on one connection;"
          + " retry later");
    }
    if (refusal != null) {
      call.close(refusal, new Metadata());
      return new ServerCall.Listener<>() {
        @Override
        public void onComplete() {
          callFinished();
        }

        @Override
        public void onCancel() {
          callFinished();
        }
      };
    }
    SourceSession session = new SourceSession(this, provider, call, remote, clock.getAsLong());
    live.add(session);
    call.request(1);
    return session;
  }

  long nowNs() {
    return clock.getAsLong();
  }

  Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  Duration stallTimeout() {
    return stallTimeout;
  }

  private void checkTimeouts() {
    long now = clock.getAsLong();
    for (SourceSession s : live) {
      try {
        s.checkTimeouts(now);
      } catch (RuntimeException e) {
        timeoutChecks.warn("checking the timeouts of a chunk stream from {} failed", s.remote(), e);
      }
    }
  }

  /** Counts an unparseable or malformed request, and says so in the log now and then. */
  void malformed(InetSocketAddress from, String why) {
    malformed.count(from, why);
  }

  /** The stream from {@code remote} showed an accepted handshake. */
  void identified(InetSocketAddress remote) {
    release(unidentified, remote);
  }

  boolean takePeerShare(PeerId peer) {
    return take(perPeer, peer, MAX_SESSIONS_PER_PEER);
  }

  void releasePeerShare(PeerId peer) {
    release(perPeer, peer);
  }

  private static <K> void release(ConcurrentHashMap<K, Integer> counts, K key) {
    counts.computeIfPresent(key, (k, n) -> n <= 1 ? null : n - 1);
  }

  private static <K> boolean take(ConcurrentHashMap<K, Integer> counts, K key, int max) {
    boolean[] taken = {false};
    counts.compute(key, (k, n) -> {
      int held = n == null ? 0 : n;
      if (held >= max) {
        return n;
      }
      taken[0] = true;
      return held + 1;
    });
    return taken[0];
  }

  /** The session ended; {@code identified} whether its handshake had been accepted. */
  void ended(SourceSession session, boolean identified) {
    if (live.remove(session)) {
      release(streams, session.remote());
      if (!identified) {
        release(unidentified, session.remote());
      }
    }
  }

  void callFinished() {
    openCalls.decrementAndGet();
  }

  /** Sessions not yet ended. */
  int liveSessions() {
    return live.size();
  }

  /** Calls gRPC still holds: started and not yet completed or cancelled. */
  int openCalls() {
    return openCalls.get();
  }

  /** Malformed requests refused so far. */
  long malformedRequests() {
    return malformed.total();
  }

  /** Log lines written about them. */
  long malformedLogLines() {
    return malformed.lines();
  }

  /** Ends every session: the server stops serving. */
  void close() {
    closed = true;
    timer.shutdownNow();
    for (SourceSession s : live) {
      s.sourceClosing();
    }
  }
}
