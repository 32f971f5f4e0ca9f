package io.loudp2p.core.catalog.internal;

import io.loudp2p.TrackInfo;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads an MP3 file: checks its leading ID3v2 tag and that real MPEG audio follows, then reads it
 * through jaudiotagger.
 *
 * <p>Stateless and thread-safe.
 */
final class Mp3Reader {
  private Mp3Reader() {}

  /** The metadata of {@code file}, named {@code name}, {@code size} bytes long. */
  static TrackInfo read(Path file, String name, long size)
      throws IOException, UnreadableFileException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      long audioStart = Id3v2Tag.check(ch, size);
      checkMpegFrames(ch, audioStart, size);
    }
    return JaudiotaggerReader.read(file, name, AudioProbe.Format.MP3);
  }

  /**
   * Requires {@link AudioProbe#MPEG_FRAMES_REQUIRED} MPEG audio frames in a row, each header where
   * the one before says it ends, within {@link AudioProbe#MPEG_SEARCH_BYTES} of the start of the
   * audio. jaudiotagger accepts the first plausible sync word, which random bytes contain every
   * few kilobytes.
   */
  private static void checkMpegFrames(FileChannel file, long start, long size)
      throws IOException, UnreadableFileException {
    int required = AudioProbe.MPEG_FRAMES_REQUIRED;
    int window = (int) Math.min(size - start, AudioProbe.MPEG_SEARCH_BYTES + required * 2881L);
    byte[] data = ProbeBytes.readAt(file, start, Math.max(0, window));
    int searchEnd = Math.min(data.length, AudioProbe.MPEG_SEARCH_BYTES);
    for (int i = 0; i + 4 <= searchEnd; i++) {
      int first = MpegFrame.length(data, i);
      if (first <= 0) {
        continue;
      }
      int pos = i;
      int frames = 0;
      int kind = MpegFrame.kind(data, i);
      while (frames < required) {
        int length = pos + 4 <= data.length ? MpegFrame.length(data, pos) : -1;
        if (length <= 0 || MpegFrame.kind(data, pos) != kind) {
          break;
        }
        frames++;
        pos += length;
        if (start + pos == size) {
          frames = required;
        }
      }
      if (frames >= required) {
        return;
      }
    }
    throw new UnreadableFileException(
        "no run of " + required + " MPEG audio frames in the first "
            + AudioProbe.MPEG_SEARCH_BYTES + " bytes of audio");
  }
}
