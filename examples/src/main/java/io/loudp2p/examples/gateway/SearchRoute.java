package io.loudp2p.examples.gateway;

import com.sun.net.httpserver.HttpExchange;
import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.SearchHit;
import io.loudp2p.Track;
import io.loudp2p.TrackInfo;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@code GET /search?q=words}: searches with {@link Peer#search} for the search deadline
 * and answers with the hits as JSON, each with the URL the track is served at, and the number of
 * other peers the peer knows ({@link Peer#peers}), so a page can tell an empty answer from a
 * search that reached no one. The tracks found are remembered in {@link KnownTracks}, so the
 * track route knows their media type and length.
 *
 * <p>Thread-safe.
 */
final class SearchRoute {
  // One logger for the whole gateway, named after its public class.
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);

  private static final int MAX_QUERY_LENGTH = 2048;
  private static final int MAX_SEARCH_LENGTH = 256;
  private static final int MAX_RESULTS = 200;

  private final Peer peer;
  private final Duration searchDeadline;
  private final KnownTracks known;
  private final Responses responses;

  SearchRoute(Peer peer, Duration searchDeadline, KnownTracks known, Responses responses) {
    this.peer = peer;
    this.searchDeadline = searchDeadline;
    this.known = known;
    this.responses = responses;
  }

  void handle(HttpExchange ex) throws IOException {
    String rawQuery = ex.getRequestURI().getRawQuery();
    if (rawQuery != null && rawQuery.length() > MAX_QUERY_LENGTH) {
      responses.sendError(ex, 414, "query string too long");
      return;
    }
    String q;
    try {
      q = parameter(rawQuery, "q");
    } catch (IllegalArgumentException e) {
      responses.sendError(ex, 400, "malformed query string");
      return;
    }
    if (q == null || q.isBlank()) {
      responses.sendError(ex, 400, "say what to search for: /search?q=words");
      return;
    }
    q = q.strip();
    if (q.length() > MAX_SEARCH_LENGTH) {
      responses.sendError(ex, 400, "search text longer than " + MAX_SEARCH_LENGTH + " characters");
      return;
    }
    List<SearchHit> hits;
    try {
      hits = peer.search(q, searchDeadline, hit -> { })
          .get(searchDeadline.toMillis() + 5_000, TimeUnit.MILLISECONDS);
    } catch (IllegalArgumentException e) {
      responses.sendError(ex, 400, "cannot search for that: " + e.getMessage());
      return;
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      log.info("search for {} failed: {}", q, e.toString());
      responses.sendError(ex, 502, "search failed");
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      responses.sendError(ex, 503, "gateway stopping");
      return;
    }
    Json json = new Json().beginObject().field("query", q).beginArray("results");
    int n = 0;
    for (SearchHit hit : hits) {
      if (n++ == MAX_RESULTS) {
        break;
      }
      Track t = hit.track();
      known.remember(t);
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
    json.endArray().field("peers", peer.peers().size()).endObject();
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    responses.send(ex, 200, "application/json", json.toString().getBytes(StandardCharsets.US_ASCII));
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
}
