package io.loudp2p;

import java.time.Duration;
import java.util.Objects;

/**
 * The metadata of a track as read from its file: title, artist, album, track number, duration and
 * the audio format.
 *
 * <p>Unknown text fields are empty strings, unknown numbers are zero and an unknown duration is
 * {@link Duration#ZERO}. Built with {@link #builder(String)}. Immutable and thread-safe; equal when
 * every field is equal.
 */
public final class TrackInfo {
  private final String title;
  private final String artist;
  private final String album;
  private final int trackNumber;
  private final Duration duration;
  private final String codec;
  private final int bitrateKbps;
  private final int sampleRateHz;
  private final String mediaType;

  private TrackInfo(Builder b) {
    this.title = b.title;
    this.artist = b.artist;
    this.album = b.album;
    this.trackNumber = b.trackNumber;
    this.duration = b.duration;
    this.codec = b.codec;
    this.bitrateKbps = b.bitrateKbps;
    this.sampleRateHz = b.sampleRateHz;
    this.mediaType = b.mediaType;
  }

  /** A builder for a track called {@code title}; every other field starts unknown. */
  public static Builder builder(String title) {
    return new Builder(title);
  }

  /** A builder that starts from this value. */
  public Builder toBuilder() {
    return new Builder(title)
        .artist(artist)
        .album(album)
        .trackNumber(trackNumber)
        .duration(duration)
        .codec(codec)
        .bitrateKbps(bitrateKbps)
        .sampleRateHz(sampleRateHz)
        .mediaType(mediaType);
  }

  /** The title; never empty (a file without one is titled after its name). */
  public String title() {
    return title;
  }

  /** The artist, or an empty string. */
  public String artist() {
    return artist;
  }

  /** The album, or an empty string. */
  public String album() {
    return album;
  }

  /** The position on the album, from 1, or 0 when unknown. */
  public int trackNumber() {
    return trackNumber;
  }

  /** The playing time, or {@link Duration#ZERO} when unknown. */
  public Duration duration() {
    return duration;
  }

  /**
   * The audio codec, as {@code TrackMetadata.codec} names it: {@code "mp3"}, {@code "flac"},
   * {@code "vorbis"}, {@code "opus"} or {@code "wav"} for the files a loudp2p peer shares (a remote
   * peer may send another name); empty when unknown.
   */
  public String codec() {
    return codec;
  }

  /** The average bitrate in kbit/s, or 0 when unknown. */
  public int bitrateKbps() {
    return bitrateKbps;
  }

  /** The sample rate in Hz, or 0 when unknown. */
  public int sampleRateHz() {
    return sampleRateHz;
  }

  /** The media type of the file, e.g. {@code "audio/mpeg"}; empty when unknown. */
  public String mediaType() {
    return mediaType;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof TrackInfo)) {
      return false;
    }
    TrackInfo t = (TrackInfo) o;
    return trackNumber == t.trackNumber
        && bitrateKbps == t.bitrateKbps
        && sampleRateHz == t.sampleRateHz
        && title.equals(t.title)
        && artist.equals(t.artist)
        && album.equals(t.album)
        && duration.equals(t.duration)
        && codec.equals(t.codec)
        && mediaType.equals(t.mediaType);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        title, artist, album, trackNumber, duration, codec, bitrateKbps, sampleRateHz, mediaType);
  }

  @Override
  public String toString() {
    return "TrackInfo{title=" + title + ", artist=" + artist + ", album=" + album
        + ", trackNumber=" + trackNumber + ", duration=" + duration + ", codec=" + codec
        + ", bitrateKbps=" + bitrateKbps + ", sampleRateHz=" + sampleRateHz
        + ", mediaType=" + mediaType + "}";
  }

  /** Builds a {@link TrackInfo}. Not thread-safe; use one builder from one thread. */
  public static final class Builder {
    private String title;
    private String artist = "";
    private String album = "";
    private int trackNumber;
    private Duration duration = Duration.ZERO;
    private String codec = "";
    private int bitrateKbps;
    private int sampleRateHz;
    private String mediaType = "";

    private Builder(String title) {
      title(title);
    }

    /**
     * Sets the title.
     *
     * @throws IllegalArgumentException when it is empty or blank
     */
    public Builder title(String title) {
      if (title.isBlank()) {
        throw new IllegalArgumentException("a track title must not be blank");
      }
      this.title = title;
      return this;
    }

    /** Sets the artist; empty when unknown. */
    public Builder artist(String artist) {
      this.artist = Objects.requireNonNull(artist, "artist");
      return this;
    }

    /** Sets the album; empty when unknown. */
    public Builder album(String album) {
      this.album = Objects.requireNonNull(album, "album");
      return this;
    }

    /**
     * Sets the track number; 0 when unknown.
     *
     * @throws IllegalArgumentException when negative
     */
    public Builder trackNumber(int trackNumber) {
      this.trackNumber = requireNonNegative(trackNumber, "track number");
      return this;
    }

    /**
     * Sets the duration; {@link Duration#ZERO} when unknown.
     *
     * @throws IllegalArgumentException when negative
     */
    public Builder duration(Duration duration) {
      if (duration.isNegative()) {
        throw new IllegalArgumentException("a track duration must not be negative: " + duration);
      }
      this.duration = duration;
      return this;
    }

    /** Sets the codec name; empty when unknown. */
    public Builder codec(String codec) {
      this.codec = Objects.requireNonNull(codec, "codec");
      return this;
    }

    /**
     * Sets the average bitrate in kbit/s; 0 when unknown.
     *
     * @throws IllegalArgumentException when negative
     */
    public Builder bitrateKbps(int bitrateKbps) {
      this.bitrateKbps = requireNonNegative(bitrateKbps, "bitrate");
      return this;
    }

    /**
     * Sets the sample rate in Hz; 0 when unknown.
     *
     * @throws IllegalArgumentException when negative
     */
    public Builder sampleRateHz(int sampleRateHz) {
      this.sampleRateHz = requireNonNegative(sampleRateHz, "sample rate");
      return this;
    }

    /** Sets the media type, e.g. {@code "audio/flac"}; empty when unknown. */
    public Builder mediaType(String mediaType) {
      this.mediaType = Objects.requireNonNull(mediaType, "mediaType");
      return this;
    }

    /** The track info. */
    public TrackInfo build() {
      return new TrackInfo(this);
    }

    private static int requireNonNegative(int value, String what) {
      if (value < 0) {
        throw new IllegalArgumentException("a track's " + what + " must not be negative: " + value);
      }
      return value;
    }
  }
}
