package io.loudp2p.core.wire;

/** A received envelope was rejected; {@link #reason()} says why, the message says what exactly. */
public final class EnvelopeException extends Exception {
  private static final long serialVersionUID = 1L;

  private final RejectReason reason;

  EnvelopeException(RejectReason reason, String detail) {
    super(reason + ": " + detail);
    this.reason = reason;
  }

  EnvelopeException(RejectReason reason, String detail, Throwable cause) {
    super(reason + ": " + detail, cause);
    this.reason = reason;
  }

  /** The documented rejection rule that fired. */
  public RejectReason reason() {
    return reason;
  }
}
