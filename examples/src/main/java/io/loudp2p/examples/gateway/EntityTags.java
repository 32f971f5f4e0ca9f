package io.loudp2p.examples.gateway;

import java.util.List;

/**
 * Evaluates {@code If-None-Match} (RFC 9110 §13.1.2) against a resource's entity tag: the field
 * is {@code *} or a comma-separated list of entity tags, each {@code "opaque"} or {@code
 * W/"opaque"}, and it matches when it is {@code *} or when any tag in it is equal to the
 * resource's by the weak comparison (§8.8.3.2: the {@code W/} prefixes are ignored and the opaque
 * parts compared character by character). Several field lines are one list. A list that does not
 * parse is read as far as it does: the tags before the fault still count, so a client that wrote
 * the field badly gets the whole answer rather than a wrong 304.
 *
 * <p>Stateless.
 */
final class EntityTags {
  private EntityTags() {}

  /**
   * Whether {@code If-None-Match} field lines match {@code etag} (a quoted tag such as {@code
   * "abc"}): they are {@code *} or name it. True means the condition is false, so a {@code GET} or
   * {@code HEAD} gets 304; false when there are no lines.
   */
  static boolean matchAny(List<String> fieldLines, String etag) {
    String wanted = opaque(etag);
    for (String line : fieldLines) {
      if (line.strip().equals("*")) {
        return true;
      }
      if (listNames(line, wanted)) {
        return true;
      }
    }
    return false;
  }

  /** Whether one field line's list holds a tag whose opaque part is {@code wanted}. */
  private static boolean listNames(String line, String wanted) {
    int i = 0;
    int n = line.length();
    while (i < n) {
      char c = line.charAt(i);
      if (c == ',' || c == ' ' || c == '\t') {
        i++;
        continue;
      }
      if (line.startsWith("W/", i)) {
        i += 2;
      }
      if (i >= n || line.charAt(i) != '"') {
        return false;
      }
      int end = line.indexOf('"', i + 1);
      if (end < 0) {
        return false;
      }
      if (line.regionMatches(i + 1, wanted, 0, wanted.length()) && end - i - 1 == wanted.length()) {
        return true;
      }
      i = end + 1;
      if (i < n && line.charAt(i) != ',' && line.charAt(i) != ' ' && line.charAt(i) != '\t') {
        return false;
      }
    }
    return false;
  }

  /** The opaque part of a tag: between its quotes, without any {@code W/}. */
  private static String opaque(String etag) {
    String s = etag.startsWith("W/") ? etag.substring(2) : etag;
    if (s.length() < 2 || s.charAt(0) != '"' || s.charAt(s.length() - 1) != '"') {
      throw new IllegalArgumentException("not an entity tag: " + etag);
    }
    return s.substring(1, s.length() - 1);
  }
}
