package io.loudp2p.core.wire;

import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.spi.ControlMethod;

/**
 * Which {@link Payload} body each control method carries in its request and in its answers
 * (PROTOCOL.md, section 5; {@code service.proto}). Transports route by the method alone; the
 * receiver checks, once the signature checked out, that the body fits the method ({@link
 * RejectReason#WRONG_METHOD}).
 */
public final class MethodBodies {
  private MethodBodies() {}

  /** The body a request to {@code method} carries. */
  public static Payload.BodyCase request(ControlMethod method) {
    switch (method) {
      case EXCHANGE_PEERS:
        return Payload.BodyCase.PEER_EXCHANGE;
      case SEARCH:
        return Payload.BodyCase.SEARCH_QUERY;
      case GET_MANIFEST:
        return Payload.BodyCase.MANIFEST_REQUEST;
      case OPEN_STREAM:
        return Payload.BodyCase.STREAM_OPEN;
      case SHUFFLE:
        return Payload.BodyCase.SHUFFLE;
      case ANNOUNCE_ROLE:
        return Payload.BodyCase.ROLE_CHANGE;
      case CHECK_REACHABILITY:
        return Payload.BodyCase.REACHABILITY_CHECK;
      default:
        throw new AssertionError(method);
    }
  }

  /** The body every answer of {@code method} carries. */
  public static Payload.BodyCase response(ControlMethod method) {
    switch (method) {
      case EXCHANGE_PEERS:
        return Payload.BodyCase.PEER_EXCHANGE;
      case SEARCH:
        return Payload.BodyCase.SEARCH_HITS;
      case GET_MANIFEST:
        return Payload.BodyCase.MANIFEST_RESPONSE;
      case OPEN_STREAM:
        return Payload.BodyCase.STREAM_ACCEPT;
      case SHUFFLE:
        return Payload.BodyCase.SHUFFLE;
      case ANNOUNCE_ROLE:
        return Payload.BodyCase.ROLE_CHANGE;
      case CHECK_REACHABILITY:
        return Payload.BodyCase.REACHABILITY_RESULT;
      default:
        throw new AssertionError(method);
    }
  }
}
