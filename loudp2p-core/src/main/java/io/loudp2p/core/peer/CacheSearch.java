package io.loudp2p.core.peer;

import io.loudp2p.core.catalog.internal.SearchIndex;
import io.loudp2p.core.catalog.internal.TextNormalizer;
import io.loudp2p.core.proto.v1.TrackMetadata;
import java.util.List;

/**
 * Matches query terms against the metadata of cached tracks as the catalog does: every term must
 * start a word of the title, artist or album, ignoring case and accents, and a word shorter than
 * {@link SearchIndex#MIN_PREFIX_LENGTH} must be a whole word. The cache holds few tracks, so a scan
 * is enough. Stateless.
 */
final class CacheSearch {
  private CacheSearch() {}

  static boolean matches(TrackMetadata metadata, List<String> terms) {
    List<String> words = TextNormalizer.tokens(
        metadata.getTitle() + " " + metadata.getArtist() + " " + metadata.getAlbum());
    for (String term : terms) {
      for (String t : TextNormalizer.tokens(term)) {
        boolean whole = t.length() < SearchIndex.MIN_PREFIX_LENGTH;
        if (words.stream().noneMatch(w -> whole ? w.equals(t) : w.startsWith(t))) {
          return false;
        }
      }
    }
    return true;
  }
}
