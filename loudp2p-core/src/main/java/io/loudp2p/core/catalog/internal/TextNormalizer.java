package io.loudp2p.core.catalog.internal;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns text into search tokens: decomposed (NFD), combining marks stripped, lower-cased, split on
 * anything that is not a letter or digit.
 *
 * <p>Stateless and thread-safe.
 */
public final class TextNormalizer {
  /** Tokens longer than this are cut to this many characters, in the index and in queries. */
  public static final int MAX_TOKEN_LENGTH = 64;

  private TextNormalizer() {}

  /** The tokens of {@code text}, in order, duplicates kept. */
  public static List<String> tokens(String text) {
    String folded = fold(text);
    List<String> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= folded.length(); i++) {
      boolean word = i < folded.length() && Character.isLetterOrDigit(folded.charAt(i));
      if (word && start < 0) {
        start = i;
      } else if (!word && start >= 0) {
        out.add(folded.substring(start, Math.min(i, start + MAX_TOKEN_LENGTH)));
        start = -1;
      }
    }
    return out;
  }

  /** {@code text} decomposed, without combining marks, lower-cased. */
  public static String fold(String text) {
    String nfd = Normalizer.normalize(text, Normalizer.Form.NFD);
    StringBuilder sb = new StringBuilder(nfd.length());
    for (int i = 0; i < nfd.length(); i++) {
      char c = nfd.charAt(i);
      int type = Character.getType(c);
      if (type == Character.NON_SPACING_MARK
          || type == Character.COMBINING_SPACING_MARK
          || type == Character.ENCLOSING_MARK) {
        continue;
      }
      sb.append(c);
    }
    return sb.toString().toLowerCase(Locale.ROOT);
  }
}
