package io.loudp2p.spi;

/**
 * How a {@link ControlHandler} answers one request: one response, a stream of responses, or an
 * error.
 *
 * <p>Exactly one terminal method ({@link #reply}, {@link #complete} or {@link #fail}) must be
 * called; later calls throw {@link IllegalStateException}. For a unary request only {@link #reply}
 * or {@link #fail} is allowed; {@link #next} on a unary request throws {@link
 * IllegalStateException}. Methods may be called from any thread but not concurrently with each
 * other. Once the caller is gone (cancelled, deadline passed, transport closed) calls are accepted
 * and ignored, and {@link #isCancelled()} turns true.
 */
public interface ControlResponder {
  /** Sends the only response and ends the exchange (for a streaming request: one item, then end). */
  void reply(byte[] response);

  /** Sends one response of a stream; only for streaming requests. */
  void next(byte[] response);

  /** Ends a stream of responses successfully. */
  void complete();

  /** Ends the exchange with an error the caller sees as a {@link ControlException}. */
  void fail(ControlErrorCode code, String message);

  /** Whether the caller has gone away, so further work on this request is wasted. */
  boolean isCancelled();
}
