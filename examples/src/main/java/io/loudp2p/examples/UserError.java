package io.loudp2p.examples;

/**
 * An error a person can act on: printed as one line (no stack trace unless {@code --verbose}),
 * with its own exit code.
 *
 * <p>One rule for every command: {@link #USAGE} (2) when the command line is wrong, {@link
 * #FAILURE} (1) for everything else.
 */
final class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * Exit code for a command that was understood and failed: no results, an unknown track, a file
   * that cannot be written, an unreachable bootstrap peer, a busy port.
   */
  static final int FAILURE = 1;
  /**
   * Exit code for a command line that is wrong (picocli's usage code): an unknown option, a
   * missing argument or option, a value that does not convert or is out of range.
   */
  static final int USAGE = 2;

  private final int exitCode;

  UserError(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  UserError(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
