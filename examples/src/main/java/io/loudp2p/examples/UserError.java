package io.loudp2p.examples;

import io.loudp2p.Loudp2pException;

/**
 * An error a person can act on: printed as one line (no stack trace unless {@code --verbose}),
 * with its own exit code.
 */
final class UserError extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Exit code for bad input: an unknown track, no results, an option value out of range. */
  static final int BAD_INPUT = 1;
  /** Exit code for the network: an unreachable bootstrap peer, a busy port. */
  static final int NETWORK = 2;
  /**
   * Exit code for a command line that does not parse (picocli's usage code): an unknown option,
   * a missing argument, a value that does not convert, such as an unknown host.
   */
  static final int USAGE = 2;

  private final int exitCode;

  /**
   * The exit code for a failure of the library: {@link #BAD_INPUT} for what the person asked or
   * gave (an unknown track, a folder that cannot be shared, a corrupt identity file),
   * {@link #NETWORK} for the rest (peers unreachable, busy or silent, a busy port).
   */
  static int exitCode(Loudp2pException.Code code) {
    switch (code) {
      case NOT_FOUND:
      case INVALID:
        return BAD_INPUT;
      default:
        return NETWORK;
    }
  }

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
