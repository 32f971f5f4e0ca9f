package io.loudp2p.core.network;

import com.google.protobuf.ByteString;
import io.loudp2p.core.catalog.internal.TextNormalizer;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A Bloom filter over the keywords a FULL peer can answer for, exchanged with neighbours so a query
 * goes only to peers that may hold a match (Gnutella's query routing tables, in spirit).
 *
 * <p>Queries match a word when each term starts it (as the catalog matches), so the filter holds
 * prefixes: for each normalized token (the catalog's {@link TextNormalizer}) of length at most
 * {@link #MIN_PREFIX}, the token; for a longer one, its prefixes of {@value #MIN_PREFIX} to
 * {@value #MAX_PREFIX} characters. A query term of fewer than {@value #MIN_PREFIX} characters
 * cannot be ruled out; a longer one is looked up by its first {@value #MAX_PREFIX} characters.
 *
 * <p>Bit {@code i} of key {@code k}: with {@code h = FNV-1a-64(UTF-8(k))}, {@code h1} its low and
 * {@code h2} its high 32 bits with the lowest bit set, bit {@code (h1 + i * h2) mod 2^32 mod m} for
 * {@code i} in 0..hashCount-1, where {@code m} is the filter's length in bits. Immutable.
 */
public final class KeywordSummary {
  /** Shortest and longest prefix kept. */
  public static final int MIN_PREFIX = 3;
  public static final int MAX_PREFIX = 8;
  /** Smallest and largest filter, in bits (powers of two). */
  public static final int MIN_BITS = 256;
  public static final int MAX_BITS = 1 << 20;
  /** Hash functions per key, and the most a received summary may use. */
  public static final int HASHES = 3;
  public static final int MAX_HASHES = 8;
  /** Bits per key a new summary aims at (about 3% false positives with three hashes). */
  public static final int BITS_PER_KEY = 16;
  /**
   * The largest share of bits set in a summary that is used. A fuller filter says "may match" to
   * almost any query, so it would only draw queries: a received one is refused, and a peer whose
   * catalog fills its largest filter beyond this (some 240,000 keywords and prefixes, a few
   * thousand tracks) sends none and is found by random walks.
   */
  public static final double MAX_FILL = 0.5;

  private final byte[] bits;
  private final int hashCount;

  private KeywordSummary(byte[] bits, int hashCount) {
    this.bits = bits;
    this.hashCount = hashCount;
  }

  /** A summary of the given texts (titles, artists, albums). */
  public static KeywordSummary of(Collection<String> texts) {
    Set<String> keys = new LinkedHashSet<>();
    for (String text : texts) {
      for (String token : TextNormalizer.tokens(text)) {
        addKeys(token, keys);
      }
    }
    long want = Math.max(MIN_BITS, (long) keys.size() * BITS_PER_KEY);
    int m = MIN_BITS;
    while (m < want && m < MAX_BITS) {
      m <<= 1;
    }
    byte[] bits = new byte[m / 8];
    for (String key : keys) {
      long h = fnv1a(key);
      int h1 = (int) h;
      int h2 = (int) (h >>> 32) | 1;
      for (int i = 0; i < HASHES; i++) {
        int bit = (h1 + i * h2) & (m - 1);
        bits[bit >>> 3] |= (byte) (1 << (bit & 7));
      }
    }
    return new KeywordSummary(bits, HASHES);
  }

  private static void addKeys(String token, Set<String> keys) {
    if (token.length() <= MIN_PREFIX) {
      keys.add(token);
      return;
    }
    for (int n = MIN_PREFIX; n <= Math.min(MAX_PREFIX, token.length()); n++) {
      keys.add(token.substring(0, n));
    }
  }

  /**
   * Reads a received summary.
   *
   * @throws IllegalArgumentException when its length is not a power of two from {@value #MIN_BITS}
   *     to {@value #MAX_BITS} bits, its hash count is not 1 to {@value #MAX_HASHES}, or more than
   *     {@link #MAX_FILL} of its bits are set
   */
  public static KeywordSummary fromProto(io.loudp2p.core.proto.v1.KeywordSummary proto) {
    int m = proto.getBits().size() * 8;
    if (m < MIN_BITS || m > MAX_BITS || Integer.bitCount(m) != 1) {
      throw new IllegalArgumentException("a keyword summary has 256 to 2^20 bits, a power of two, not " + m);
    }
    if (proto.getHashCount() < 1 || proto.getHashCount() > MAX_HASHES) {
      throw new IllegalArgumentException("a keyword summary uses 1 to 8 hashes, not " + proto.getHashCount());
    }
    KeywordSummary summary = new KeywordSummary(proto.getBits().toByteArray(), proto.getHashCount());
    if (summary.overfull()) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
          "a keyword summary with %.0f%% of its bits set matches nearly anything; at most %.0f%%",
          100 * summary.fill(), 100 * MAX_FILL));
    }
    return summary;
  }

  /** The share of the filter's bits that are set. */
  public double fill() {
    int set = 0;
    for (byte b : bits) {
      set += Integer.bitCount(b & 0xff);
    }
    return (double) set / (bits.length * 8);
  }

  /** Whether more than {@link #MAX_FILL} of the bits are set: too full to route by. */
  public boolean overfull() {
    return fill() > MAX_FILL;
  }

  /** The summary as it travels. */
  public io.loudp2p.core.proto.v1.KeywordSummary toProto() {
    return io.loudp2p.core.proto.v1.KeywordSummary.newBuilder()
        .setBits(ByteString.copyFrom(bits)).setHashCount(hashCount).build();
  }

  /** Whether a peer with this summary may match every term (false means it surely does not). */
  public boolean mayMatch(List<String> terms) {
    for (String term : terms) {
      for (String token : TextNormalizer.tokens(term)) {
        if (token.length() < MIN_PREFIX) {
          continue;
        }
        if (!contains(token.substring(0, Math.min(MAX_PREFIX, token.length())))) {
          return false;
        }
      }
    }
    return true;
  }

  private boolean contains(String key) {
    int m = bits.length * 8;
    long h = fnv1a(key);
    int h1 = (int) h;
    int h2 = (int) (h >>> 32) | 1;
    for (int i = 0; i < hashCount; i++) {
      int bit = (h1 + i * h2) & (m - 1);
      if ((bits[bit >>> 3] & (1 << (bit & 7))) == 0) {
        return false;
      }
    }
    return true;
  }

  /** The filter's length in bits. */
  public int sizeBits() {
    return bits.length * 8;
  }

  static long fnv1a(String key) {
    long h = 0xcbf29ce484222325L;
    for (byte b : key.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  @Override
  public String toString() {
    return "KeywordSummary{" + sizeBits() + " bits, " + hashCount + " hashes}";
  }
}
