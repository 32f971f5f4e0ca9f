package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.core.internal.RateLimiter;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.wire.EnvelopeException;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlResponder;
import java.net.InetSocketAddress;
import java.util.EnumMap;
import java.util.Map;

/**
 * Where every request from another peer comes in: refused while the peer starts or after it
 * stopped, opened (signature, sender, freshness, replay), counted against the sender's rate and
 * the peer's total, then handed to the handler of its body. Owns the rate limiters; thread-safe.
 */
final class InboundDispatcher {
  /**
   * Requests one peer may send a second on average, in bursts of at most this many; beyond them it
   * is answered RESOURCE_EXHAUSTED. Senders tracked at once (the least recent forgotten first).
   */
  static final int REQUESTS_PER_SECOND = 50;
  static final int REQUEST_BURST = 200;
  static final int RATE_LIMITED_PEERS = 4096;
  /**
   * Requests this peer answers a second from all senders together, in bursts of at most this many,
   * and of them searches (the costliest to answer and route); beyond them it answers
   * RESOURCE_EXHAUSTED, so that many identities, each within its own limit, cannot take more
   * than this peer can give.
   */
  static final int TOTAL_REQUESTS_PER_SECOND = 1_000;
  static final int TOTAL_REQUEST_BURST = 2_000;
  static final int TOTAL_SEARCHES_PER_SECOND = 200;
  static final int TOTAL_SEARCH_BURST = 400;

  /** Answers one kind of request, already opened and within the limits. */
  @FunctionalInterface
  interface Handler {
    /**
     * @param request the opened request
     * @param bytes the request's envelope as it came
     * @param remote the address it came from
     * @param streaming whether the caller asked for a stream of answers
     */
    void handle(SignedMessage request, byte[] bytes, InetSocketAddress remote, boolean streaming,
        ControlResponder responder);
  }

  private final PeerContext ctx;
  private final RoleState roles;
  private final RateLimiter<PeerId> requests;
  private final RateLimiter<Boolean> total;
  private final RateLimiter<Boolean> searches;
  private final Map<Payload.BodyCase, Handler> handlers = new EnumMap<>(Payload.BodyCase.class);

  InboundDispatcher(PeerContext ctx, RoleState roles) {
    this.ctx = ctx;
    this.roles = roles;
    this.requests = new RateLimiter<>(REQUESTS_PER_SECOND, REQUEST_BURST, RATE_LIMITED_PEERS,
        ctx.runtime.nanoTime());
    this.total = new RateLimiter<>(TOTAL_REQUESTS_PER_SECOND, TOTAL_REQUEST_BURST, 1,
        ctx.runtime.nanoTime());
    this.searches = new RateLimiter<>(TOTAL_SEARCHES_PER_SECOND, TOTAL_SEARCH_BURST, 1,
        ctx.runtime.nanoTime());
  }

  /** Sends requests that carry {@code body} to {@code handler}; set up before the peer is ready. */
  InboundDispatcher on(Payload.BodyCase body, Handler handler) {
    handlers.put(body, handler);
    return this;
  }

  void handle(byte[] request, InetSocketAddress remote, ControlMethod method,
      ControlResponder responder) {
    boolean streaming = method.streaming();
    if (ctx.closed()) {
      responder.fail(ControlErrorCode.UNAVAILABLE, "peer stopped");
      return;
    }
    SignedMessage message;
    try {
      message = ctx.opener.openRequest(request, method);
    } catch (EnvelopeException e) {
      responder.fail(codeFor(e), e.getMessage());
      return;
    }
    if (!requests.tryAcquire(message.sender())) {
      responder.fail(ControlErrorCode.RESOURCE_EXHAUSTED, "more than " + REQUESTS_PER_SECOND
          + " requests a second (bursts of " + REQUEST_BURST + ") from " + message.sender());
      return;
    }
    Payload p = message.payload();
    if (!total.tryAcquire(Boolean.TRUE)) {
      responder.fail(ControlErrorCode.RESOURCE_EXHAUSTED, "more than " + TOTAL_REQUESTS_PER_SECOND
          + " requests a second in all (bursts of " + TOTAL_REQUEST_BURST + ")");
      return;
    }
    if (p.getBodyCase() == Payload.BodyCase.SEARCH_QUERY && !searches.tryAcquire(Boolean.TRUE)) {
      responder.fail(ControlErrorCode.RESOURCE_EXHAUSTED, "more than " + TOTAL_SEARCHES_PER_SECOND
          + " searches a second in all (bursts of " + TOTAL_SEARCH_BURST + ")");
      return;
    }
    roles.inbound(ctx.nowMs());
    Handler h = handlers.get(p.getBodyCase());
    if (h == null) {
      responder.fail(ControlErrorCode.MALFORMED, p.getBodyCase() + " is not a request");
      return;
    }
    h.handle(message, request, remote, streaming, responder);
  }

  private static ControlErrorCode codeFor(EnvelopeException e) {
    switch (e.reason()) {
      case TOO_LARGE:
        return ControlErrorCode.RESOURCE_EXHAUSTED;
      case MALFORMED_ENVELOPE:
      case MALFORMED_PAYLOAD:
      case MISSING_BODY:
      case WRONG_METHOD:
        return ControlErrorCode.MALFORMED;
      default:
        return ControlErrorCode.UNAUTHENTICATED;
    }
  }
}
