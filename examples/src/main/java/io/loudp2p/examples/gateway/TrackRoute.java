package io.loudp2p.examples.gateway;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import io.loudp2p.Loudp2pException;
import io.loudp2p.StreamSession;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.examples.audio.AudioContainer;
import io.loudp2p.examples.gateway.ByteRanges.Decision;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.regex.Pattern;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code GET} and {@code HEAD /tracks/{id}}: the track's bytes from a stream session lent
 * by the {@link SessionPool}, with a strong {@code ETag}, {@code If-Range}, and the byte range
 * {@link ByteRanges} decides on. The media type comes from {@link KnownTracks}, or is told from
 * the track's first bytes and remembered there.
 *
 * <p>An {@code If-None-Match} that matches the ETag ({@link EntityTags}) gets 304 with the ETag
 * and no body, before any {@code Range} is looked at; for a track a search, the catalog or
 * earlier sniffing told of, without opening a session. The track ID names the content, so no
 * {@code Last-Modified} is sent and {@code If-Modified-Since} is ignored.
 *
 * <p>The first bytes of an answer are read before its headers are sent, so a session that cannot
 * deliver gets an honest error status; a kept session that fails then is given up and the request
 * is answered from a new one. Thread-safe.
 */
final class TrackRoute {
  // One logger for the whole gateway, named after its public class.
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private static final Pattern BASE58 = Pattern.compile("[1-9A-HJ-NP-Za-km-z]{1,64}");
  private static final int COPY_BUFFER = 64 * 1024;
  private static final String CACHE_CONTROL = "private, max-age=86400";

  private final SessionPool sessions;
  private final KnownTracks known;
  private final Responses responses;
  private final BooleanSupplier stopping;

  /**
   * Answers from {@code sessions}; {@code stopping} says whether the gateway is closing, so that a
   * session that fails then is answered as the gateway stopping rather than as the track's fault.
   */
  TrackRoute(SessionPool sessions, KnownTracks known, Responses responses,
      BooleanSupplier stopping) {
    this.sessions = sessions;
    this.known = known;
    this.responses = responses;
    this.stopping = stopping;
  }

