package io.loudp2p.examples.gateway;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What a {@code Range} request header asks of a representation of known length (RFC 9110
 * section 14).
 *
 * <p>One range ({@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}) is served as asked, its end
 * cut to the length. A set of several ranges is well-formed but not served piece by piece: the
 * answer is the whole representation, which RFC 9110 allows (a server may ignore {@code Range}).
 * A unit other than {@code bytes} is ignored the same way. Syntax errors are {@link
 * Kind#MALFORMED}; a range that starts at or past the end, an empty suffix and a range whose end
 * precedes its start are {@link Kind#UNSATISFIABLE}.
 *
 * <p>Stateless and thread-safe.
 */
final class ByteRanges {
  /** Range headers longer than this are refused rather than parsed. */
  static final int MAX_HEADER_LENGTH = 1024;

  /** What kind of answer a request gets. */
  enum Kind { WHOLE, PARTIAL, UNSATISFIABLE, MALFORMED }

  /**
   * The answer: for {@link Kind#WHOLE} and {@link Kind#PARTIAL}, the first and last byte
   * (inclusive) to send.
   */
  record Decision(Kind kind, long first, long last) {
    long count() {
      return last - first + 1;
    }
  }

  private ByteRanges() {}

  /** Decides how to answer {@code header} (absent: null) for {@code length} bytes (at least 1). */
  static Decision decide(@Nullable String header, long length) {
    Decision whole = new Decision(Kind.WHOLE, 0, length - 1);
    if (header == null) {
      return whole;
    }
    if (header.length() > MAX_HEADER_LENGTH) {
      return malformed();
    }
    int eq = header.indexOf('=');
    if (eq < 0) {
      return malformed();
    }
    String unit = header.substring(0, eq).strip();
    if (!isToken(unit)) {
      return malformed();
    }
    if (!unit.toLowerCase(Locale.ROOT).equals("bytes")) {
      return whole;
    }
    String[] specs = header.substring(eq + 1).split(",", -1);
    Decision single = null;
    for (String spec : specs) {
      single = one(spec.strip(), length);
      if (single.kind() == Kind.MALFORMED) {
        return single;
      }
    }
    return specs.length == 1 ? single : whole;
  }

  private static Decision one(String spec, long length) {
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return malformed();
    }
    String a = spec.substring(0, dash);
    String b = spec.substring(dash + 1);
    if (!digits(a) || !digits(b) || (a.isEmpty() && b.isEmpty())) {
      return malformed();
    }
    if (a.isEmpty()) {
      long suffix = number(b);
      if (suffix == 0) {
        return unsatisfiable();
      }
      return new Decision(Kind.PARTIAL, Math.max(0, length - suffix), length - 1);
    }
    long first = number(a);
    long last = b.isEmpty() ? length - 1 : number(b);
    if (first >= length || last < first) {
      return unsatisfiable();
    }
    return new Decision(Kind.PARTIAL, first, Math.min(last, length - 1));
  }

  private static boolean digits(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return false;
      }
    }
    return true;
  }

  private static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= ' ' || c >= 0x7f || "()<>@,;:\\\"/[]?={}".indexOf(c) >= 0) {
        return false;
      }
    }
    return true;
  }

  /** A decimal number of digits only; beyond any length it saturates rather than overflows. */
  private static long number(String s) {
    String trimmed = s.replaceFirst("^0+(?=.)", "");
    return trimmed.length() > 18 ? Long.MAX_VALUE : Long.parseLong(trimmed);
  }

  private static Decision malformed() {
    return new Decision(Kind.MALFORMED, 0, -1);
  }

  private static Decision unsatisfiable() {
    return new Decision(Kind.UNSATISFIABLE, 0, -1);
  }
}
