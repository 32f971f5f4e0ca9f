package io.loudp2p.core.catalog.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.Arrays;

/**
 * The byte-level checks the format readers share: bounded positional reads, declared lengths held
 * against {@link AudioProbe#MAX_TAG_BYTES} and the bytes present, and ASCII magic.
 *
 * <p>Stateless and thread-safe.
 */
final class ProbeBytes {
  private ProbeBytes() {}

  /** Up to {@code length} bytes at {@code pos}; fewer at the end of the file. */
  static byte[] readAt(FileChannel ch, long pos, int length) throws IOException {
    int n = (int) Math.max(0, Math.min(length, ch.size() - pos));
    ByteBuffer buf = ByteBuffer.allocate(n);
    while (buf.hasRemaining() && ch.read(buf, pos + buf.position()) >= 0) {
      // Positional reads may return short; keep going until full or at the end of the file.
    }
    return buf.position() == n ? buf.array() : Arrays.copyOf(buf.array(), buf.position());
  }

  /** Refuses {@code declared} bytes of {@code what} beyond the cap or beyond {@code available}. */
  static void checkDeclared(String what, long declared, long available)
      throws UnreadableFileException {
    if (declared > AudioProbe.MAX_TAG_BYTES) {
      throw new UnreadableFileException(
          what + " declares " + declared + " bytes, the most accepted is "
              + AudioProbe.MAX_TAG_BYTES);
    }
    if (declared > available) {
      throw new UnreadableFileException(
          what + " declares " + declared + " bytes, only " + Math.max(0, available) + " present");
    }
  }

  static boolean startsWith(byte[] data, String ascii) {
    return startsWithAt(data, 0, ascii);
  }

  static boolean startsWithAt(byte[] data, int offset, String ascii) {
    if (data.length < offset + ascii.length()) {
      return false;
    }
    for (int i = 0; i < ascii.length(); i++) {
      if (data[offset + i] != ascii.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
