package io.loudp2p.core.peer;

import io.loudp2p.core.proto.v1.TrackMetadata;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Matches query terms against the metadata of cached tracks the way the catalog does: every term
 * must start a word of the title, artist or album, ignoring case and accents. The cache holds few
 * tracks, so a scan is enough. Stateless.
 */
final class CacheSearch {
  private static final Pattern MARKS = Pattern.compile("\\p{M}+");
  private static final Pattern SEPARATORS = Pattern.compile("[^\\p{L}\\p{N}]+");

  private CacheSearch() {}

  static boolean matches(TrackMetadata metadata, List<String> terms) {
    String[] words = SEPARATORS.split(
        fold(metadata.getTitle() + " " + metadata.getArtist() + " " + metadata.getAlbum()));
    for (String term : terms) {
      String t = fold(term).replaceAll("[^\\p{L}\\p{N}]", "");
      if (t.isEmpty()) {
        continue;
      }
      boolean found = false;
      for (String w : words) {
        if (w.startsWith(t)) {
          found = true;
          break;
        }
      }
      if (!found) {
        return false;
      }
    }
    return true;
  }

  static String fold(String text) {
    return MARKS.matcher(Normalizer.normalize(text, Normalizer.Form.NFD)).replaceAll("")
        .toLowerCase(Locale.ROOT);
  }
}
