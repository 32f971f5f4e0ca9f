package io.loudp2p.examples;

import io.loudp2p.PeerId;
import io.loudp2p.SearchHit;
import io.loudp2p.TrackInfo;
import io.loudp2p.examples.gateway.Json;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** The hits of a search in the order and the forms {@code search} prints them: a table or JSON. */
final class SearchResults {
  /** How many characters of a track ID the table shows; {@code stream} and {@code play} take them. */
  static final int SHORT_ID = 12;

  /**
   * Best first: by relevance, then by album, track number (as a number; unknown last) and title,
   * so the tracks of an album that match alike come in their order.
   */
  static final Comparator<SearchHit> ORDER = Comparator
      .comparingDouble((SearchHit h) -> -h.score())
      .thenComparing(h -> h.track().info().album().toLowerCase(Locale.ROOT))
      .thenComparingInt(h -> h.track().info().trackNumber() == 0 ? Integer.MAX_VALUE
          : h.track().info().trackNumber())
      .thenComparing(h -> h.track().info().title().toLowerCase(Locale.ROOT))
      .thenComparing(h -> h.track().id());

  private SearchResults() {}

  /** {@code hits} sorted by {@link #ORDER}. */
  static List<SearchHit> sorted(List<SearchHit> hits) {
    List<SearchHit> all = new ArrayList<>(hits);
    all.sort(ORDER);
    return all;
  }

  /** The first characters of a track ID, as the table shows it. */
  static String shortId(SearchHit h) {
    return h.track().id().toString().substring(0, SHORT_ID);
  }

  /**
   * The table of hits in {@code width} columns: track number, title, artist, album, duration,
   * codec, sources and the start of the track ID (never cut short).
   */
  static void table(PrintWriter out, List<SearchHit> hits, int width) {
    List<List<String>> rows = new ArrayList<>();
    for (SearchHit h : hits) {
      TrackInfo i = h.track().info();
      rows.add(List.of(i.trackNumber() == 0 ? "-" : String.valueOf(i.trackNumber()), i.title(),
          i.artist().isEmpty() ? "-" : i.artist(), i.album().isEmpty() ? "-" : i.album(),
          Text.duration(i.duration()), i.codec().isEmpty() ? "-" : i.codec(),
          String.valueOf(h.sources().size()), shortId(h)));
    }
    Text.table(out, List.of("#", "TITLE", "ARTIST", "ALBUM", "TIME", "CODEC", "SOURCES", "TRACK"),
        rows, width, 7);
  }

  /**
   * One JSON document: the query, how many hits the peers answered with ({@code total}), and the
   * {@code results} shown, each with its whole track ID.
   */
  static void json(PrintWriter out, String query, List<SearchHit> shown, int total) {
    Json json = new Json().beginObject().field("query", query).field("total", total)
        .field("shown", shown.size()).beginArray("results");
    for (SearchHit h : shown) {
      TrackInfo i = h.track().info();
      json.beginObject()
          .field("id", h.track().id().toString())
          .field("title", i.title())
          .field("artist", i.artist())
          .field("album", i.album())
          .field("trackNumber", i.trackNumber())
          .field("durationMs", i.duration().toMillis())
          .field("codec", i.codec())
          .field("mediaType", i.mediaType())
          .field("size", h.track().size())
          .field("score", h.score())
          .beginArray("sources");
      for (PeerId p : h.sources()) {
        json.value(p.toString());
      }
      json.endArray().endObject();
    }
    out.println(json.endArray().endObject());
    out.flush();
  }
}