  /** Answers a request for the track named by {@code rawId}, the path after {@code /tracks/}. */
  void handle(HttpExchange ex, String rawId) throws IOException {
    TrackId id = parseId(rawId);
    if (id == null) {
      responses.sendError(ex, 400, "not a track ID");
      return;
    }
    Optional<Track> track = known.find(id);
    String mediaType = known.mediaType(id, track);
    if ((track.isPresent() || mediaType != null) && notModified(ex, etag(id))) {
      return;
    }
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

  /** The track ID a raw path segment names, or null when it is not Base58 of a track ID's length. */
  static @Nullable TrackId parseId(String rawId) {
    if (!BASE58.matcher(rawId).matches()) {
      return null;
    }
    try {
      return TrackId.parse(rawId);
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** What {@link #handle} serves for the track, as {@link Gateway#describe} tells it. */
  Gateway.Resource describe(TrackId id) throws IOException {
    Optional<Track> track = known.find(id);
    String mediaType = known.mediaType(id, track);
    if (track.isPresent() && mediaType != null) {
      return new Gateway.Resource(mediaType, track.get().size());
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
        known.rememberSniffed(id, mediaType);
      }
      done = true;
      return new Gateway.Resource(mediaType, lease.session().length());
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
    h.set("ETag", etag(track.id()));
    h.set("Cache-Control", CACHE_CONTROL);
    h.set("Content-Length", Long.toString(track.size()));
    ex.sendResponseHeaders(200, -1);
    responses.started(ex, 200);
  }

  /** The track's strong ETag: its ID, which names the content. */
  private static String etag(TrackId id) {
    return "\"" + id + "\"";
  }

  /**
   * Answers 304 Not Modified, with the ETag and caching the full answer would carry and no body,
   * when the request's {@code If-None-Match} matches {@code etag}; true when it did.
   */
  private boolean notModified(HttpExchange ex, String etag) throws IOException {
    List<String> ifNoneMatch = ex.getRequestHeaders().get("If-None-Match");
    if (ifNoneMatch == null || !EntityTags.matchAny(ifNoneMatch, etag)) {
      return false;
    }
    Headers h = ex.getResponseHeaders();
    h.set("ETag", etag);
    h.set("Cache-Control", CACHE_CONTROL);
    ex.sendResponseHeaders(304, -1);
    responses.started(ex, 304);
    return true;
  }

  /** Lends a session for the track, or answers the request with why there is none. */
  private SessionPool.@Nullable Lease lease(HttpExchange ex, TrackId id, boolean known)
      throws IOException {
    try {
      return sessions.acquire(id, System.nanoTime());
    } catch (SessionPool.NoCapacityException e) {
      ex.getResponseHeaders().set("Retry-After", "5");
      responses.sendError(ex, 503, e.getMessage());
    } catch (TimeoutException e) {
      responses.sendError(ex, 504, "no peer started sending the track in time");
    } catch (IOException e) {
      Loudp2pException.Code code =
          e.getCause() instanceof Loudp2pException l ? l.code() : null;
      if (stopping.getAsBoolean() || code == Loudp2pException.Code.CLOSED) {
        responses.sendError(ex, 503, "gateway stopping");
      } else if (code == Loudp2pException.Code.BUSY) {
        ex.getResponseHeaders().set("Retry-After", "5");
        responses.sendError(ex, 503, "the peers holding the track are busy: " + e.getMessage());
      } else if (code == Loudp2pException.Code.TIMEOUT) {
        responses.sendError(ex, 504, "no peer answered in time: " + e.getMessage());
      } else if (known) {
        log.info("cannot stream {}: {}", id, e.getMessage());
        responses.sendError(ex, 502, "cannot stream the track: " + e.getMessage());
      } else {
        responses.sendError(ex, 404, "unknown track: search for it first");
      }
    }
    return null;
  }

  /** Answers from the lent session; true when the session can serve again. */
  private boolean serve(HttpExchange ex, TrackId id, Optional<Track> track, SessionPool.Lease lease)
      throws IOException {
    StreamSession session = lease.session();
    long length = session.length();
    String etag = etag(id);
    if (notModified(ex, etag)) {
      return true;
    }
    Headers h = ex.getResponseHeaders();
    h.set("Accept-Ranges", "bytes");
    h.set("ETag", etag);
    h.set("Cache-Control", CACHE_CONTROL);

    String range = ex.getRequestHeaders().getFirst("Range");
    String ifRange = ex.getRequestHeaders().getFirst("If-Range");
    boolean head = ex.getRequestMethod().equals("HEAD");
    if (head || (ifRange != null && !ifRange.strip().equals(etag))) {
      range = null;
    }
    Decision d = ByteRanges.decide(range, length);
    if (d.kind() == ByteRanges.Kind.UNSATISFIABLE) {
      h.set("Content-Range", "bytes */" + length);
      responses.sendError(ex, 416, "range not satisfiable: the track has " + length + " bytes");
      return true;
    }
    String mediaType = known.mediaType(id, track);
    boolean moved = lease.reused(); // a kept session's read position is wherever its last response left it
    if (mediaType == null) {
      byte[] first = readHead(session, moved);
      if (first == null && lease.reused()) {
        return retryFresh(ex, id, track, lease);
      }
      if (first == null) {
        responses.sendError(ex, 502, "the track stopped arriving");
        return false;
      }
      mediaType = AudioContainer.sniff(first).mediaType();
      known.rememberSniffed(id, mediaType);
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
      responses.started(ex, status);
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
      responses.sendError(ex, 502, "the track stopped arriving");
      return false;
    }
    ex.sendResponseHeaders(status, d.count());
    responses.started(ex, status);
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
}
