package io.loudp2p.examples.audio;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Short pieces of synthesized music, written as tagged 16-bit PCM WAV files, so that demos and
 * tests have real, playable, catalogued tracks without shipping any recording.
 *
 * <p>Each piece is a chord progression with a bass line, a melody and a soft hi-hat, all chosen
 * from the spec's seed: the same spec always gives the same bytes. Files are mono at {@link
 * #SAMPLE_RATE} Hz (about 43 KiB a second) and carry a RIFF {@code LIST/INFO} chunk with the title
 * ({@code INAM}), artist ({@code IART}), album ({@code IPRD}), track number ({@code ITRK}) and genre
 * ({@code IGNR}), which loudp2p's catalog reads.
 *
 * <p>Stateless and thread-safe.
 */
public final class SynthesizedMusic {
  /** The sample rate of every file, in Hz. */
  public static final int SAMPLE_RATE = 22_050;

  /** The longest piece written. */
  public static final Duration MAX_LENGTH = Duration.ofMinutes(5);

  private static final int[] MAJOR = {0, 2, 4, 5, 7, 9, 11};
  private static final int[] MINOR = {0, 2, 3, 5, 7, 8, 10};
  /** Progressions as scale degrees (0 = the tonic), one chord a bar. */
  private static final int[][] PROGRESSIONS = {
    {0, 4, 5, 3}, {5, 3, 0, 4}, {0, 3, 4, 3}, {0, 5, 3, 4}, {0, 2, 3, 4}
  };

  private SynthesizedMusic() {}

  /**
   * What to synthesize and how to tag it.
   *
   * @param title the title, not blank
   * @param artist the artist; may be empty
   * @param album the album; may be empty
   * @param trackNumber the position on the album from 1, or 0 for none
   * @param genre the genre; may be empty
   * @param length the playing time, from 1 second to {@link #MAX_LENGTH}
   * @param seed chooses key, tempo, chords and melody
   */
  public record TrackSpec(
      String title, String artist, String album, int trackNumber, String genre, Duration length,
      long seed) {
    /**
     * Checks the fields.
     *
     * @throws IllegalArgumentException when the title is blank, the track number negative or the
     *     length out of range
     */
    public TrackSpec {
      Objects.requireNonNull(artist, "artist");
      Objects.requireNonNull(album, "album");
      Objects.requireNonNull(genre, "genre");
      if (title.isBlank()) {
        throw new IllegalArgumentException("a title must not be blank");
      }
      if (trackNumber < 0 || trackNumber > 9999) {
        throw new IllegalArgumentException("track number out of 0..9999: " + trackNumber);
      }
      if (length.compareTo(Duration.ofSeconds(1)) < 0 || length.compareTo(MAX_LENGTH) > 0) {
        throw new IllegalArgumentException("length out of 1 s.." + MAX_LENGTH + ": " + length);
      }
    }

    /** A file name for the piece: the track number and the title, in safe characters. */
    public String fileName() {
      String safe = title.replaceAll("[^\\p{L}\\p{N} _.,()'-]", "_").strip();
      return (trackNumber > 0 ? String.format(Locale.ROOT, "%02d ", trackNumber) : "") + safe
          + ".wav";
    }
  }

  /** Five pieces by three made-up artists, 16 to 36 seconds each; about 5 MiB in all. */
  public static List<TrackSpec> demoTracks() {
    return List.of(
        new TrackSpec("Morning Over Lisbon", "The Paper Lanterns", "Harbour Lights", 1, "Pop",
            Duration.ofSeconds(24), 1),
        new TrackSpec("Slow Tide", "The Paper Lanterns", "Harbour Lights", 2, "Pop",
            Duration.ofSeconds(30), 2),
        new TrackSpec("Cobalt Stairs", "Mira Okafor", "Night Transit", 1, "Electronic",
            Duration.ofSeconds(20), 3),
        new TrackSpec("Lamplighter", "Mira Okafor", "Night Transit", 2, "Electronic",
            Duration.ofSeconds(36), 4),
        new TrackSpec("Paper Boats", "Juniper & Vale", "Small Hours", 1, "Folk",
            Duration.ofSeconds(16), 5));
  }

