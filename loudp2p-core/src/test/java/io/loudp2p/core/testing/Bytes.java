package io.loudp2p.core.testing;

/** Byte-array helpers of the tests. */
public final class Bytes {
  private Bytes() {}

  /** Where {@code needle} first occurs in {@code haystack}; fails the test when it does not. */
  public static int find(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found: " + java.util.HexFormat.of().formatHex(needle));
  }
}
