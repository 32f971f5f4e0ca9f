package io.loudp2p.core.catalog.internal;

import io.loudp2p.TrackInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * Reads the metadata of an audio file: picks the reader for the file's format by its extension,
 * and sets the limits every reader holds a file to. MP3, FLAC, Ogg Vorbis and WAV are read through
 * jaudiotagger, Ogg Opus with its own parser.
 *
 * <p>jaudiotagger trusts the lengths files declare (a Vorbis comment claiming a 2 GB vendor string
 * makes it allocate 2 GB), so every file first passes a structural check in its format's reader
 * ({@link Mp3Reader}, {@link FlacReader}, {@link OggReader}, {@link WavReader}) that walks the tag
 * and chunk headers and refuses declared lengths beyond the file or beyond {@link #MAX_TAG_BYTES}.
 * Only then is jaudiotagger given the file.
 *
 * <p>Stateless and thread-safe.
 */
public final class AudioProbe {
  /** The largest tag, metadata block or non-audio chunk accepted, in bytes. */
  public static final int MAX_TAG_BYTES = 16 * 1024 * 1024;

  /** The most FLAC metadata blocks or RIFF chunks walked in one file. */
  public static final int MAX_BLOCKS = 1024;

  /** Text fields longer than this many characters are cut. */
  public static final int MAX_TEXT_LENGTH = 512;

  /** Track numbers above this are taken as unknown. */
  public static final int MAX_TRACK_NUMBER = 9999;

  /** How far into an MP3's audio the first frame may be. */
  public static final int MPEG_SEARCH_BYTES = 128 * 1024;

  /** How many consecutive MPEG frames make an MP3 file believable. */
  public static final int MPEG_FRAMES_REQUIRED = 4;

  /**
   * The wire name of a codec name as an older catalog may have stored it ({@code "FLAC"}, {@code
   * "PCM"}, {@code "Vorbis"}, ...); other names pass unchanged.
   */
  public static String canonicalCodec(String stored) {
    switch (stored) {
      case "MP3":
        return Format.MP3.codec;
      case "FLAC":
        return Format.FLAC.codec;
      case "Vorbis":
        return Format.OGG.codec;
      case "Opus":
        return Format.OPUS.codec;
      case "PCM":
        return Format.WAV.codec;
      default:
        return stored;
    }
  }

  /** The audio formats read, by file extension. */
  public enum Format {
    MP3("mp3", "MP3", "audio/mpeg"),
    FLAC("flac", "FLAC", "audio/flac"),
    OGG("vorbis", "Ogg Vorbis", "audio/ogg"),
    OPUS("opus", "Opus", "audio/ogg"),
    WAV("wav", "WAV", "audio/wav");

    /** The codec's name in {@code TrackMetadata.codec}, as {@code wire.proto} lists them. */
    final String codec;
    /** The format's name for people, in messages. */
    final String label;
    final String mediaType;

    Format(String codec, String label, String mediaType) {
      this.codec = codec;
      this.label = label;
      this.mediaType = mediaType;
    }

    /** The format a file name's extension names, if any. */
    public static Optional<Format> ofFileName(String name) {
      int dot = name.lastIndexOf('.');
      if (dot < 0) {
        return Optional.empty();
      }
      switch (name.substring(dot + 1).toLowerCase(Locale.ROOT)) {
        case "mp3":
          return Optional.of(MP3);
        case "flac":
          return Optional.of(FLAC);
        case "ogg":
        case "oga":
          return Optional.of(OGG);
        case "opus":
          return Optional.of(OPUS);
        case "wav":
          return Optional.of(WAV);
        default:
          return Optional.empty();
      }
    }
  }

  private AudioProbe() {}

  /**
   * Reads the metadata of {@code file}, {@code size} bytes long.
   *
   * @throws UnreadableFileException when the file is not audio of its format, or is hostile
   * @throws IOException when the file cannot be read
   */
  public static TrackInfo probe(Path file, long size) throws IOException, UnreadableFileException {
    String name = file.getFileName() == null ? file.toString() : file.getFileName().toString();
    Format format =
        Format.ofFileName(name)
            .orElseThrow(() -> new UnreadableFileException("not an audio file extension"));
    if (size == 0) {
      throw new UnreadableFileException("empty file");
    }
    return switch (format) {
      case OGG, OPUS -> OggReader.read(file, name, size, format);
      case MP3 -> Mp3Reader.read(file, name, size);
      case FLAC -> FlacReader.read(file, name, size);
      case WAV -> WavReader.read(file, name, size);
    };
  }
}
