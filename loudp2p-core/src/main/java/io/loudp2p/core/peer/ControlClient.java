package io.loudp2p.core.peer;

import io.loudp2p.PeerId;
import io.loudp2p.core.internal.ApiErrors;
import io.loudp2p.core.internal.Loggers;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.wire.MethodBodies;
import io.loudp2p.core.wire.EnvelopeException;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.core.wire.SignedPeerRecord;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlTransport;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typed calls to other peers: seals the request, calls, opens each answer and checks who sent it
 * and what it carries before anyone reads it. The one place where the peer calls out.
 *
 * <p>A call to a peer reached through a relay that fails UNAVAILABLE (the relay left, or dropped
 * the connection), a streaming one before any answer came, is sent once more through another
 * relay that the peer's record lists ({@link RelayRoutes#failOver}; PROTOCOL.md section 10), which
 * its later calls take too.
 *
 * <p>A unary call's future fails with a {@link ControlException}: the transport's, or
 * UNAUTHENTICATED for an answer whose envelope does not open, or MALFORMED for an answer from
 * another peer than expected or with another body. Thread-safe.
 */
final class ControlClient {
  private static final Logger log = LoggerFactory.getLogger(Loggers.PEER);

  private final PeerContext ctx;
  private final ControlTransport control;
  private final RelayRoutes routes;
  /** The latest record known of a peer, for another relay it lists. */
  private volatile Function<PeerId, Optional<SignedPeerRecord>> records = id -> Optional.empty();

  ControlClient(PeerContext ctx, ControlTransport control) {
    this.ctx = ctx;
    this.control = control;
    this.routes = new RelayRoutes(ctx.self(), control);
  }

  /** Which peers are called through a relay, and which relay. */
  RelayRoutes routes() {
    return routes;
  }

  /** Where the latest record of a peer is found, when a call through its relay fails. */
  void recordsFrom(Function<PeerId, Optional<SignedPeerRecord>> records) {
    this.records = records;
  }

  /**
   * Seals {@code payload} and calls; see {@link #call(InetSocketAddress, ControlMethod, byte[],
   * PeerId, Duration)}.
   */
  CompletableFuture<SignedMessage> call(InetSocketAddress address, ControlMethod method,
      Payload.Builder payload, @Nullable PeerId expected, Duration deadline) {
    return call(address, method, ctx.seal(payload), expected, deadline);
  }

  /**
   * Sends a sealed request to a unary method and opens its one answer, which must carry the body
   * that method answers with.
   *
   * @param expected the peer that must have signed the answer; null for any (a first greeting)
   */
  CompletableFuture<SignedMessage> call(InetSocketAddress address, ControlMethod method,
      byte[] request, @Nullable PeerId expected, Duration deadline) {
    Payload.BodyCase answer = MethodBodies.response(method);
    return control.call(address, expected, method, request, deadline)
        .exceptionallyCompose(t -> movedToAnotherRelay(t, expected)
            ? control.call(address, expected, method, request, deadline)
            : CompletableFuture.failedFuture(ApiErrors.unwrap(t)))
        .thenApply(bytes -> {
          SignedMessage m = open(bytes);
          String wrong = check(m, expected, answer);
          if (wrong != null) {
            throw new ControlException(ControlErrorCode.MALFORMED, wrong);
          }
          return m;
        });
  }

  /**
   * After a call to {@code expected} failed with {@code failure}: whether it is to be sent again
   * through another relay of the peer's, which its route now names. So when the call went through
   * a relay, failed UNAVAILABLE, and the peer's record lists another relay. The request is the one
   * sealed before: the peer refuses it as a replay if the first one reached it after all.
   */
  private boolean movedToAnotherRelay(Throwable failure, @Nullable PeerId expected) {
    RelayEndpoint via = expected == null ? null : routes.of(expected);
    if (via == null || !(ApiErrors.unwrap(failure) instanceof ControlException e)
        || e.code() != ControlErrorCode.UNAVAILABLE) {
      return false;
    }
    Optional<SignedPeerRecord> record = records.apply(expected);
    RelayEndpoint next = record.isEmpty() ? null : routes.failOver(record.get(), via);
    if (next == null) {
      return false;
    }
    log.info("reaching {} through relay {} instead of {}: {}", expected, next.peer(), via.peer(),
        e.getMessage());
    return true;
  }


  /**
   * Sends a sealed request to a streaming method, and hands each answer that opens, comes from
   * {@code expected} and carries the method's answer body to {@code onAnswer}; others are
   * dropped. Completes when the stream ends.
   *
   * @param onHeard runs on every answer before it is checked: the peer is alive
   */
  CompletableFuture<Void> callStreaming(InetSocketAddress address, ControlMethod method,
      byte[] request, PeerId expected, Duration deadline, Runnable onHeard,
      Consumer<SignedMessage> onAnswer) {
    Payload.BodyCase answer = MethodBodies.response(method);
    AtomicBoolean heard = new AtomicBoolean();
    Consumer<byte[]> each = bytes -> {
      heard.set(true);
      onHeard.run();
      SignedMessage m;
      try {
        m = ctx.opener.open(bytes);
      } catch (EnvelopeException e) {
        log.debug("an answer from {} refused: {}", expected, e.getMessage());
        return;
      }
      String wrong = check(m, expected, answer);
      if (wrong != null) {
        log.debug("an answer from {} refused: {}", expected, wrong);
        return;
      }
      onAnswer.accept(m);
    };
    // Sent again through another relay only when nothing came back: answers are not repeated.
    return control.callStreaming(address, expected, method, request, deadline, each)
        .exceptionallyCompose(t -> !heard.get() && movedToAnotherRelay(t, expected)
            ? control.callStreaming(address, expected, method, request, deadline, each)
            : CompletableFuture.failedFuture(ApiErrors.unwrap(t)));
  }

  /**
   * Starts connecting to {@code peer} at {@code address}, for a call likely soon: the connection
   * a call expecting that peer will use (through its relay, when its record names one).
   */
  void connect(InetSocketAddress address, PeerId peer) {
    control.connect(address, peer);
  }

  /** Drops what the transport keeps for a peer that went away. */
  void disconnect(InetSocketAddress address) {
    control.disconnect(address);
  }

  private SignedMessage open(byte[] bytes) {
    try {
      return ctx.opener.open(bytes);
    } catch (EnvelopeException e) {
      throw new ControlException(ControlErrorCode.UNAUTHENTICATED,
          "answer refused: " + e.getMessage(), e);
    }
  }

  private static @Nullable String check(SignedMessage m, @Nullable PeerId expected,
      Payload.BodyCase answer) {
    if (expected != null && !m.sender().equals(expected)) {
      return "answered by " + m.sender() + ", not " + expected;
    }
    if (m.payload().getBodyCase() != answer) {
      return "answered with " + m.payload().getBodyCase() + ", not " + answer;
    }
    return null;
  }
}
