package io.loudp2p.examples.gateway;

import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What a {@code Range} request header asks of a representation of known length (RFC 9110
 * section 14).
 *
 * <p>One range ({@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}) is served as asked, its end
 * cut to the length. A set of several ranges is valid but not served piece by piece: the answer is
 * the whole representation, which RFC 9110 allows (a server may ignore {@code Range}). A unit
 * other than {@code bytes} is ignored the same way, and so is a range set that is not valid
 * (section 14.1.1: bad syntax, or a range whose last byte precedes its first), as section 14.2
 * lets a server do. Only a valid set none of whose ranges can be satisfied (each starts at or past
 * the end, or is an empty suffix) is {@link Kind#UNSATISFIABLE}. Empty list elements ({@code
 * bytes=0-1,}) are skipped, as RFC 9110 section 5.6.1 asks of recipients.
 *
 * <p>Stateless and thread-safe.
 */
final class ByteRanges {
  /** Range headers longer than this are ignored rather than parsed. */
  static final int MAX_HEADER_LENGTH = 1024;

  /** What kind of answer a request gets. */
  enum Kind { WHOLE, PARTIAL, UNSATISFIABLE }

  /**
   * The answer: for {@link Kind#WHOLE} and {@link Kind#PARTIAL}, the first and last byte
   * (inclusive) to send.
   */
  record Decision(Kind kind, long first, long last) {
    long count() {
      return last - first + 1;
    }
  }

  /** A range-spec that is not valid. */
  private static final Decision INVALID = new Decision(Kind.WHOLE, 0, -1);

  private ByteRanges() {}

  /** Decides how to answer {@code header} (absent: null) for {@code length} bytes (at least 1). */
  static Decision decide(@Nullable String header, long length) {
    Decision whole = new Decision(Kind.WHOLE, 0, length - 1);
    if (header == null || header.length() > MAX_HEADER_LENGTH) {
      return whole;
    }
    int eq = header.indexOf('=');
    if (eq < 0) {
      return whole;
    }
    String unit = header.substring(0, eq).strip();
    if (!unit.toLowerCase(Locale.ROOT).equals("bytes")) {
      return whole;
    }
    Decision single = null;
    int specs = 0;
    boolean satisfiable = false;
    for (String element : header.substring(eq + 1).split(",", -1)) {
      String spec = element.strip();
      if (spec.isEmpty()) {
        continue;
      }
      Decision d = one(spec, length);
      if (d == INVALID) {
        return whole;
      }
      specs++;
      satisfiable |= d.kind() == Kind.PARTIAL;
      single = d;
    }
    if (specs == 0) {
      return whole;
    }
    if (!satisfiable) {
      return unsatisfiable();
    }
    return specs == 1 ? single : whole;
  }

  /** One range-spec: PARTIAL, UNSATISFIABLE, or {@link #INVALID}. */
  private static Decision one(String spec, long length) {
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return INVALID;
    }
    String a = spec.substring(0, dash);
    String b = spec.substring(dash + 1);
    if (!digits(a) || !digits(b) || (a.isEmpty() && b.isEmpty())) {
      return INVALID;
    }
    if (a.isEmpty()) {
      long suffix = number(b);
      if (suffix == 0) {
        return unsatisfiable();
      }
      return new Decision(Kind.PARTIAL, Math.max(0, length - suffix), length - 1);
    }
    long first = number(a);
    long last = b.isEmpty() ? Long.MAX_VALUE : number(b);
    if (last < first) {
      return INVALID;
    }
    if (first >= length) {
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

  /** A decimal number of digits only; beyond any length it saturates rather than overflows. */
  private static long number(String s) {
    String trimmed = s.replaceFirst("^0+(?=.)", "");
    return trimmed.length() > 18 ? Long.MAX_VALUE : Long.parseLong(trimmed);
  }

  private static Decision unsatisfiable() {
    return new Decision(Kind.UNSATISFIABLE, 0, -1);
  }
}
