package io.loudp2p.transport.grpc.internal;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
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

  /** What a caller sees for a failed call: a timeout, or a {@link ControlException}. */
  static Throwable toCallerError(Throwable t) {
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
    String description = status.getDescription() == null ? status.getCode().toString()
        : status.getDescription();
    return new ControlException(toCode(status.getCode()), description, t);
  }

  static StatusRuntimeException error(ControlErrorCode code, String message) {
    return toStatus(code).withDescription(message).asRuntimeException();
  }
}
