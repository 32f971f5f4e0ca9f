package io.loudp2p.core.catalog.internal;

import io.loudp2p.TrackInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a FLAC file: walks its metadata blocks (after a leading ID3v2 tag, if any), parsing the
 * Vorbis comment and picture blocks with every declared length checked, then reads it through
 * jaudiotagger.
 *
 * <p>Stateless and thread-safe.
 */
final class FlacReader {
  private FlacReader() {}

  /** The metadata of {@code file}, named {@code name}, {@code size} bytes long. */
  static TrackInfo read(Path file, String name, long size)
      throws IOException, UnreadableFileException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      checkFlac(ch, size);
    }
    return JaudiotaggerReader.read(file, name, AudioProbe.Format.FLAC);
  }

  private static void checkFlac(FileChannel file, long size)
      throws IOException, UnreadableFileException {
    long pos = 0;
    byte[] magic = ProbeBytes.readAt(file, 0, 10);
    if (magic.length >= 10 && magic[0] == 'I' && magic[1] == 'D' && magic[2] == '3') {
      Id3v2Tag.check(file, size);
      pos = 10 + ((magic[6] & 0x7FL) << 21 | (magic[7] & 0x7FL) << 14 | (magic[8] & 0x7FL) << 7
          | magic[9] & 0x7FL);
      magic = ProbeBytes.readAt(file, pos, 4);
    }
    if (magic.length < 4
        || magic[0] != 'f' || magic[1] != 'L' || magic[2] != 'a' || magic[3] != 'C') {
      throw new UnreadableFileException("no fLaC marker");
    }
    pos += 4;
    for (int blocks = 0; ; blocks++) {
      if (blocks >= AudioProbe.MAX_BLOCKS) {
        throw new UnreadableFileException(
            "more than " + AudioProbe.MAX_BLOCKS + " FLAC metadata blocks");
      }
      byte[] bh = ProbeBytes.readAt(file, pos, 4);
      if (bh.length < 4) {
        throw new UnreadableFileException("FLAC metadata truncated");
      }
      boolean last = (bh[0] & 0x80) != 0;
      int type = bh[0] & 0x7F;
      long length = (bh[1] & 0xFFL) << 16 | (bh[2] & 0xFFL) << 8 | bh[3] & 0xFFL;
      pos += 4;
      ProbeBytes.checkDeclared("FLAC metadata block", length, size - pos);
      if (type == 4 || type == 6) {
        byte[] block = ProbeBytes.readAt(file, pos, (int) length);
        if (type == 4) {
          VorbisComments.parse(block, 0, block.length);
        } else {
          checkPicture(block);
        }
      }
      pos += length;
      if (last) {
        return;
      }
    }
  }

  private static void checkPicture(byte[] block) throws UnreadableFileException {
    ByteBuffer b = ByteBuffer.wrap(block).order(ByteOrder.BIG_ENDIAN);
    try {
      b.getInt();
      skipDeclared(b, "FLAC picture MIME type");
      skipDeclared(b, "FLAC picture description");
      b.position(b.position() + 16);
      skipDeclared(b, "FLAC picture data");
    } catch (RuntimeException e) {
      throw new UnreadableFileException("FLAC picture block truncated");
    }
  }

  private static void skipDeclared(ByteBuffer b, String what) throws UnreadableFileException {
    long length = b.getInt() & 0xFFFFFFFFL;
    ProbeBytes.checkDeclared(what, length, b.remaining());
    b.position(b.position() + (int) length);
  }
}
