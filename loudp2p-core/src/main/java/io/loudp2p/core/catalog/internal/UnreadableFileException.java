package io.loudp2p.core.catalog.internal;

/**
 * Thrown when a file cannot be indexed; the message is the short reason a scan report shows.
 *
 * <p>Carries no stack trace: a scan meets these often and reports only the reason.
 */
public final class UnreadableFileException extends Exception {
  private static final long serialVersionUID = 1L;

  /** An exception with {@code reason} as its message. */
  public UnreadableFileException(String reason) {
    super(reason, null, false, false);
  }
}
