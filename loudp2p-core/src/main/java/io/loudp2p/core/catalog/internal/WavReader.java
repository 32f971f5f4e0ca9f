package io.loudp2p.core.catalog.internal;

import io.loudp2p.TrackInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads a WAV file: walks its RIFF chunks, checking every declared length, the items of LIST
 * chunks and the frames of an embedded ID3v2 tag, then reads it through jaudiotagger.
 *
 * <p>Stateless and thread-safe.
 */
final class WavReader {
  private WavReader() {}

  /** The metadata of {@code file}, named {@code name}, {@code size} bytes long. */
  static TrackInfo read(Path file, String name, long size)
      throws IOException, UnreadableFileException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      checkRiff(ch, size);
    }
    return JaudiotaggerReader.read(file, name, AudioProbe.Format.WAV);
  }

  private static void checkRiff(FileChannel file, long size)
      throws IOException, UnreadableFileException {
    byte[] h = ProbeBytes.readAt(file, 0, 12);
    if (h.length < 12
        || !ProbeBytes.startsWith(h, "RIFF")
        || !ProbeBytes.startsWithAt(h, 8, "WAVE")) {
      throw new UnreadableFileException("no RIFF WAVE header");
    }
    long pos = 12;
    for (int chunks = 0; pos + 8 <= size; chunks++) {
      if (chunks >= AudioProbe.MAX_BLOCKS) {
        throw new UnreadableFileException("more than " + AudioProbe.MAX_BLOCKS + " RIFF chunks");
      }
      byte[] ch = ProbeBytes.readAt(file, pos, 8);
      String id = new String(ch, 0, 4, StandardCharsets.ISO_8859_1);
      long length =
          ByteBuffer.wrap(ch, 4, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
      pos += 8;
      if (length > size - pos) {
        throw new UnreadableFileException(
            "RIFF chunk '" + id + "' declares " + length + " bytes, only " + (size - pos)
                + " left");
      }
      if (!id.equals("data") && length > AudioProbe.MAX_TAG_BYTES) {
        throw new UnreadableFileException(
            "RIFF chunk '" + id + "' of " + length + " bytes, the most accepted is "
                + AudioProbe.MAX_TAG_BYTES);
      }
      if (id.equals("LIST")) {
        checkListItems(ProbeBytes.readAt(file, pos, (int) length), pos);
      } else if (id.equalsIgnoreCase("id3 ")) {
        byte[] tag = ProbeBytes.readAt(file, pos, (int) length);
        if (tag.length >= 10 && ProbeBytes.startsWith(tag, "ID3")) {
          long tagSize = 0;
          for (int i = 6; i < 10; i++) {
            tagSize = tagSize << 7 | (tag[i] & 0x7F);
          }
          ProbeBytes.checkDeclared("ID3v2 tag in the WAV file", tagSize, tag.length - 10L);
          if (tag[3] >= 3) {
            Id3v2Frames.check(Arrays.copyOfRange(tag, 10, 10 + (int) tagSize), tag[3],
                tag[5] & 0xFF, AudioProbe.MAX_TAG_BYTES);
          }
        }
      }
      pos += length + (length & 1);
    }
  }

  /**
   * Every item of a RIFF LIST chunk must fit inside it: tag libraries allocate what they declare.
   */
  private static void checkListItems(byte[] list, long offset) throws UnreadableFileException {
    ByteBuffer buf = ByteBuffer.wrap(list).order(ByteOrder.LITTLE_ENDIAN);
    if (buf.remaining() < 4) {
      throw new UnreadableFileException("RIFF LIST chunk at offset " + offset + " is empty");
    }
    buf.position(4); // the list type, such as INFO
    for (int items = 0; buf.remaining() >= 8; items++) {
      if (items >= AudioProbe.MAX_BLOCKS) {
        throw new UnreadableFileException(
            "more than " + AudioProbe.MAX_BLOCKS + " items in a RIFF LIST chunk");
      }
      buf.position(buf.position() + 4);
      long length = buf.getInt() & 0xFFFFFFFFL;
      if (length > buf.remaining()) {
        throw new UnreadableFileException("RIFF LIST item declares " + length + " bytes, only "
            + buf.remaining() + " left in the list");
      }
      buf.position((int) Math.min(buf.limit(), buf.position() + length + (length & 1)));
    }
  }
}
