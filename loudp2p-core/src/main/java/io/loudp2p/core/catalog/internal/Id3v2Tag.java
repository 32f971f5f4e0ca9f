package io.loudp2p.core.catalog.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Checks the ID3v2 tag at the start of a file, as MP3 files and some FLAC files carry one: a known
 * version, a sync-safe size that fits the file and the cap, and (v2.3 and v2.4) frames that
 * declare no oversized decompressed size.
 *
 * <p>Stateless and thread-safe.
 */
final class Id3v2Tag {
  private Id3v2Tag() {}

  /** Checks a leading ID3v2 tag, if any; returns where the audio after it starts. */
  static long check(FileChannel file, long size) throws IOException, UnreadableFileException {
    byte[] h = ProbeBytes.readAt(file, 0, 10);
    if (h.length < 10 || h[0] != 'I' || h[1] != 'D' || h[2] != '3') {
      return 0;
    }
    if (h[3] < 2 || h[3] > 4) {
      throw new UnreadableFileException("unknown ID3v2 version 2." + h[3]);
    }
    long tagSize = 0;
    for (int i = 6; i < 10; i++) {
      if ((h[i] & 0x80) != 0) {
        throw new UnreadableFileException("ID3v2 tag size is not sync-safe");
      }
      tagSize = tagSize << 7 | h[i];
    }
    ProbeBytes.checkDeclared("ID3v2 tag", tagSize, size - 10);
    if (h[3] >= 3) {
      Id3v2Frames.check(
          ProbeBytes.readAt(file, 10, (int) tagSize), h[3], h[5] & 0xFF, AudioProbe.MAX_TAG_BYTES);
    }
    boolean footer = h[3] == 4 && (h[5] & 0x10) != 0;
    return 10 + tagSize + (footer ? 10 : 0);
  }
}