  /**
   * Writes the piece into {@code dir} (created if missing) as {@link TrackSpec#fileName()},
   * replacing a file of that name.
   *
   * @return the file written
   */
  public static Path write(Path dir, TrackSpec spec) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(spec.fileName());
    Files.write(file, wav(spec));
    return file;
  }

  /** Writes every piece into {@code dir}; returns the files in the same order. */
  public static List<Path> writeAll(Path dir, List<TrackSpec> specs) throws IOException {
    List<Path> files = new ArrayList<>();
    for (TrackSpec spec : specs) {
      files.add(write(dir, spec));
    }
    return files;
  }

  /** The whole WAV file of the piece. */
  public static byte[] wav(TrackSpec spec) {
    short[] samples = render(spec);
    byte[] info = infoList(spec);
    int dataBytes = samples.length * 2;
    // RIFF header, fmt chunk, LIST chunk (before the audio, so streaming readers see it first).
    int riffLength = 4 + (8 + 16) + (8 + info.length) + (8 + dataBytes);
    ByteBuffer b = ByteBuffer.allocate(8 + riffLength).order(ByteOrder.LITTLE_ENDIAN);
    b.put(ascii("RIFF")).putInt(riffLength).put(ascii("WAVE"));
    b.put(ascii("fmt ")).putInt(16)
        .putShort((short) 1) // PCM
        .putShort((short) 1) // mono
        .putInt(SAMPLE_RATE)
        .putInt(SAMPLE_RATE * 2)
        .putShort((short) 2)
        .putShort((short) 16);
    b.put(ascii("LIST")).putInt(info.length).put(info);
    b.put(ascii("data")).putInt(dataBytes);
    for (short s : samples) {
      b.putShort(s);
    }
    return b.array();
  }

  /** The body of the {@code LIST} chunk: {@code INFO} and one item per known field. */
  private static byte[] infoList(TrackSpec spec) {
    ByteBuffer b = ByteBuffer.allocate(64 * 1024).order(ByteOrder.LITTLE_ENDIAN);
    b.put(ascii("INFO"));
    item(b, "INAM", spec.title());
    item(b, "IART", spec.artist());
    item(b, "IPRD", spec.album());
    if (spec.trackNumber() > 0) {
      item(b, "ITRK", Integer.toString(spec.trackNumber()));
    }
    item(b, "IGNR", spec.genre());
    item(b, "ISFT", "loudp2p SynthesizedMusic");
    byte[] out = new byte[b.position()];
    b.flip().get(out);
    return out;
  }

  /** One INFO item: a NUL-terminated string, padded to an even length as RIFF requires. */
  private static void item(ByteBuffer b, String id, String value) {
    if (value.isEmpty()) {
      return;
    }
    byte[] text = value.getBytes(StandardCharsets.UTF_8);
    int length = Math.min(text.length, 1024);
    b.put(ascii(id)).putInt(length + 1).put(text, 0, length).put((byte) 0);
    if (((length + 1) & 1) != 0) {
      b.put((byte) 0);
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** The piece as 16-bit samples. */
  static short[] render(TrackSpec spec) {
    SplittableRandom random = new SplittableRandom(spec.seed());
    int total = (int) (spec.length().toMillis() * SAMPLE_RATE / 1000);
    float[] mix = new float[total];

    int root = 45 + random.nextInt(12); // A2..G#3, in MIDI numbers
    int[] scale = random.nextBoolean() ? MAJOR : MINOR;
    int[] progression = PROGRESSIONS[random.nextInt(PROGRESSIONS.length)];
    double bpm = 84 + random.nextInt(49);
    int beat = (int) (SAMPLE_RATE * 60 / bpm);
    int bar = beat * 4;
    int eighth = beat / 2;

    for (int barStart = 0, b = 0; barStart < total; barStart += bar, b++) {
      int degree = progression[b % progression.length];
      int[] triad = {note(root, scale, degree), note(root, scale, degree + 2),
          note(root, scale, degree + 4)};
      // Pad: the triad an octave up, held for the bar with a slow attack.
      for (int n : triad) {
        addNote(mix, barStart, bar, freq(n + 12), 0.07, 0.08, Timbre.PAD);
      }
      // Bass: the root on beats one and three.
      for (int k = 0; k < 4; k += 2) {
        addNote(mix, barStart + k * beat, beat * 2 - eighth / 2, freq(triad[0] - 12), 0.22, 0.005,
            Timbre.BASS);
      }
      // Melody: eighth notes, mostly chord tones, sometimes a rest or a longer note.
      for (int step = 0; step < 8; ) {
        int length = random.nextInt(4) == 0 ? 2 : 1;
        if (random.nextInt(5) != 0) {
          int pitch = random.nextInt(3) != 0
              ? triad[random.nextInt(3)] + 24
              : note(root, scale, degree + random.nextInt(7)) + 24;
          addNote(mix, barStart + step * eighth, length * eighth, freq(pitch), 0.16, 0.004,
              Timbre.PLUCK);
        }
        step += length;
      }
      // Hi-hat on every eighth, seeded noise, louder on the beat.
      for (int step = 0; step < 8; step++) {
        addNoise(mix, barStart + step * eighth, eighth / 3, step % 2 == 0 ? 0.05 : 0.03, random);
      }
    }
    return toPcm(mix);
  }

  /** The MIDI note of scale {@code degree} (may exceed the octave) above {@code root}. */
  private static int note(int root, int[] scale, int degree) {
    return root + 12 * (degree / 7) + scale[degree % 7];
  }

  private static double freq(int midi) {
    return 440.0 * Math.pow(2, (midi - 69) / 12.0);
  }

  private enum Timbre { PAD, BASS, PLUCK }

  private static void addNote(float[] mix, int start, int length, double hz, double amplitude,
      double attackSeconds, Timbre timbre) {
    int attack = Math.max(1, (int) (attackSeconds * SAMPLE_RATE));
    int release = Math.min(length / 2, SAMPLE_RATE / 20);
    double w = 2 * Math.PI * hz / SAMPLE_RATE;
    int end = Math.min(mix.length, start + length);
    for (int i = start; i < end; i++) {
      int t = i - start;
      double env = t < attack ? (double) t / attack : 1.0;
      if (t > length - release) {
        env *= (double) (length - t) / release;
      }
      double phase = w * t;
      double v;
      switch (timbre) {
        case PAD:
          v = Math.sin(phase) + 0.3 * Math.sin(2 * phase) + 0.1 * Math.sin(3 * phase);
          break;
        case BASS:
          env *= Math.exp(-3.0 * t / SAMPLE_RATE);
          v = Math.sin(phase) + 0.5 * Math.sin(2 * phase) + 0.25 * Math.sin(3 * phase);
          break;
        default:
          env *= Math.exp(-6.0 * t / SAMPLE_RATE);
          v = Math.sin(phase) + 0.4 * Math.sin(2 * phase) * Math.exp(-12.0 * t / SAMPLE_RATE);
          break;
      }
      mix[i] += (float) (amplitude * env * v);
    }
  }

  private static void addNoise(float[] mix, int start, int length, double amplitude,
      SplittableRandom random) {
    int end = Math.min(mix.length, start + length);
    double previous = 0;
    for (int i = start; i < end; i++) {
      double white = random.nextDouble() * 2 - 1;
      double high = white - previous; // a crude high-pass: the hiss of a cymbal
      previous = white;
      mix[i] += (float) (amplitude * high * Math.exp(-25.0 * (i - start) / SAMPLE_RATE));
    }
  }

  /** Fades the ends, limits softly and converts to 16-bit. */
  private static short[] toPcm(float[] mix) {
    int fade = Math.min(mix.length / 4, SAMPLE_RATE / 2);
    short[] out = new short[mix.length];
    for (int i = 0; i < mix.length; i++) {
      double v = mix[i];
      if (i < fade) {
        v *= (double) i / fade;
      } else if (i >= mix.length - fade) {
        v *= (double) (mix.length - 1 - i) / fade;
      }
      out[i] = (short) Math.round(Math.tanh(v) * 30_000);
    }
    return out;
  }
}
