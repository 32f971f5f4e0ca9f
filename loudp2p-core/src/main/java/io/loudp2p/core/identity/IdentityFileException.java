package io.loudp2p.core.identity;

import java.io.IOException;
import java.nio.file.Path;

/**
 * An identity file exists but cannot be used: corrupt, truncated, not an identity file, or
 * readable by others. The message names the file and what is wrong; the file is left untouched.
 */
public final class IdentityFileException extends IOException {
  private static final long serialVersionUID = 1L;

  private final Path file;

  IdentityFileException(Path file, String problem) {
    super("identity file " + file + ": " + problem);
    this.file = file;
  }

  /** The file that could not be used. */
  public Path file() {
    return file;
  }
}
