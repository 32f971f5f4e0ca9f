package io.loudp2p.examples.gateway;

import io.loudp2p.Peer;
import io.loudp2p.StreamSession;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.examples.audio.AudioContainer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A local HTTP gateway to a {@link Peer}: a web page to search the network and play what it finds,
 * a JSON search endpoint, and every track as an HTTP resource with byte ranges, so any browser or
 * media player can play from loudp2p.
 *
 * <pre>{@code
 * try (Gateway gateway = Gateway.start(peer, new InetSocketAddress("127.0.0.1", 8080))) {
 *   System.out.println("open " + gateway.url());
 *   ...
 * }
 * }</pre>
 *
 * <h2>Endpoints</h2>
 *
 * <ul>
 *   <li>{@code GET /}: the player page (self-contained HTML, CSS, script and icon). {@code
 *       /?track=ID} ({@link #playerUrl}) opens it with that track in its player, playing at once
 *       where the browser allows it; the search works as ever.
 *   <li>{@code GET /favicon.ico}: the page's icon, a small SVG ({@code image/svg+xml}), for
 *       browsers and tools that ask there.
 *   <li>{@code GET /search?q=words}: searches with {@link Peer#search}; answers {@code
 *       {"query":…,"results":[{"id","title","artist","album","trackNumber","durationMs","size",
 *       "codec","mediaType","sources","score","url"}],"peers":…}}, where {@code peers} is how many
 *       other peers the peer knows ({@link Peer#peers}): 0 means the search reached no one, and
 *       the page says so. The tracks found are remembered (a bounded number) so that the track
 *       endpoint knows their media type and length.
 *   <li>{@code GET /tracks/{id}} and {@code HEAD}: the track's bytes, from a {@link StreamSession}
 *       ({@link Peer#stream}); {@code Accept-Ranges: bytes}, a strong {@code ETag} (the track ID
 *       names the content), and {@code Range} as {@link ByteRanges} describes: one range gets 206
 *       with {@code Content-Range}, a start past the end gets 416 with {@code Content-Range: bytes
 *       *}{@code /length}, several ranges get the whole track with 200, and so does a range set
 *       that is not valid (bad syntax, or an end before the start), which is ignored. {@code
 *       If-Range} with anything but the ETag sends the whole track. {@code HEAD} ignores
 *       {@code Range}. {@code If-None-Match} that is {@code *} or lists the ETag (compared weakly,
 *       so {@code W/} is ignored) gets 304 Not Modified with the ETag and no body, whatever the
 *       {@code Range}; other tags get the answer above. No {@code Last-Modified} is sent, so
 *       {@code If-Modified-Since} is ignored. The {@code Content-Type} is the media type a search
 *       or the peer's catalog gave; for a track requested by ID alone it is told from the track's
 *       first bytes ({@link AudioContainer}) and remembered, so {@code HEAD} and {@code GET}
 *       answer the same.
 *   <li>{@code GET /tracks/{id}/swarm}: what the track's stream session is doing now, for the
 *       page's live view of the swarm: {@code {"open":true,"title":…,"artist":…,"length":…,
 *       "chunkSize":16384,"chunks":"AAAAbbba~~..","sources":[{"peer","transport","bytes","chunks",
 *       "rateBytesPerSecond","rttMs","active","bad"}],"stats":{"timeToFirstByteMs","stalls",
 *       "stalledMs","verifiedBytes","redundantBytes","rejectedChunks"}}}. {@code chunks} has one
 *       character per chunk: {@code .} missing, {@code ~} arriving, {@code a} to {@code y}
 *       buffered from source 0 to 24 of {@code sources} ({@code z}: a later source, or one not
 *       known), {@code A} to {@code Z} the same once played (read past); {@code transport} is
 *       {@code udp}, {@code grpc} or {@code local} (this peer's own copy); {@code
 *       timeToFirstByteMs} is -1 before the first byte; title and artist are there when the track
 *       is known. The session shown is the one that moved bytes last; when the track's sessions
 *       have all closed, the last state of the last one is answered with {@code "open":false}
 *       (for a bounded number of tracks); with neither, 404. The answer stays under about 140 KB
 *       ({@link SwarmSnapshot} tells how).
 * </ul>
 *
 * <p>Everything else gets a 4xx: paths the gateway does not serve 404, methods 405, track IDs that
 * are not Base58 of 32 bytes 400, IDs no known peer holds 404. Paths are matched on their raw form,
 * before any decoding, so {@code ..} and percent-encoded tricks never name anything. The gateway
 * reads no file: track bytes come only from stream sessions. When bound to a loopback address it
 * answers only requests whose {@code Host} names loopback, so web pages elsewhere cannot reach it
 * through DNS rebinding.
 *
 * <h2>Limits</h2>
 *
 * <p>Requests run on a bounded pool ({@link Builder#threads}); connections beyond what it and its
 * queue hold are closed. At most {@link Builder#maxSessions} stream sessions are open; a session
 * is kept open for a while after its response so a seek reuses it, and when every session is busy
 * a request gets 503 with {@code Retry-After}. A response whose session makes no progress for the
 * stall timeout is cut off.
 *
 * <p>The JDK server reads a request's line and headers on a pool thread, so a client that sends
 * part of a request and stops would hold that thread for good. The gateway therefore sets the JDK
 * server's own limits, as system properties, before the first server of this JVM is made (they
 * are read once per JVM; a value already set, e.g. with {@code -D}, is kept):
 *
 * <ul>
 *   <li>{@code sun.net.httpserver.maxReqTime}: a connection that has not sent a whole request
 *       line and headers {@link #REQUEST_TIME_LIMIT} after it opened (or, when kept alive, after
 *       the next request began to arrive) is closed, which frees its thread. The default
 *       pool is large enough that a few dozen stalled clients delay no one meanwhile;
 *   <li>{@code sun.net.httpserver.maxReqHeaders} and {@code maxReqHeaderSize}: a request with
 *       more than {@link #MAX_REQUEST_HEADERS} header names, or whose header lines take more than
 *       {@link #MAX_REQUEST_HEADER_BYTES} bytes (the JDK counts 32 more for each line), is
 *       dropped: the JDK server closes the connection without an answer, as it has no way to
 *       send 431. It also answers a request target that is not a valid URI (such as {@code
 *       /search?q=%zz}) with its own 400 page before any handler sees the request.
 * </ul>
 *
 * <p>It never sets {@code sun.net.httpserver.maxRspTime}: responses are audio streams that last
 * as long as the music. Keep-alive connections are left to the JDK's defaults (closed after 30 s
 * idle, at most 200 kept); an idle connection holds no thread.
 *
 * <p>Thread-safe. Lifecycle: {@link #start}ed by the static factories, {@link #close()}d once
 * (further closes do nothing). The gateway does not own the peer: close the peer after it.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  /** How long a connection may take to send a request's line and headers; then it is closed. */
  public static final Duration REQUEST_TIME_LIMIT = Duration.ofSeconds(5);
  /** The most distinct header names a request may have. */
  public static final int MAX_REQUEST_HEADERS = 100;
  /** The most bytes a request's header lines may take, counting 32 more for each line. */
  public static final int MAX_REQUEST_HEADER_BYTES = 64 * 1024;

  static {
    // Read once, when the JDK server's classes load: that is, at the first HttpServer.create.
    setIfAbsent("sun.net.httpserver.maxReqTime", Long.toString(REQUEST_TIME_LIMIT.toSeconds()));
    setIfAbsent("sun.net.httpserver.maxReqHeaders", Integer.toString(MAX_REQUEST_HEADERS));
    setIfAbsent("sun.net.httpserver.maxReqHeaderSize", Integer.toString(MAX_REQUEST_HEADER_BYTES));
  }

  private final GatewayServer server;
  private final SessionPool sessions;
  private final KnownTracks known;
  private final TrackRoute tracks;
  private volatile boolean closed;

  private Gateway(Builder b) throws IOException {
    Responses responses = new Responses(b.listener);
    PlayerPage page = PlayerPage.load(responses);
    SwarmRoute.LastStates lastStates = new SwarmRoute.LastStates();
    this.sessions = new SessionPool(b.peer::stream, b.maxSessions, b.sessionIdle, b.openTimeout,
        b.stallTimeout, lastStates::keep);
    this.server = new GatewayServer(b.bind, b.threads);
    this.known = new KnownTracks(b.peer);
    this.tracks = new TrackRoute(sessions, known, responses, () -> closed);
    SearchRoute search = new SearchRoute(b.peer, b.searchDeadline, known, responses);
    SwarmRoute swarm = new SwarmRoute(sessions, lastStates, known, responses);
    boolean loopbackOnly = server.address().getAddress().isLoopbackAddress();
    server.serve(new Router(loopbackOnly, responses, page, search, tracks, swarm));
  }

  private static void setIfAbsent(String property, String value) {
    if (System.getProperty(property) == null) {
      System.setProperty(property, value);
    }
  }

  /**
   * Starts a gateway for {@code peer} on {@code bind} (port 0 picks a free one) with the default
   * settings.
   *
   * @throws IOException when the address cannot be bound
   */
  public static Gateway start(Peer peer, InetSocketAddress bind) throws IOException {
    return builder(peer).bind(bind).start();
  }

  /** A builder for a gateway to {@code peer}, on 127.0.0.1 with a free port by default. */
  public static Builder builder(Peer peer) {
    return new Builder(peer);
  }

  private Gateway startServer() {
    server.start(() -> sessions.sweep(System.nanoTime()));
    log.info("gateway at {}", url());
    return this;
  }

  /** The address the gateway listens on. */
  public InetSocketAddress address() {
    return server.address();
  }

  /** The page's address, e.g. {@code http://127.0.0.1:8080/}. */
  public URI url() {
    InetSocketAddress a = address();
    String host = a.getAddress().isAnyLocalAddress()
        ? InetAddress.getLoopbackAddress().getHostAddress() : a.getAddress().getHostAddress();
    if (host.indexOf(':') >= 0) {
      host = "[" + host + "]";
    }
    return URI.create("http://" + host + ":" + a.getPort() + "/");
  }

  /** The page's address with {@code id} in its player, e.g. {@code http://127.0.0.1:8080/?track=ID}. */
  public URI playerUrl(TrackId id) {
    return url().resolve("/?track=" + id);
  }

  /** Where the track's bytes are served, e.g. {@code http://127.0.0.1:8080/tracks/ID}. */
  public URI trackUrl(TrackId id) {
    return url().resolve("/tracks/" + id);
  }

  /** Sweeps the stream sessions as the timer would at {@code nowNs}, for tests. */
  void sweepSessions(long nowNs) {
    sessions.sweep(nowNs);
  }

  /** Stream sessions open now, serving or kept for reuse. */
  int openSessions() {
    return sessions.open();
  }

  /** Stops serving, cuts off responses in progress and closes every stream session; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    sessions.close();
    server.stop();
  }

  /**
   * Makes a track known as a search through the gateway would: its media type and length then
   * answer requests for it (for a track found some other way).
   */
  public void addTrack(Track track) {
    known.remember(Objects.requireNonNull(track, "track"));
  }

  /** What {@code /tracks/{id}} answers with: its media type and length in bytes. */
  public record Resource(String mediaType, long length) {}

  /**
   * What the gateway serves for a track. For a track no search or catalog described, this opens a
   * stream session and tells the media type from the first bytes, as a {@code HEAD} request
   * would, and keeps the session for the next request.
   *
   * @throws IOException when no peer streams the track, or not in time; the message says why
   */
  public Resource describe(TrackId id) throws IOException {
    return tracks.describe(id);
  }

  /** Whether a Host header names a loopback address or {@code localhost}, with any port. */
  static boolean hostIsLoopback(@Nullable String host) {
    return Router.hostIsLoopback(host);
  }

  /**
   * Hears what the gateway answers. Called on the request's thread, once per response, after its
   * headers are sent; must not block. Override what you need; {@link #NONE} hears nothing.
   */
  public abstract static class Listener {
    /** A listener that ignores every event. */
    public static final Listener NONE = new Listener() {};

    /**
     * A response started.
     *
     * @param method the request method
     * @param rawPath the request path as sent, not decoded
     * @param range the request's {@code Range} header, or null when it had none
     * @param status the response status
     */
    public void onResponse(String method, String rawPath, @Nullable String range, int status) {}
  }

  /** Configures a {@link Gateway}. Not thread-safe. */
  public static final class Builder {
    private final Peer peer;
    private InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private Duration searchDeadline = Duration.ofSeconds(2);
    private int threads = 64;
    private int maxSessions = 16;
    private Duration sessionIdle = Duration.ofSeconds(20);
    private Duration openTimeout = Duration.ofSeconds(10);
    private Duration stallTimeout = Duration.ofSeconds(30);
    private Listener listener = Listener.NONE;

    private Builder(Peer peer) {
      this.peer = Objects.requireNonNull(peer, "peer");
    }

    /** Listens here (port 0 picks a free one); default 127.0.0.1 on a free port. */
    public Builder bind(InetSocketAddress address) {
      this.bind = Objects.requireNonNull(address, "address");
      return this;
    }

    /** How long a search gathers answers from other peers; default 2 seconds. */
    public Builder searchDeadline(Duration deadline) {
      this.searchDeadline = positive(deadline, "search deadline");
      return this;
    }

    /**
     * The most requests handled at once (four times as many may wait); default 64. A request
     * still arriving holds one of these threads too, for at most {@link #REQUEST_TIME_LIMIT}.
     */
    public Builder threads(int threads) {
      this.threads = atLeastOne(threads, "threads");
      return this;
    }

    /** The most stream sessions open at once, busy or kept for reuse; default 16. */
    public Builder maxSessions(int maxSessions) {
      this.maxSessions = atLeastOne(maxSessions, "max sessions");
      return this;
    }

    /** How long a session is kept after its response for the next request of its track; default 20 s. */
    public Builder sessionIdle(Duration idle) {
      this.sessionIdle = positive(idle, "session idle time");
      return this;
    }

    /** How long opening a session may take before the request gets 504; default 10 s. */
    public Builder openTimeout(Duration timeout) {
      this.openTimeout = positive(timeout, "open timeout");
      return this;
    }

    /** How long a response may make no progress before it is cut off; default 30 s. */
    public Builder stallTimeout(Duration timeout) {
      this.stallTimeout = positive(timeout, "stall timeout");
      return this;
    }

    /** Hears every response; default {@link Listener#NONE}. */
    public Builder listener(Listener listener) {
      this.listener = Objects.requireNonNull(listener, "listener");
      return this;
    }

    /**
     * Binds the address and starts serving.
     *
     * @throws IOException when the address cannot be bound
     */
    public Gateway start() throws IOException {
      return new Gateway(this).startServer();
    }

    private static Duration positive(Duration d, String what) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }

    private static int atLeastOne(int n, String what) {
      if (n < 1) {
        throw new IllegalArgumentException(what + " must be at least 1: " + n);
      }
      return n;
    }
  }
}
