package io.loudp2p.core.catalog.internal;

import io.loudp2p.TrackInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.jaudiotagger.audio.AudioFile;
import org.jaudiotagger.audio.AudioFileIO;
import org.jaudiotagger.audio.AudioHeader;
import org.jaudiotagger.tag.FieldKey;
import org.jaudiotagger.tag.Tag;

/**
 * Reads the tags and audio header of an MP3, FLAC, Ogg Vorbis or WAV file through jaudiotagger,
 * once the file's format reader has checked its structure, and keeps jaudiotagger's own logging
 * off.
 *
 * <p>Stateless and thread-safe.
 */
final class JaudiotaggerReader {
  /** Kept so the logger (and the level set on it) is not collected. */
  private static final Logger JAUDIOTAGGER_LOG = Logger.getLogger("org.jaudiotagger");

  static {
    JAUDIOTAGGER_LOG.setLevel(Level.OFF);
  }

  private JaudiotaggerReader() {}

  /** The metadata of {@code file}, named {@code name}, read as {@code format}. */
  static TrackInfo read(Path file, String name, AudioProbe.Format format)
      throws IOException, UnreadableFileException {
    AudioFile audio;
    try {
      audio =
          format == AudioProbe.Format.OGG
              ? AudioFileIO.readAs(file.toFile(), "ogg")
              : AudioFileIO.read(file.toFile());
    } catch (IOException e) {
      throw e;
    } catch (Exception e) {
      throw new UnreadableFileException("unreadable " + format.label + " file: " + describe(e));
    }
    AudioHeader header = audio.getAudioHeader();
    if (header == null) {
      throw new UnreadableFileException("no " + format.label + " audio header");
    }
    Tag tag = audio.getTag();
    TrackInfo.Builder b = TrackInfo.builder(TagText.titleOf(field(tag, FieldKey.TITLE), name));
    b.artist(field(tag, FieldKey.ARTIST))
        .album(field(tag, FieldKey.ALBUM))
        .trackNumber(TagText.trackNumber(field(tag, FieldKey.TRACK)))
        .codec(format.codec)
        .mediaType(format.mediaType);
    double seconds = header.getPreciseTrackLength();
    if (seconds > 0 && Double.isFinite(seconds)) {
      b.duration(Duration.ofNanos((long) (Math.min(seconds, 1e9) * 1e9)));
    }
    Long bitrate = header.getBitRateAsNumber();
    if (bitrate != null && bitrate > 0 && bitrate < Integer.MAX_VALUE) {
      b.bitrateKbps(bitrate.intValue());
    }
    Integer rate = header.getSampleRateAsNumber();
    if (rate != null && rate > 0) {
      b.sampleRateHz(rate);
    }
    return b.build();
  }

  private static String field(Tag tag, FieldKey key) {
    if (tag == null) {
      return "";
    }
    try {
      return TagText.clean(tag.getFirst(key));
    } catch (RuntimeException e) {
      return "";
    }
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    String text = e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    return text.length() > 200 ? text.substring(0, 200) : text;
  }
}
