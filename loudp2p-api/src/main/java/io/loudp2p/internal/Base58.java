package io.loudp2p.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Base58 and Base58Check in Bitcoin's alphabet, shared by the API's text forms and the core.
 *
 * <p>Internal: no compatibility promise. Thread-safe (stateless).
 */
public final class Base58 {
  private static final char[] ALPHABET =
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz".toCharArray();
  private static final int[] INDEXES = new int[128];

  static {
    Arrays.fill(INDEXES, -1);
    for (int i = 0; i < ALPHABET.length; i++) {
      INDEXES[ALPHABET[i]] = i;
    }
  }

  private Base58() {}

  /** Encodes bytes; each leading zero byte becomes a leading '1'. */
  public static String encode(byte[] input) {
    if (input.length == 0) {
      return "";
    }
    int zeros = 0;
    while (zeros < input.length && input[zeros] == 0) {
      zeros++;
    }
    byte[] number = input.clone();
    char[] out = new char[input.length * 2];
    int outStart = out.length;
    for (int start = zeros; start < number.length; ) {
      out[--outStart] = ALPHABET[divmod(number, start, 256, 58)];
      if (number[start] == 0) {
        start++;
      }
    }
    while (outStart < out.length && out[outStart] == ALPHABET[0]) {
      outStart++;
    }
    while (--zeros >= 0) {
      out[--outStart] = ALPHABET[0];
    }
    return new String(out, outStart, out.length - outStart);
  }

  /**
   * Decodes Base58 text.
   *
   * @throws IllegalArgumentException naming the first character outside the alphabet
   */
  public static byte[] decode(String input) {
    if (input.isEmpty()) {
      return new byte[0];
    }
    byte[] input58 = new byte[input.length()];
    for (int i = 0; i < input.length(); i++) {
      char c = input.charAt(i);
      int digit = c < 128 ? INDEXES[c] : -1;
      if (digit < 0) {
        throw new IllegalArgumentException(
            "invalid Base58 character '" + printable(c) + "' at position " + i);
      }
      input58[i] = (byte) digit;
    }
    int zeros = 0;
    while (zeros < input58.length && input58[zeros] == 0) {
      zeros++;
    }
    byte[] decoded = new byte[input.length()];
    int outStart = decoded.length;
    for (int start = zeros; start < input58.length; ) {
      decoded[--outStart] = divmod(input58, start, 58, 256);
      if (input58[start] == 0) {
        start++;
      }
    }
    while (outStart < decoded.length && decoded[outStart] == 0) {
      outStart++;
    }
    return Arrays.copyOfRange(decoded, outStart - zeros, decoded.length);
  }

  /** Encodes {@code payload || first 4 bytes of SHA-256(SHA-256(payload))}. */
  public static String encodeChecked(byte[] payload) {
    byte[] withChecksum = Arrays.copyOf(payload, payload.length + 4);
    System.arraycopy(checksum(payload), 0, withChecksum, payload.length, 4);
    return encode(withChecksum);
  }

  /**
   * Decodes Base58Check text and returns the payload without its checksum.
   *
   * @throws IllegalArgumentException on a bad character, text too short to hold a checksum, or a
   *     checksum that does not match
   */
  public static byte[] decodeChecked(String input) {
    byte[] decoded = decode(input);
    if (decoded.length < 4) {
      throw new IllegalArgumentException("Base58Check text too short: " + decoded.length + " bytes");
    }
    byte[] payload = Arrays.copyOf(decoded, decoded.length - 4);
    byte[] expected = checksum(payload);
    for (int i = 0; i < 4; i++) {
      if (decoded[payload.length + i] != expected[i]) {
        throw new IllegalArgumentException("Base58Check checksum mismatch");
      }
    }
    return payload;
  }

  private static byte[] checksum(byte[] payload) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return sha256.digest(sha256.digest(payload));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /** Divides the big-endian number in {@code number[firstDigit..]} in place; returns the remainder. */
  private static byte divmod(byte[] number, int firstDigit, int base, int divisor) {
    int remainder = 0;
    for (int i = firstDigit; i < number.length; i++) {
      int digit = number[i] & 0xFF;
      int temp = remainder * base + digit;
      number[i] = (byte) (temp / divisor);
      remainder = temp % divisor;
    }
    return (byte) remainder;
  }

  private static String printable(char c) {
    return c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c);
  }
}
