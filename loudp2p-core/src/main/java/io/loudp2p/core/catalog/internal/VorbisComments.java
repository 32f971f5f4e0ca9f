package io.loudp2p.core.catalog.internal;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Parses a Vorbis comment block (as in Ogg Vorbis, Ogg Opus and FLAC) with every length checked
 * against the bytes actually present.
 *
 * <p>Stateless and thread-safe.
 */
public final class VorbisComments {
  /** The most comments one block may declare. */
  public static final int MAX_COMMENTS = 4096;

  private VorbisComments() {}

  /**
   * The comments of the block starting at {@code offset} in {@code data}, keyed by upper-case
   * field name, the first value of each field kept.
   *
   * @throws UnreadableFileException when a declared length or count does not fit the block
   */
  public static Map<String, String> parse(byte[] data, int offset, int end)
      throws UnreadableFileException {
    int pos = offset;
    long vendorLength = u32(data, pos, end, "vendor length");
    pos += 4;
    if (vendorLength > end - pos) {
      throw new UnreadableFileException(
          "comment block declares a vendor string of " + vendorLength + " bytes, only "
              + (end - pos) + " present");
    }
    pos += (int) vendorLength;
    long count = u32(data, pos, end, "comment count");
    pos += 4;
    if (count > MAX_COMMENTS) {
      throw new UnreadableFileException(
          "comment block declares " + count + " comments, the most accepted is " + MAX_COMMENTS);
    }
    Map<String, String> out = new HashMap<>();
    for (int i = 0; i < count; i++) {
      long length = u32(data, pos, end, "comment length");
      pos += 4;
      if (length > end - pos) {
        throw new UnreadableFileException(
            "comment " + i + " declares " + length + " bytes, only " + (end - pos) + " present");
      }
      String comment = new String(data, pos, (int) length, StandardCharsets.UTF_8);
      pos += (int) length;
      int eq = comment.indexOf('=');
      if (eq > 0) {
        out.putIfAbsent(comment.substring(0, eq).toUpperCase(Locale.ROOT), comment.substring(eq + 1));
      }
    }
    return out;
  }

  static long u32(byte[] data, int pos, int end, String what) throws UnreadableFileException {
    if (pos < 0 || end - pos < 4) {
      throw new UnreadableFileException("comment block ends before its " + what);
    }
    return (data[pos] & 0xFFL)
        | (data[pos + 1] & 0xFFL) << 8
        | (data[pos + 2] & 0xFFL) << 16
        | (data[pos + 3] & 0xFFL) << 24;
  }
}
