package io.loudp2p.transport.grpc.internal;

import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlResponder;

/**
 * The rules every {@link ControlResponder} of this transport keeps, whatever carries the answers
 * (a native gRPC call, a gRPC-Web exchange): one terminal answer, {@code next} and {@code
 * complete} only on a streaming request, nothing after the end, and nothing sent once the caller
 * went away. Subclasses send; this class decides. Thread-safe (its methods hold its lock).
 */
abstract class OneExchange implements ControlResponder {
  private final boolean streaming;
  private boolean done;
  private volatile boolean cancelled;

  OneExchange(boolean streaming) {
    this.streaming = streaming;
  }

  /** Sends one response message. */
  abstract void send(byte[] response);

  /** Ends the exchange successfully. */
  abstract void end();

  /** Ends the exchange with an error. */
  abstract void error(ControlErrorCode code, String message);

  /** The caller went away: nothing more is sent. */
  final void cancelled() {
    cancelled = true;
  }

  @Override
  public final synchronized void reply(byte[] response) {
    terminal();
    if (!cancelled) {
      send(response);
      end();
    }
  }

  @Override
  public final synchronized void next(byte[] response) {
    if (!streaming) {
      throw new IllegalStateException("next() on a unary request; use reply()");
    }
    if (done) {
      throw new IllegalStateException("the exchange has ended");
    }
    if (!cancelled) {
      send(response);
    }
  }

  @Override
  public final synchronized void complete() {
    if (!streaming) {
      throw new IllegalStateException("complete() on a unary request; use reply()");
    }
    terminal();
    if (!cancelled) {
      end();
    }
  }

  @Override
  public final synchronized void fail(ControlErrorCode code, String message) {
    terminal();
    if (!cancelled) {
      error(code, message);
    }
  }

  /** Fails the exchange unless it has ended already. */
  final synchronized void failQuietly(ControlErrorCode code, String message) {
    if (!done) {
      fail(code, message);
    }
  }

  @Override
  public final boolean isCancelled() {
    return cancelled;
  }

  /** Whether a terminal answer was given. */
  final synchronized boolean done() {
    return done;
  }

  /** Marks the end; a second terminal answer is a bug of the handler. */
  final synchronized void terminal() {
    if (done) {
      throw new IllegalStateException("the exchange has already ended");
    }
    done = true;
  }
}
