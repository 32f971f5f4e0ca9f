package io.loudp2p.core.testing;

import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlResponder;
import java.net.InetSocketAddress;

/**
 * The server's side of one {@link InMemoryExchange}: what a handler answers through. It enforces
 * the responder contract (one terminal answer; {@code next} and {@code complete} only on streaming
 * methods) and loses answers the way a dead or closed server would.
 *
 * <p>Thread-safe; its answers reach the caller as network tasks.
 */
final class InMemoryResponder implements ControlResponder {
  private final InMemoryNetwork network;
  private final InMemoryExchange exchange;
  private final InetSocketAddress server;
  private boolean done;
  private boolean abandoned;

  /** Answers {@code exchange} on behalf of the server bound at {@code server}. */
  InMemoryResponder(InMemoryNetwork network, InMemoryExchange exchange, InetSocketAddress server) {
    this.network = network;
    this.exchange = exchange;
    this.server = server;
  }

  /** The exchange this answers. */
  InMemoryExchange exchange() {
    return exchange;
  }

  /** Marks the exchange answered; returns whether the answer should still travel. */
  private synchronized boolean terminal() {
    if (done) {
      throw new IllegalStateException("this request was already answered");
    }
    done = true;
    return live();
  }

  private synchronized boolean live() {
    // A killed server's answers are lost silently; a closed one failed the call already.
    return !abandoned && network.controlServer(server) != null;
  }

  /** The server closed: the caller hears UNAVAILABLE now, later answers are ignored. */
  synchronized void abandon() {
    if (!done && !abandoned) {
      abandoned = true;
      exchange.fail(new ControlException(ControlErrorCode.UNAVAILABLE, "server closed"));
    }
  }

  @Override
  public void reply(byte[] response) {
    if (terminal()) {
      exchange.deliver(response.clone());
      if (exchange.streaming()) {
        exchange.finish();
      }
    }
  }

  @Override
  public void next(byte[] response) {
    if (!exchange.streaming()) {
      throw new IllegalStateException("next() on a unary request; use reply()");
    }
    synchronized (this) {
      if (done) {
        throw new IllegalStateException("this request was already answered");
      }
    }
    if (live()) {
      exchange.deliver(response.clone());
    }
  }

  @Override
  public void complete() {
    if (!exchange.streaming()) {
      throw new IllegalStateException("complete() on a unary request; use reply()");
    }
    if (terminal()) {
      exchange.finish();
    }
  }

  @Override
  public void fail(ControlErrorCode code, String message) {
    if (terminal()) {
      exchange.fail(new ControlException(code, message));
    }
  }

  @Override
  public synchronized boolean isCancelled() {
    return abandoned || exchange.isDone();
  }
}
