package io.loudp2p.examples.gateway;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.loudp2p.Loudp2pException;
import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.SearchHit;
import io.loudp2p.StreamSession;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.TrackInfo;
import io.loudp2p.examples.audio.AudioContainer;
import io.loudp2p.examples.gateway.ByteRanges.Decision;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
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
 *   <li>{@code GET /}: the player page (self-contained HTML, CSS and script).
 *   <li>{@code GET /search?q=words}: searches with {@link Peer#search}; answers {@code
 *       {"query":…,"results":[{"id","title","artist","album","trackNumber","durationMs","size",
 *       "codec","mediaType","sources","score","url"}]}}. The tracks found are remembered (a bounded
 *       number) so that the track endpoint knows their media type and length.
 *   <li>{@code GET /tracks/{id}} and {@code HEAD}: the track's bytes, from a {@link StreamSession}
 *       ({@link Peer#stream}); {@code Accept-Ranges: bytes}, a strong {@code ETag} (the track ID
 *       names the content), and {@code Range} as {@link ByteRanges} describes: one range gets 206
 *       with {@code Content-Range}, a start past the end gets 416 with {@code Content-Range: bytes
 *       *}{@code /length}, several ranges get the whole track with 200, and so does a range set
 *       that is not valid (bad syntax, or an end before the start), which is ignored. {@code
 *       If-Range} with anything but the ETag sends the whole track. {@code HEAD} ignores
 *       {@code Range}. The {@code Content-Type} is the media type a search or the peer's catalog
 *       gave; for a track requested by ID alone it is told from the track's first bytes ({@link
 *       AudioContainer}) and remembered, so {@code HEAD} and {@code GET} answer the same.
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

  private static final Pattern BASE58 = Pattern.compile("[1-9A-HJ-NP-Za-km-z]{1,64}");
  private static final int MAX_PATH_LENGTH = 2048;
  private static final int MAX_QUERY_LENGTH = 2048;
  private static final int MAX_SEARCH_LENGTH = 256;
  private static final int MAX_RESULTS = 200;
  private static final int MAX_REMEMBERED_TRACKS = 10_000;
  private static final int COPY_BUFFER = 64 * 1024;
  private static final String ALLOW = "GET, HEAD";
  private static final String PAGE_RESOURCE = "player.html";

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

  private final Peer peer;
  private final Listener listener;
  private final Duration searchDeadline;
  private final HttpServer server;
  private final ThreadPoolExecutor executor;
  private final ScheduledThreadPoolExecutor sweeper;
  private final SessionPool sessions;
  private final boolean loopbackOnly;
  private final String pageTemplate;
  private final SecureRandom nonces = new SecureRandom();
  private final Map<TrackId, Track> tracks =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TrackId, Track> eldest) {
          return size() > MAX_REMEMBERED_TRACKS;
        }
      };
  /** Media types told from first bytes, for tracks no search or catalog described; guarded by {@link #tracks}. */
  private final Map<TrackId, String> sniffed =
      new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<TrackId, String> eldest) {
          return size() > MAX_REMEMBERED_TRACKS;
        }
      };
  private volatile boolean closed;

  private Gateway(Builder b) throws IOException {
    this.peer = b.peer;
    this.listener = b.listener;
    this.searchDeadline = b.searchDeadline;
    this.pageTemplate = page();
    AtomicInteger threadCount = new AtomicInteger();
    this.executor = new ThreadPoolExecutor(b.threads, b.threads, 30, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(b.threads * 4), r -> {
          Thread t = new Thread(r, "loudp2p-gateway-" + threadCount.incrementAndGet());
          t.setDaemon(true);
          return t;
        }, new ThreadPoolExecutor.AbortPolicy());
    executor.allowCoreThreadTimeOut(true);
    this.sweeper = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "loudp2p-gateway-sweeper");
      t.setDaemon(true);
      return t;
    });
    this.sessions = new SessionPool(peer::stream, b.maxSessions, b.sessionIdle, b.openTimeout,
        b.stallTimeout);
    this.server = HttpServer.create(b.bind, 64);
    this.loopbackOnly = server.getAddress().getAddress().isLoopbackAddress();
    server.createContext("/", this::handle);
    server.setExecutor(executor);
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
    server.start();
    sweeper.scheduleWithFixedDelay(() -> sessions.sweep(System.nanoTime()), 1, 1, TimeUnit.SECONDS);
    log.info("gateway at {}", url());
    return this;
  }

  /** The address the gateway listens on. */
  public InetSocketAddress address() {
    return server.getAddress();
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
    server.stop(0);
    sweeper.shutdownNow();
    executor.shutdownNow();
  }

  // ---------------------------------------------------------------------------------------------
  // Routing

  private void handle(HttpExchange ex) {
    try {
      ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
      ex.getResponseHeaders().set("Referrer-Policy", "no-referrer");
      String path = ex.getRequestURI().getRawPath();
      if (path == null || path.length() > MAX_PATH_LENGTH) {
        sendError(ex, 414, "request target too long");
      } else if (loopbackOnly && !hostIsLoopback(ex.getRequestHeaders().getFirst("Host"))) {
        sendError(ex, 403, "this gateway answers only requests addressed to loopback");
      } else if (path.equals("/")) {
        if (allowed(ex)) {
          sendPage(ex);
        }
      } else if (path.equals("/search")) {
        if (allowed(ex)) {
          search(ex);
        }
      } else if (path.startsWith("/tracks/")) {
        if (allowed(ex)) {
          track(ex, path.substring("/tracks/".length()));
        }
      } else {
        sendError(ex, 404, "not found");
      }
    } catch (IOException | UncheckedIOException e) {
      log.debug("response to {} {} broke off: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
    } catch (RuntimeException e) {
      log.warn("request {} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
      try {
        sendError(ex, 500, "internal error");
      } catch (IOException | RuntimeException ignored) {
        // Headers were already sent: the connection is closed below.
      }
    } finally {
      ex.close();
    }
  }

  private boolean allowed(HttpExchange ex) throws IOException {
    String method = ex.getRequestMethod();
    if (method.equals("GET") || method.equals("HEAD")) {
      return true;
    }
    ex.getResponseHeaders().set("Allow", ALLOW);
    sendError(ex, 405, "method not allowed: use " + ALLOW);
    return false;
  }

  /** Whether a Host header names a loopback address or {@code localhost}, with any port. */
  static boolean hostIsLoopback(@Nullable String host) {
    if (host == null) {
      return false;
    }
    String h = host.strip().toLowerCase(Locale.ROOT);
    if (h.startsWith("[")) {
      int end = h.indexOf(']');
      return end > 0 && h.substring(1, end).equals("::1") && portOnly(h.substring(end + 1));
    }
    int colon = h.indexOf(':');
    String name = colon < 0 ? h : h.substring(0, colon);
    if (colon >= 0 && !portOnly(h.substring(colon))) {
      return false;
    }
    if (name.equals("localhost")) {
      return true;
    }
    String[] parts = name.split("\\.", -1);
    if (parts.length != 4 || !parts[0].equals("127")) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)
          || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  private static boolean portOnly(String s) {
    return s.isEmpty() || (s.length() >= 2 && s.length() <= 6 && s.charAt(0) == ':'
        && s.substring(1).chars().allMatch(Character::isDigit));
  }

  // ---------------------------------------------------------------------------------------------
  // The page

  private static String page() throws IOException {
    try (InputStream in = Gateway.class.getResourceAsStream(PAGE_RESOURCE)) {
      if (in == null) {
        throw new IOException("missing resource " + PAGE_RESOURCE);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private void sendPage(HttpExchange ex) throws IOException {
    byte[] nonceBytes = new byte[18];
    nonces.nextBytes(nonceBytes);
    String nonce = Base64.getEncoder().encodeToString(nonceBytes);
    Headers h = ex.getResponseHeaders();
    h.set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-" + nonce + "'; "
        + "style-src 'nonce-" + nonce + "'; connect-src 'self'; media-src 'self'; "
        + "img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
    h.set("Cache-Control", "no-store");
    send(ex, 200, "text/html; charset=utf-8",
        pageTemplate.replace("{{nonce}}", nonce).getBytes(StandardCharsets.UTF_8));
  }

  // ---------------------------------------------------------------------------------------------
  // Search

  private void search(HttpExchange ex) throws IOException {
    String rawQuery = ex.getRequestURI().getRawQuery();
    if (rawQuery != null && rawQuery.length() > MAX_QUERY_LENGTH) {
      sendError(ex, 414, "query string too long");
      return;
    }
    String q;
    try {
      q = parameter(rawQuery, "q");
    } catch (IllegalArgumentException e) {
      sendError(ex, 400, "malformed query string");
      return;
    }
    if (q == null || q.isBlank()) {
      sendError(ex, 400, "say what to search for: /search?q=words");
      return;
    }
    q = q.strip();
    if (q.length() > MAX_SEARCH_LENGTH) {
      sendError(ex, 400, "search text longer than " + MAX_SEARCH_LENGTH + " characters");
      return;
    }
    List<SearchHit> hits;
    try {
      hits = peer.search(q, searchDeadline, hit -> { })
          .get(searchDeadline.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (IllegalArgumentException e) {
      sendError(ex, 400, "cannot search for that: " + e.getMessage());
      return;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.info("search for {} failed: {}", q, e.toString());
      sendError(ex, 502, "search failed");
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      sendError(ex, 503, "gateway stopping");
      return;
    }
    Json json = new Json().beginObject().field("query", q).beginArray("results");
    int n = 0;
    for (SearchHit hit : hits) {
      if (n++ == MAX_RESULTS) {
        break;
      }
      Track t = hit.track();
      remember(t);
      TrackInfo info = t.info();
      json.beginObject()
          .field("id", t.id().toString())
          .field("title", info.title())
          .field("artist", info.artist())
          .field("album", info.album())
          .field("trackNumber", info.trackNumber())
          .field("durationMs", info.duration().toMillis())
          .field("size", t.size())
          .field("codec", info.codec())
          .field("mediaType", info.mediaType())
          .field("score", hit.score())
          .field("url", "/tracks/" + t.id());
      json.beginArray("sources");
      for (PeerId source : hit.sources()) {
        json.value(source.toString());
      }
      json.endArray().endObject();
    }
    json.endArray().endObject();
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    send(ex, 200, "application/json", json.toString().getBytes(StandardCharsets.US_ASCII));
  }

  /**
   * Makes a track known as a search through the gateway would: its media type and length then
   * answer requests for it (for a track found some other way).
   */
  public void addTrack(Track track) {
    remember(Objects.requireNonNull(track, "track"));
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
    Optional<Track> track = known(id);
    String mediaType = knownMediaType(id, track);
    if (track.isPresent() && mediaType != null) {
      return new Resource(mediaType, track.get().size());
    }
    SessionPool.Lease lease;
    try {
      lease = sessions.acquire(id, System.nanoTime());
    } catch (SessionPool.NoCapacityException e) {
      throw new IOException(e.getMessage(), e);
    } catch (TimeoutException e) {
      throw new IOException("no peer started sending the track in time", e);
    }
    boolean done = false;
    try {
      if (mediaType == null) {
        byte[] head = readHead(lease.session(), lease.reused());
        if (head == null) {
          throw new IOException("the track stopped arriving");
        }
        mediaType = AudioContainer.sniff(head).mediaType();
        synchronized (tracks) {
          sniffed.put(id, mediaType);
        }
      }
      done = true;
      return new Resource(mediaType, lease.session().length());
    } finally {
      if (done) {
        lease.release(System.nanoTime());
      } else {
        lease.discard();
      }
    }
  }

  private void remember(Track t) {
    synchronized (tracks) {
      tracks.put(t.id(), t);
    }
  }

  /** The media type from a search, the catalog or earlier sniffing; null when none is known. */
  private @Nullable String knownMediaType(TrackId id, Optional<Track> track) {
    if (track.isPresent() && !track.get().info().mediaType().isBlank()) {
      return track.get().info().mediaType();
    }
    synchronized (tracks) {
      return sniffed.get(id);
    }
  }

  private Optional<Track> known(TrackId id) {
    synchronized (tracks) {
      Track t = tracks.get(id);
      if (t != null) {
        return Optional.of(t);
      }
    }
    return peer.catalog().track(id);
  }

  /** The first value of {@code name} in a raw query string, decoded; null when absent. */
  static @Nullable String parameter(@Nullable String rawQuery, String name) {
    if (rawQuery == null) {
      return null;
    }
    for (String pair : rawQuery.split("&")) {
      int eq = pair.indexOf('=');
      String key = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      if (key.equals(name)) {
        return eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Tracks

  private void track(HttpExchange ex, String rawId) throws IOException {
    if (!BASE58.matcher(rawId).matches()) {
      sendError(ex, 400, "not a track ID");
      return;
    }
    TrackId id;
    try {
      id = TrackId.parse(rawId);
    } catch (IllegalArgumentException e) {
      sendError(ex, 400, "not a track ID");
      return;
    }
    Optional<Track> track = known(id);
    String mediaType = knownMediaType(id, track);
    if (ex.getRequestMethod().equals("HEAD") && track.isPresent() && mediaType != null) {
      headFromMetadata(ex, track.get(), mediaType);
      return;
    }
    SessionPool.Lease lease = lease(ex, id, track.isPresent());
    if (lease == null) {
      return;
    }
    boolean done = false;
    try {
      done = serve(ex, id, track, lease);
    } finally {
      if (done) {
        lease.release(System.nanoTime());
      } else {
        lease.discard();
      }
    }
  }

  /** Answers HEAD for a track found by a search without opening a session: its size is known. */
  private void headFromMetadata(HttpExchange ex, Track track, String mediaType) throws IOException {
    Headers h = ex.getResponseHeaders();
    h.set("Content-Type", mediaType);
    h.set("Accept-Ranges", "bytes");
    h.set("ETag", "\"" + track.id() + "\"");
    h.set("Cache-Control", "private, max-age=86400");
    h.set("Content-Length", Long.toString(track.size()));
    ex.sendResponseHeaders(200, -1);
    listener.onResponse(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
        ex.getRequestHeaders().getFirst("Range"), 200);
  }

  /** Lends a session for the track, or answers the request with why there is none. */
  private SessionPool.@Nullable Lease lease(HttpExchange ex, TrackId id, boolean known)
      throws IOException {
    try {
      return sessions.acquire(id, System.nanoTime());
    } catch (SessionPool.NoCapacityException e) {
      ex.getResponseHeaders().set("Retry-After", "5");
      sendError(ex, 503, e.getMessage());
    } catch (TimeoutException e) {
      sendError(ex, 504, "no peer started sending the track in time");
    } catch (IOException e) {
      Loudp2pException.Code code =
          e.getCause() instanceof Loudp2pException l ? l.code() : null;
      if (closed || code == Loudp2pException.Code.CLOSED) {
        sendError(ex, 503, "gateway stopping");
      } else if (code == Loudp2pException.Code.BUSY) {
        ex.getResponseHeaders().set("Retry-After", "5");
        sendError(ex, 503, "the peers holding the track are busy: " + e.getMessage());
      } else if (code == Loudp2pException.Code.TIMEOUT) {
        sendError(ex, 504, "no peer answered in time: " + e.getMessage());
      } else if (known) {
        log.info("cannot stream {}: {}", id, e.getMessage());
        sendError(ex, 502, "cannot stream the track: " + e.getMessage());
      } else {
        sendError(ex, 404, "unknown track: search for it first");
      }
    }
    return null;
  }

  /** Answers from the lent session; true when the session can serve again. */
  private boolean serve(HttpExchange ex, TrackId id, Optional<Track> track, SessionPool.Lease lease)
      throws IOException {
    StreamSession session = lease.session();
    long length = session.length();
    String etag = "\"" + id + "\"";
    Headers h = ex.getResponseHeaders();
    h.set("Accept-Ranges", "bytes");
    h.set("ETag", etag);
    h.set("Cache-Control", "private, max-age=86400");

    String range = ex.getRequestHeaders().getFirst("Range");
    String ifRange = ex.getRequestHeaders().getFirst("If-Range");
    boolean head = ex.getRequestMethod().equals("HEAD");
    if (head || (ifRange != null && !ifRange.strip().equals(etag))) {
      range = null;
    }
    Decision d = ByteRanges.decide(range, length);
    if (d.kind() == ByteRanges.Kind.UNSATISFIABLE) {
      h.set("Content-Range", "bytes */" + length);
      sendError(ex, 416, "range not satisfiable: the track has " + length + " bytes");
      return true;
    }
    String mediaType = knownMediaType(id, track);
    boolean moved = lease.reused(); // a kept session's read position is wherever its last response left it
    if (mediaType == null) {
      byte[] first = readHead(session, moved);
      if (first == null && lease.reused()) {
        return retryFresh(ex, id, track, lease);
      }
      if (first == null) {
        sendError(ex, 502, "the track stopped arriving");
        return false;
      }
      mediaType = AudioContainer.sniff(first).mediaType();
      synchronized (tracks) {
        sniffed.put(id, mediaType);
      }
      moved = true;
    }
    int status = d.kind() == ByteRanges.Kind.PARTIAL ? 206 : 200;
    h.set("Content-Type", mediaType);
    if (status == 206) {
      h.set("Content-Range", "bytes " + d.first() + "-" + d.last() + "/" + length);
    }
    if (head) {
      h.set("Content-Length", Long.toString(d.count()));
      ex.sendResponseHeaders(status, -1);
      listener.onResponse(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
          ex.getRequestHeaders().getFirst("Range"), status);
      return true;
    }

    // The first bytes are read before the headers are sent, so a session that cannot deliver
    // still gets an honest error status rather than a cut-off 200.
    byte[] buf = new byte[(int) Math.min(COPY_BUFFER, d.count())];
    int n = firstRead(session, moved, d.first(), buf);
    if (n < 0 && lease.reused()) {
      return retryFresh(ex, id, track, lease);
    }
    if (n < 0) {
      sendError(ex, 502, "the track stopped arriving");
      return false;
    }
    ex.sendResponseHeaders(status, d.count());
    listener.onResponse(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
        ex.getRequestHeaders().getFirst("Range"), status);
    InputStream in = session.inputStream();
    long remaining = d.count();
    try (OutputStream out = ex.getResponseBody()) {
      while (true) {
        out.write(buf, 0, n);
        remaining -= n;
        lease.progress(System.nanoTime());
        if (remaining == 0) {
          break;
        }
        n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
        if (n < 0) {
          throw new IOException("the track ended early");
        }
        lease.progress(System.nanoTime());
      }
    }
    return true;
  }

  /** The track's first bytes, enough to tell its container; null when the session cannot deliver them. */
  private static byte @Nullable [] readHead(StreamSession session, boolean seek) {
    try {
      if (seek) {
        session.seek(0);
      }
      byte[] head = session.inputStream().readNBytes(AudioContainer.SNIFF_LENGTH);
      return head.length == 0 ? null : head;
    } catch (IOException | IllegalArgumentException e) {
      return null;
    }
  }

  /** Seeks (when asked to or when not at the start) and reads the first bytes; -1 when the session cannot deliver them. */
  private static int firstRead(StreamSession session, boolean moved, long first, byte[] buf) {
    try {
      if (first != 0 || moved) {
        session.seek(first);
      }
      int n = session.inputStream().read(buf, 0, buf.length);
      return n == 0 ? -1 : n;
    } catch (IOException | IllegalArgumentException e) {
      return -1;
    }
  }

  /** A kept session failed: give it up and answer with a new one. */
  private boolean retryFresh(HttpExchange ex, TrackId id, Optional<Track> track,
      SessionPool.Lease stale) throws IOException {
    stale.discard();
    SessionPool.Lease fresh = lease(ex, id, track.isPresent());
    if (fresh == null) {
      return false;
    }
    boolean done = false;
    try {
      done = serve(ex, id, track, fresh);
    } finally {
      if (done) {
        fresh.release(System.nanoTime());
      } else {
        fresh.discard();
      }
    }
    return false;
  }

  // ---------------------------------------------------------------------------------------------
  // Responses

  private void sendError(HttpExchange ex, int status, String message) throws IOException {
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    send(ex, status, "application/json", Json.error(message).getBytes(StandardCharsets.US_ASCII));
  }

  /** Sends a whole small body (or, for HEAD, only its headers). */
  private void send(HttpExchange ex, int status, String contentType, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", contentType);
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.getResponseHeaders().set("Content-Length", Integer.toString(body.length));
      ex.sendResponseHeaders(status, -1);
    } else {
      ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
    listener.onResponse(ex.getRequestMethod(), ex.getRequestURI().getRawPath(),
        ex.getRequestHeaders().getFirst("Range"), status);
  }

  // ---------------------------------------------------------------------------------------------

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
