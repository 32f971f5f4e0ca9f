package io.loudp2p.spi;

import java.util.Objects;

/**
 * A failed control-plane request, carrying the {@link ControlErrorCode} its responder (or the
 * transport) chose.
 *
 * <p>Futures returned by a {@link ControlTransport} complete exceptionally with this exception,
 * or with {@link java.util.concurrent.TimeoutException} when the deadline passes first.
 */
public final class ControlException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final ControlErrorCode code;

  /** Makes an exception with a code and a message that says what went wrong. */
  public ControlException(ControlErrorCode code, String message) {
    super(code + ": " + message);
    this.code = Objects.requireNonNull(code, "code");
  }

  /** Makes an exception with a code, a message and the underlying cause. */
  public ControlException(ControlErrorCode code, String message, Throwable cause) {
    super(code + ": " + message, cause);
    this.code = Objects.requireNonNull(code, "code");
  }

  /** The reason the request failed. */
  public ControlErrorCode code() {
    return code;
  }
}
