package io.loudp2p.core.catalog;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The audio files under {@code src/test/resources/audio}, copied where a test wants them. */
public final class Fixtures {
  /** Every fixture file name. */
  public static final List<String> ALL =
      List.of(
          "id3v1.mp3",
          "id3v23.mp3",
          "id3v24.mp3",
          "untagged.mp3",
          "tagged.flac",
          "tagged.ogg",
          "tagged.opus",
          "tagged.wav",
          "untagged.wav");

  private Fixtures() {}

  /** The bytes of fixture {@code name}. */
  public static byte[] bytes(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/audio/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Copies fixture {@code name} to {@code dir/as}. */
  public static Path copy(String name, Path dir, String as) throws IOException {
    Files.createDirectories(dir);
    return Files.write(dir.resolve(as), bytes(name));
  }

  /** Copies every fixture into {@code dir}, keeping names. */
  public static void copyAll(Path dir) throws IOException {
    for (String name : ALL) {
      copy(name, dir, name);
    }
  }
}
