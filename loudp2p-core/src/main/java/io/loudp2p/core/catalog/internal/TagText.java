package io.loudp2p.core.catalog.internal;

/**
 * Turns tag text into the text fields of a {@code TrackInfo}: control characters blanked, length
 * capped at {@link AudioProbe#MAX_TEXT_LENGTH}, a title taken from the file name when the tag has
 * none, track numbers above {@link AudioProbe#MAX_TRACK_NUMBER} taken as unknown.
 *
 * <p>Stateless and thread-safe.
 */
final class TagText {
  private TagText() {}

  static String clean(String text) {
    StringBuilder sb = new StringBuilder(Math.min(text.length(), AudioProbe.MAX_TEXT_LENGTH));
    for (int i = 0; i < text.length() && sb.length() < AudioProbe.MAX_TEXT_LENGTH; i++) {
      char c = text.charAt(i);
      sb.append(Character.isISOControl(c) ? ' ' : c);
    }
    return sb.toString().strip();
  }

  static String titleOf(String tagTitle, String fileName) {
    String title = clean(tagTitle);
    if (!title.isEmpty()) {
      return title;
    }
    int dot = fileName.lastIndexOf('.');
    String base = clean(dot > 0 ? fileName.substring(0, dot) : fileName);
    return base.isEmpty() ? clean(fileName).isEmpty() ? "untitled" : clean(fileName) : base;
  }

  static int trackNumber(String text) {
    String t = text.strip();
    int end = 0;
    while (end < t.length() && end < 5 && Character.isDigit(t.charAt(end))) {
      end++;
    }
    if (end == 0 || end == 5) {
      return 0;
    }
    int n = Integer.parseInt(t.substring(0, end));
    return n <= AudioProbe.MAX_TRACK_NUMBER ? n : 0;
  }
}
