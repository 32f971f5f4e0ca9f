package io.loudp2p.core.catalog.internal;

import io.loudp2p.TrackInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Reads an Ogg file: Opus entirely with its own parser (header, tags, and duration from the last
 * page's granule position); Vorbis by checking its identification and comment headers, then
 * through jaudiotagger.
 *
 * <p>Stateless and thread-safe.
 */
final class OggReader {
  private static final int OPUS_RATE = 48_000;

  private OggReader() {}

  /**
   * The metadata of {@code file}, named {@code name}, {@code size} bytes long; the stream's first
   * packet decides between Opus and Vorbis, and a file named as {@link AudioProbe.Format#OPUS}
   * must be Opus.
   */
  static TrackInfo read(Path file, String name, long size, AudioProbe.Format format)
      throws IOException, UnreadableFileException {
    List<byte[]> first = OggStream.headerPackets(file, 1, AudioProbe.MAX_TAG_BYTES);
    if (ProbeBytes.startsWith(first.get(0), "OpusHead")) {
      return opus(file, name, size);
    }
    if (format == AudioProbe.Format.OPUS) {
      throw new UnreadableFileException("no OpusHead packet");
    }
    checkVorbis(file);
    return JaudiotaggerReader.read(file, name, AudioProbe.Format.OGG);
  }

  private static TrackInfo opus(Path file, String name, long size)
      throws IOException, UnreadableFileException {
    List<byte[]> packets = OggStream.headerPackets(file, 2, AudioProbe.MAX_TAG_BYTES);
    byte[] head = packets.get(0);
    if (head.length < 19) {
      throw new UnreadableFileException(
          "OpusHead packet of " + head.length + " bytes, expected 19 or more");
    }
    if ((head[8] & 0xF0) != 0) {
      throw new UnreadableFileException("unsupported Opus version " + (head[8] & 0xFF));
    }
    int preSkip = (head[10] & 0xFF) | (head[11] & 0xFF) << 8;
    long inputRate = OggStream.u32(head, 12);
    byte[] tags = packets.get(1);
    if (!ProbeBytes.startsWith(tags, "OpusTags")) {
      throw new UnreadableFileException("no OpusTags packet after OpusHead");
    }
    Map<String, String> comments = VorbisComments.parse(tags, 8, tags.length);
    TrackInfo.Builder b =
        TrackInfo.builder(TagText.titleOf(comments.getOrDefault("TITLE", ""), name))
            .artist(TagText.clean(comments.getOrDefault("ARTIST", "")))
            .album(TagText.clean(comments.getOrDefault("ALBUM", "")))
            .trackNumber(TagText.trackNumber(comments.getOrDefault("TRACKNUMBER", "")))
            .codec(AudioProbe.Format.OPUS.codec)
            .mediaType(AudioProbe.Format.OPUS.mediaType)
            .sampleRateHz(inputRate > 0 && inputRate <= 768_000 ? (int) inputRate : OPUS_RATE);
    long granule = OggStream.lastGranulePosition(file, OggStream.firstSerial(file));
    long samples = granule - preSkip;
    if (granule > 0 && samples > 0) {
      Duration d = Duration.ofNanos(samples * 1_000_000_000L / OPUS_RATE);
      b.duration(d);
      long kbps = size * 8 * OPUS_RATE / samples / 1000;
      b.bitrateKbps((int) Math.min(kbps, Integer.MAX_VALUE));
    }
    return b.build();
  }

  private static void checkVorbis(Path file) throws IOException, UnreadableFileException {
    List<byte[]> packets = OggStream.headerPackets(file, 2, AudioProbe.MAX_TAG_BYTES);
    byte[] ident = packets.get(0);
    byte[] comment = packets.get(1);
    if (ident.length < 30 || ident[0] != 1 || !ProbeBytes.startsWithAt(ident, 1, "vorbis")) {
      throw new UnreadableFileException("Ogg stream is neither Vorbis nor Opus");
    }
    if (comment.length < 7 || comment[0] != 3 || !ProbeBytes.startsWithAt(comment, 1, "vorbis")) {
      throw new UnreadableFileException("no Vorbis comment header");
    }
    VorbisComments.parse(comment, 7, comment.length);
  }
}
