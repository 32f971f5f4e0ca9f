package io.loudp2p.core.catalog.internal;

import java.io.ByteArrayOutputStream;

/**
 * Walks the frames of an ID3v2 tag and refuses tags whose frame sizes, extended header or
 * declared decompressed sizes do not fit, so that no tag parser allocates for a forged length.
 */
final class Id3v2FrameCheck {
  /** Largest decompressed size a compressed frame may declare. */
  static final long MAX_FRAME_DATA_BYTES = 16L * 1024 * 1024;

  private Id3v2FrameCheck() {}

  /**
   * Checks the tag body (the bytes after the 10-byte header, without footer).
   *
   * @param major ID3v2 major version (2, 3 or 4)
   * @param flags the tag header's flag byte
   */
  static void check(int major, int flags, byte[] tagBody)
      throws UnreadableFileException {
    byte[] body = tagBody;
    if (major < 4 && (flags & 0x80) != 0) {
      body = removeUnsynchronisation(body);
    }
    if (major == 2 && (flags & 0x40) != 0) {
      throw new UnreadableFileException("compressed ID3v2.2 tags are not supported");
    }
    int pos = 0;
    if (major >= 3 && (flags & 0x40) != 0) {
      if (body.length < 4) {
        throw new UnreadableFileException("ID3v2 extended header is cut off");
      }
      long extended = major == 3 ? u32(body, 0) + 4 : syncsafe(body, 0);
      if (extended < 6 || extended > body.length) {
        throw new UnreadableFileException("ID3v2 extended header declares an impossible size of " + extended);
      }
      pos = (int) extended;
    }
    int idLength = major == 2 ? 3 : 4;
    int headerLength = major == 2 ? 6 : 10;
    while (body.length - pos >= headerLength) {
      if (body[pos] == 0) {
        return; // padding
      }
      String id = new String(body, pos, idLength, java.nio.charset.StandardCharsets.ISO_8859_1);
      if (!validId(body, pos, idLength)) {
        throw new UnreadableFileException("invalid ID3v2 frame identifier at tag offset " + pos);
      }
      long remaining = body.length - pos - headerLength;
      long size = frameSize(body, pos, major, remaining);
      if (size > remaining) {
        throw new UnreadableFileException("ID3v2 frame "
                + id
                + " declares "
                + size
                + " bytes but only "
                + remaining
                + " remain in the tag");
      }
      if (major >= 3) {
        int formatFlags = body[pos + 9] & 0xFF;
        boolean compressed = major == 3 ? (formatFlags & 0x80) != 0 : (formatFlags & 0x08) != 0;
        boolean dataLength = major == 3 ? compressed : (formatFlags & 0x01) != 0;
        if (compressed && !dataLength) {
          throw new UnreadableFileException("compressed ID3v2 frame " + id + " lacks its data length");
        }
        if (dataLength) {
          if (size < 4) {
            throw new UnreadableFileException("ID3v2 frame " + id + " is too short for its data length");
          }
          int at = pos + headerLength;
          // Read as a plain integer: never smaller than the syncsafe reading, and it is what
          // some parsers use.
          long declared = u32(body, at);
          if (declared > MAX_FRAME_DATA_BYTES) {
            throw new UnreadableFileException("ID3v2 frame " + id + " declares a decompressed size of " + declared + " bytes");
          }
        }
      }
      pos += headerLength + (int) size;
    }
  }

  /**
   * The frame size; an ID3v2.4 size that is not syncsafe, or whose syncsafe reading does not lead
   * to another frame while the plain reading does, is read as a plain integer (some writers do).
   */
  private static long frameSize(byte[] body, int pos, int major, long remaining) {
    if (major == 2) {
      return ((body[pos + 3] & 0xFFL) << 16)
          | ((body[pos + 4] & 0xFFL) << 8)
          | (body[pos + 5] & 0xFFL);
    }
    long plain = u32(body, pos + 4);
    if (major == 3) {
      return plain;
    }
    long safe = syncsafe(body, pos + 4);
    if (safe < 0) {
      return plain;
    }
    if (safe != plain
        && safe <= remaining
        && plain <= remaining
        && !frameOrEndAt(body, pos + 10 + safe)
        && frameOrEndAt(body, pos + 10 + plain)) {
      return plain;
    }
    return safe;
  }

  private static boolean frameOrEndAt(byte[] body, long pos) {
    if (body.length - pos < 10) {
      return true;
    }
    int at = (int) pos;
    return body[at] == 0 || validId(body, at, 4);
  }

  private static boolean validId(byte[] body, int pos, int length) {
    for (int i = 0; i < length; i++) {
      int c = body[pos + i] & 0xFF;
      boolean upper = c >= 'A' && c <= 'Z';
      boolean digit = c >= '0' && c <= '9';
      if (!(upper || (digit && i > 0))) {
        return false;
      }
    }
    return true;
  }

  private static long u32(byte[] b, int at) {
    return ((b[at] & 0xFFL) << 24)
        | ((b[at + 1] & 0xFFL) << 16)
        | ((b[at + 2] & 0xFFL) << 8)
        | (b[at + 3] & 0xFFL);
  }

  /** The syncsafe value at {@code at}, or -1 if a byte has its top bit set. */
  private static long syncsafe(byte[] b, int at) {
    long value = 0;
    for (int i = 0; i < 4; i++) {
      int x = b[at + i] & 0xFF;
      if (x >= 0x80) {
        return -1;
      }
      value = (value << 7) | x;
    }
    return value;
  }

  private static byte[] removeUnsynchronisation(byte[] data) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(data.length);
    for (int i = 0; i < data.length; i++) {
      out.write(data[i]);
      if ((data[i] & 0xFF) == 0xFF && i + 1 < data.length && data[i + 1] == 0) {
        i++;
      }
    }
    return out.toByteArray();
  }
}
