package io.loudp2p.core.catalog;

import io.loudp2p.SearchResult;
import io.loudp2p.Track;
import io.loudp2p.TrackId;
import io.loudp2p.core.catalog.internal.CatalogEntry;
import io.loudp2p.core.catalog.internal.SearchIndex;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * What the catalog holds at one moment: its folders, its entries by path and by track ID, and the
 * search index over its tracks.
 *
 * <p>Immutable and thread-safe: readers use it without locks, and a change replaces it as a whole.
 * Where two files hold the same track, the one whose path sorts first stands for it.
 */
final class CatalogSnapshot {
  static final CatalogSnapshot EMPTY =
      new CatalogSnapshot(List.of(), Map.of(), Map.of(), SearchIndex.of(List.of()));

  private final List<Path> folders;
  private final Map<Path, CatalogEntry> byPath;
  private final Map<TrackId, CatalogEntry> byId;
  private final SearchIndex index;
  /** The tracks in the order of their IDs, made on first use: a listing's pages read it. */
  private volatile @Nullable List<Track> inIdOrder;

  private CatalogSnapshot(
      List<Path> folders,
      Map<Path, CatalogEntry> byPath,
      Map<TrackId, CatalogEntry> byId,
      SearchIndex index) {
    this.folders = folders;
    this.byPath = byPath;
    this.byId = byId;
    this.index = index;
  }

  /** A snapshot of {@code folders} holding the entries of {@code byPath}, indexed for search. */
  static CatalogSnapshot of(List<Path> folders, Map<Path, CatalogEntry> byPath) {
    List<CatalogEntry> sorted = new ArrayList<>(byPath.values());
    sorted.sort(Comparator.comparing(CatalogEntry::path));
    Map<TrackId, CatalogEntry> byId = new HashMap<>();
    for (CatalogEntry e : sorted) {
      byId.putIfAbsent(e.track().id(), e);
    }
    List<Track> tracks = new ArrayList<>(byId.size());
    for (CatalogEntry e : byId.values()) {
      tracks.add(e.track());
    }
    return new CatalogSnapshot(
        List.copyOf(folders), Map.copyOf(byPath), Map.copyOf(byId), SearchIndex.of(tracks));
  }

  /**
   * At most {@code limit} tracks, in ascending order of their IDs, of those whose ID sorts after
   * {@code after} (from the first when null).
   */
  List<Track> tracksAfter(@Nullable TrackId after, int limit) {
    List<Track> sorted = inIdOrder;
    if (sorted == null) {
      List<Track> all = tracks();
      all.sort(Comparator.comparing(Track::id));
      sorted = List.copyOf(all);
      inIdOrder = sorted;
    }
    int from = 0;
    if (after != null) {
      int lo = 0;
      int hi = sorted.size();
      while (lo < hi) { // the first whose ID sorts after {@code after}
        int mid = (lo + hi) >>> 1;
        if (sorted.get(mid).id().compareTo(after) <= 0) {
          lo = mid + 1;
        } else {
          hi = mid;
        }
      }
      from = lo;
    }
    return sorted.subList(from, Math.min(sorted.size(), from + Math.max(0, limit)));
  }

  /** The folders, in the order they were added; unmodifiable. */
  List<Path> folders() {
    return folders;
  }

  /** Every entry by its file's path; unmodifiable. */
  Map<Path, CatalogEntry> byPath() {
    return byPath;
  }

  /** The entry standing for track {@code id}, if any. */
  @Nullable CatalogEntry entry(TrackId id) {
    return byId.get(id);
  }

  /** Every track, in no particular order. */
  List<Track> tracks() {
    List<Track> out = new ArrayList<>();
    for (CatalogEntry e : byId.values()) {
      out.add(e.track());
    }
    return out;
  }

  /** The tracks matching {@code query}, best first, at most {@code limit}. */
  List<SearchResult> search(String query, int limit) {
    return index.search(query, limit);
  }

  /** How many distinct tracks the snapshot holds. */
  int size() {
    return byId.size();
  }
}
