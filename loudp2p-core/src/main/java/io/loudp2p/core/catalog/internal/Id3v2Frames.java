package io.loudp2p.core.catalog.internal;

/**
 * Checks the frames of an ID3v2.3 or v2.4 tag for declared decompressed sizes beyond a cap.
 *
 * <p>jaudiotagger allocates a compressed frame's declared decompressed size before inflating it:
 * a 100-byte frame can make it allocate over a gigabyte. The frames are walked as jaudiotagger
 * walks them; where the walk loses its way (a broken tag), the rest of the tag is searched for
 * anything that looks like a compressed frame header, so no path through the tag escapes the
 * check.
 *
 * <p>Stateless and thread-safe.
 */
final class Id3v2Frames {
  private static final int HEADER = 10;

  private Id3v2Frames() {}

  /**
   * Checks the frames in {@code tag} (the bytes after the 10-byte tag header).
   *
   * @param version 3 or 4
   * @param flags the tag header's flags byte
   */
  static void check(byte[] tag, int version, int flags, int maxDecompressed)
      throws UnreadableFileException {
    byte[] b = version == 3 && (flags & 0x80) != 0 ? resynchronise(tag) : tag;
    int pos = 0;
    if ((flags & 0x40) != 0 && b.length >= 4) {
      long ext = version == 4 ? syncsafe(b, 0) : u32(b, 0) + 4;
      if (ext < 0 || ext > b.length) {
        scanRest(b, 0, version, maxDecompressed);
        return;
      }
      pos = (int) ext;
    }
    while (pos + HEADER <= b.length) {
      if (b[pos] == 0) {
        return;
      }
      if (!isFrameId(b, pos)) {
        scanRest(b, pos, version, maxDecompressed);
        return;
      }
      long size = frameSize(b, pos, version);
      checkFrame(b, pos, version, maxDecompressed);
      if (size < 0 || size > b.length - pos - HEADER) {
        scanRest(b, pos + 1, version, maxDecompressed);
        return;
      }
      pos += HEADER + (int) size;
    }
  }

  private static long frameSize(byte[] b, int pos, int version) {
    if (version == 4) {
      long safe = syncsafe(b, pos + 4);
      if (safe >= 0) {
        int next = pos + HEADER + (int) safe;
        // As jaudiotagger does: a v2.4 size that is not sync-safe, or that lands off a frame
        // boundary, is tried as a plain integer.
        if (next + 4 > b.length || b[next] == 0 || isFrameId(b, next)) {
          return safe;
        }
      }
    }
    return u32(b, pos + 4);
  }

  private static void checkFrame(byte[] b, int pos, int version, int max)
      throws UnreadableFileException {
    int formatFlags = b[pos + 9] & 0xFF;
    boolean declaresSize = version == 3 ? (formatFlags & 0x80) != 0 : (formatFlags & 0x09) != 0;
    if (!declaresSize || pos + HEADER + 4 > b.length) {
      return;
    }
    long safe = syncsafe(b, pos + HEADER);
    long declared = version == 4 && safe >= 0 ? safe : u32(b, pos + HEADER);
    if (declared > max) {
      throw new UnreadableFileException(
          "ID3v2 frame " + new String(b, pos, 4, java.nio.charset.StandardCharsets.ISO_8859_1)
              + " declares " + declared + " bytes decompressed, the most accepted is " + max);
    }
  }

  private static void scanRest(byte[] b, int from, int version, int max)
      throws UnreadableFileException {
    for (int i = from; i + HEADER + 4 <= b.length; i++) {
      if (isFrameId(b, i)) {
        checkFrame(b, i, version, max);
      }
    }
  }

  private static boolean isFrameId(byte[] b, int pos) {
    for (int i = 0; i < 4; i++) {
      byte c = b[pos + i];
      if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9')) {
        return false;
      }
    }
    return true;
  }

  private static byte[] resynchronise(byte[] tag) {
    byte[] out = new byte[tag.length];
    int n = 0;
    for (int i = 0; i < tag.length; i++) {
      out[n++] = tag[i];
      if ((tag[i] & 0xFF) == 0xFF && i + 1 < tag.length && tag[i + 1] == 0) {
        i++;
      }
    }
    return java.util.Arrays.copyOf(out, n);
  }

  /** A sync-safe integer, or -1 when a byte has its top bit set. */
  private static long syncsafe(byte[] b, int pos) {
    long v = 0;
    for (int i = 0; i < 4; i++) {
      if ((b[pos + i] & 0x80) != 0) {
        return -1;
      }
      v = v << 7 | b[pos + i];
    }
    return v;
  }

  private static long u32(byte[] b, int pos) {
    return (b[pos] & 0xFFL) << 24 | (b[pos + 1] & 0xFFL) << 16 | (b[pos + 2] & 0xFFL) << 8
        | b[pos + 3] & 0xFFL;
  }
}
