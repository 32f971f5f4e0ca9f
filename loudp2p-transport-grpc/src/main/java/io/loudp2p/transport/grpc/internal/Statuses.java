package io.loudp2p.transport.grpc.internal;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.netty.handler.ssl.NotSslRecordException;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import java.util.concurrent.TimeoutException;

/** Maps the SPI's error codes to gRPC statuses and back (PROTOCOL.md, section 5). */
final class Statuses {
  private Statuses() {}

  static Status toStatus(ControlErrorCode code) {
    switch (code) {
      case MALFORMED:
        return Status.INVALID_ARGUMENT;
      case UNAUTHENTICATED:
        return Status.UNAUTHENTICATED;
      case RESOURCE_EXHAUSTED:
        return Status.RESOURCE_EXHAUSTED;
      case NOT_FOUND:
        return Status.FAILED_PRECONDITION;
      case UNAVAILABLE:
        return Status.UNAVAILABLE;
      case INTERNAL:
      default:
        return Status.INTERNAL;
    }
  }

  static ControlErrorCode toCode(Status.Code code) {
    switch (code) {
      case INVALID_ARGUMENT:
        return ControlErrorCode.MALFORMED;
      case UNAUTHENTICATED:
      case PERMISSION_DENIED:
        return ControlErrorCode.UNAUTHENTICATED;
      case RESOURCE_EXHAUSTED:
        return ControlErrorCode.RESOURCE_EXHAUSTED;
      case FAILED_PRECONDITION:
      case NOT_FOUND:
        return ControlErrorCode.NOT_FOUND;
      case UNAVAILABLE:
      case CANCELLED:
        return ControlErrorCode.UNAVAILABLE;
      default:
        return ControlErrorCode.INTERNAL;
    }
  }

  /** What the plaintext dialler of a TLS peer is told beside gRPC's own words. */
  static final String TLS_PEER_HINT = "the peer closed the connection before a word of HTTP/2:"
      + " it may speak TLS 1.3 (PROTOCOL.md section 9) while this one speaks plaintext";
  /** What the TLS dialler of a plaintext peer is told. */
  static final String PLAINTEXT_PEER =
      "the peer does not speak TLS (a plaintext peer?); peers speak TLS 1.3, PROTOCOL.md section 9";

  /**
   * What a caller sees for a failed call: a timeout, or a {@link ControlException}; {@code tls}:
   * whether the caller speaks TLS, to say so when the other side did not.
   */
  static Throwable toCallerError(Throwable t, boolean tls) {
    Status status = Status.fromThrowable(t);
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      TimeoutException timeout = new TimeoutException("deadline exceeded: " + status.getDescription());
      timeout.initCause(t);
      return timeout;
    }
    if (t instanceof ControlException) {
      return t;
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof io.loudp2p.core.identity.PeerCertificates.RefusedCertificate refused) {
        // The TLS handshake refused the other side's certificate: not a peer this one accepts.
        return new ControlException(ControlErrorCode.UNAUTHENTICATED,
            "TLS refused the peer's certificate: " + refused.getMessage(), t);
      }
    }
    for (Throwable c = t; c != null && tls; c = c.getCause()) {
      if (c instanceof NotSslRecordException) {
        return new ControlException(ControlErrorCode.UNAVAILABLE, PLAINTEXT_PEER, t);
      }
    }
    String description = status.getDescription() == null ? status.getCode().toString()
        : status.getDescription();
    if (!tls && status.getCode() == Status.Code.UNAVAILABLE
        && "Network closed for unknown reason".equals(description)) {
      description += "; " + TLS_PEER_HINT;
    }
    return new ControlException(toCode(status.getCode()), description, t);
  }

  static StatusRuntimeException error(ControlErrorCode code, String message) {
    return toStatus(code).withDescription(message).asRuntimeException();
  }
}
