package io.loudp2p.core.wire;

import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.Payload.BodyCase;
import io.loudp2p.spi.ControlMethod;
import java.util.EnumMap;
import java.util.Map;

/**
 * Which {@link Payload} body each control method carries in its request and in its answers
 * (PROTOCOL.md, section 5; {@code service.proto}). Transports route by the method alone; the
 * receiver checks, once the signature checked out, that the body fits the method ({@link
 * RejectReason#WRONG_METHOD}).
 */
public final class MethodBodies {
  private static final Map<ControlMethod, BodyCase> REQUESTS = new EnumMap<>(ControlMethod.class);
  private static final Map<ControlMethod, BodyCase> RESPONSES = new EnumMap<>(ControlMethod.class);

  static {
    carries(ControlMethod.EXCHANGE_PEERS, BodyCase.PEER_EXCHANGE, BodyCase.PEER_EXCHANGE);
    carries(ControlMethod.SEARCH, BodyCase.SEARCH_QUERY, BodyCase.SEARCH_HITS);
    carries(ControlMethod.GET_MANIFEST, BodyCase.MANIFEST_REQUEST, BodyCase.MANIFEST_RESPONSE);
    carries(ControlMethod.OPEN_STREAM, BodyCase.STREAM_OPEN, BodyCase.STREAM_ACCEPT);
    carries(ControlMethod.SHUFFLE, BodyCase.SHUFFLE, BodyCase.SHUFFLE);
    carries(ControlMethod.ANNOUNCE_ROLE, BodyCase.ROLE_CHANGE, BodyCase.ROLE_CHANGE);
    carries(ControlMethod.CHECK_REACHABILITY, BodyCase.REACHABILITY_CHECK,
        BodyCase.REACHABILITY_RESULT);
    carries(ControlMethod.LIST_TRACKS, BodyCase.LIST_TRACKS, BodyCase.TRACK_LIST);
  }

  private MethodBodies() {}

  private static void carries(ControlMethod method, BodyCase request, BodyCase response) {
    REQUESTS.put(method, request);
    RESPONSES.put(method, response);
  }

  /** The body a request to {@code method} carries. */
  public static BodyCase request(ControlMethod method) {
    return REQUESTS.get(method);
  }

  /** The body every answer of {@code method} carries. */
  public static BodyCase response(ControlMethod method) {
    return RESPONSES.get(method);
  }
}
