package io.loudp2p.examples.audio;

import java.util.Locale;

/**
 * The container of an audio file, told from its first bytes, with the media type and file name
 * extension that go with it.
 *
 * <p>{@code RIFF....WAVE} is WAV, {@code fLaC} is FLAC, {@code OggS} is Ogg (Opus when its first
 * packet is {@code OpusHead}, else Vorbis or another codec), and an ID3v2 tag or an MPEG audio
 * frame sync is MP3. Anything else is {@link #UNKNOWN}.
 *
 * <p>Stateless and thread-safe.
 */
public enum AudioContainer {
  /** RIFF WAVE, usually PCM. */
  WAV("audio/wav", ".wav"),
  /** Native FLAC. */
  FLAC("audio/flac", ".flac"),
  /** Ogg whose first packet is an Opus header. */
  OGG_OPUS("audio/ogg", ".opus"),
  /** Ogg of another codec, usually Vorbis. */
  OGG("audio/ogg", ".ogg"),
  /** MPEG audio (MP3), with or without an ID3v2 tag in front. */
  MP3("audio/mpeg", ".mp3"),
  /** Not an audio container this class knows. */
  UNKNOWN("application/octet-stream", "");

  /** How many first bytes {@link #sniff} needs at most: an Ogg page header with its segment table and 8 bytes. */
  public static final int SNIFF_LENGTH = 27 + 255 + 8;

  private final String mediaType;
  private final String extension;

  AudioContainer(String mediaType, String extension) {
    this.mediaType = mediaType;
    this.extension = extension;
  }

  /** The media type, e.g. {@code audio/wav}; {@code application/octet-stream} when unknown. */
  public String mediaType() {
    return mediaType;
  }

  /** The file name extension with its dot, e.g. {@code .wav}; empty when unknown. */
  public String extension() {
    return extension;
  }

  /** Tells the container from a file's first bytes ({@link #SNIFF_LENGTH} are enough; fewer may do). */
  public static AudioContainer sniff(byte[] head) {
    int n = head.length;
    if (n >= 12 && ascii(head, 0, "RIFF") && ascii(head, 8, "WAVE")) {
      return WAV;
    }
    if (n >= 4 && ascii(head, 0, "fLaC")) {
      return FLAC;
    }
    if (n >= 4 && ascii(head, 0, "OggS")) {
      if (n >= 27) {
        int packet = 27 + (head[26] & 0xff);
        if (n >= packet + 8 && ascii(head, packet, "OpusHead")) {
          return OGG_OPUS;
        }
      }
      return OGG;
    }
    if (n >= 3 && ascii(head, 0, "ID3")) {
      return MP3;
    }
    // An MPEG audio frame header: 11 sync bits, a version that is not reserved (01), a layer
    // that is not reserved (00, which ADTS AAC uses), and a bitrate index other than 1111.
    if (n >= 3 && (head[0] & 0xff) == 0xff && (head[1] & 0xe0) == 0xe0
        && (head[1] & 0x18) != 0x08 && (head[1] & 0x06) != 0 && (head[2] & 0xf0) != 0xf0) {
      return MP3;
    }
    return UNKNOWN;
  }

  /**
   * The container a catalog's media type and codec name (as in {@code TrackInfo}) describe;
   * {@link #UNKNOWN} for blank or other types.
   */
  public static AudioContainer of(String mediaType, String codec) {
    String type = mediaType.toLowerCase(Locale.ROOT);
    int semicolon = type.indexOf(';');
    type = (semicolon < 0 ? type : type.substring(0, semicolon)).strip();
    return switch (type) {
      case "audio/wav", "audio/wave", "audio/x-wav" -> WAV;
      case "audio/flac", "audio/x-flac" -> FLAC;
      case "audio/opus" -> OGG_OPUS;
      case "audio/ogg" -> codec.equalsIgnoreCase("opus") ? OGG_OPUS : OGG;
      case "audio/mpeg", "audio/mp3" -> MP3;
      default -> UNKNOWN;
    };
  }

  private static boolean ascii(byte[] b, int at, String s) {
    for (int i = 0; i < s.length(); i++) {
      if (b[at + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }
}
