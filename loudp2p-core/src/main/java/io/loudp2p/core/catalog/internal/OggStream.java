package io.loudp2p.core.catalog.internal;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the header packets and the final granule position of the first logical stream of an Ogg
 * file, checking every length against a cap and the file.
 *
 * <p>Stateless and thread-safe.
 */
public final class OggStream {
  /** The most bytes of pages read looking for the header packets. */
  public static final int MAX_HEADER_SCAN_BYTES = 32 * 1024 * 1024;

  /** The largest possible Ogg page: a 27-byte header, 255 lacing values, 255 segments of 255. */
  static final int MAX_PAGE_BYTES = 27 + 255 + 255 * 255;

  private static final int HEADER_LENGTH = 27;

  private OggStream() {}

  /** The first {@code count} packets of the file's first logical stream, each at most {@code maxPacketBytes}. */
  public static List<byte[]> headerPackets(Path file, int count, int maxPacketBytes)
      throws IOException, UnreadableFileException {
    List<byte[]> packets = new ArrayList<>(count);
    try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
      ByteArrayOutputStream packet = new ByteArrayOutputStream();
      long scanned = 0;
      long serial = -1;
      byte[] header = new byte[HEADER_LENGTH];
      byte[] segment = new byte[255];
      while (packets.size() < count) {
        if (scanned > MAX_HEADER_SCAN_BYTES) {
          throw new UnreadableFileException(
              "no Ogg header packets in the first " + MAX_HEADER_SCAN_BYTES + " bytes");
        }
        if (in.readNBytes(header, 0, HEADER_LENGTH) < HEADER_LENGTH) {
          throw new UnreadableFileException("Ogg stream ends inside its header packets");
        }
        if (header[0] != 'O' || header[1] != 'g' || header[2] != 'g' || header[3] != 'S'
            || header[4] != 0) {
          throw new UnreadableFileException("not an Ogg page where one was expected");
        }
        long pageSerial = u32(header, 14);
        int segments = header[26] & 0xFF;
        byte[] lacing = in.readNBytes(segments);
        if (lacing.length < segments) {
          throw new UnreadableFileException("Ogg page truncated in its segment table");
        }
        scanned += HEADER_LENGTH + segments;
        boolean ours = serial < 0 || pageSerial == serial;
        if (serial < 0) {
          serial = pageSerial;
        }
        for (int i = 0; i < segments && packets.size() < count; i++) {
          int length = lacing[i] & 0xFF;
          if (in.readNBytes(segment, 0, length) < length) {
            throw new UnreadableFileException("Ogg page truncated in its data");
          }
          scanned += length;
          if (!ours) {
            continue;
          }
          if (packet.size() + length > maxPacketBytes) {
            throw new UnreadableFileException(
                "Ogg header packet longer than " + maxPacketBytes + " bytes");
          }
          packet.write(segment, 0, length);
          if (length < 255) {
            packets.add(packet.toByteArray());
            packet.reset();
          }
        }
      }
    }
    return packets;
  }

  /**
   * The granule position of the last page of the stream with the first page's serial number, found
   * in the file's last {@link #MAX_PAGE_BYTES} bytes; -1 when there is none.
   */
  public static long lastGranulePosition(Path file, long serial) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long size = ch.size();
      int tail = (int) Math.min(size, MAX_PAGE_BYTES);
      ByteBuffer buf = ByteBuffer.allocate(tail);
      long pos = size - tail;
      while (buf.hasRemaining()) {
        int n = ch.read(buf, pos + buf.position());
        if (n < 0) {
          break;
        }
      }
      byte[] data = buf.array();
      int filled = buf.position();
      for (int i = filled - HEADER_LENGTH; i >= 0; i--) {
        if (data[i] == 'O' && data[i + 1] == 'g' && data[i + 2] == 'g' && data[i + 3] == 'S'
            && data[i + 4] == 0 && u32(data, i + 14) == serial) {
          long granule = u64(data, i + 6);
          if (granule >= 0) {
            return granule;
          }
        }
      }
      return -1;
    }
  }

  /** The serial number of the file's first page. */
  public static long firstSerial(Path file) throws IOException, UnreadableFileException {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] header = in.readNBytes(HEADER_LENGTH);
      if (header.length < HEADER_LENGTH || header[0] != 'O' || header[1] != 'g'
          || header[2] != 'g' || header[3] != 'S') {
        throw new UnreadableFileException("not an Ogg file");
      }
      return u32(header, 14);
    }
  }

  static long u32(byte[] b, int i) {
    return (b[i] & 0xFFL) | (b[i + 1] & 0xFFL) << 8 | (b[i + 2] & 0xFFL) << 16
        | (b[i + 3] & 0xFFL) << 24;
  }

  static long u64(byte[] b, int i) {
    return u32(b, i) | u32(b, i + 4) << 32;
  }
}
