package io.loudp2p.core.testing;

import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.TransportServer;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A control server of an {@link InMemoryTransport}, bound on its network: it hands each request
 * that reaches it to the handler, and when it closes, the calls still waiting on it fail with
 * UNAVAILABLE.
 *
 * <p>Thread-safe; {@link #close()} is idempotent.
 */
final class InMemoryControlServer implements TransportServer {
  private final InMemoryTransportState state;
  private final ControlHandler handler;
  private final Set<InMemoryResponder> pending = new HashSet<>();
  private InetSocketAddress address;
  private boolean stopped;

  /** A server not bound yet; {@link InMemoryTransportState#bind} binds it. */
  InMemoryControlServer(InMemoryTransportState state, ControlHandler handler) {
    this.state = state;
    this.handler = handler;
    this.address = state.clientAddress();
  }

  /** Takes the address the network bound it at. */
  void boundAt(InetSocketAddress address) {
    this.address = address;
  }

  /** Serves one request that reached this server, inside a network task. */
  void handle(byte[] request, InetSocketAddress remote, ControlMethod method, InMemoryResponder r) {
    synchronized (this) {
      if (stopped) {
        r.exchange().fail(new ControlException(ControlErrorCode.UNAVAILABLE, "server closed"));
        return;
      }
      pending.add(r);
    }
    r.exchange().whenDone(() -> forget(r));
    int maxMessageBytes = state.maxMessageBytes();
    if (request.length > maxMessageBytes) {
      r.fail(ControlErrorCode.RESOURCE_EXHAUSTED, "TOO_LARGE: a request of " + request.length
          + " bytes, the limit is " + maxMessageBytes);
      return;
    }
    try {
      handler.handle(request, remote, method, r);
    } catch (RuntimeException e) {
      InMemoryTransportState.LOG.warn("control handler threw", e);
      r.exchange().fail(
          new ControlException(ControlErrorCode.INTERNAL, "handler failed: " + e, e));
    }
  }

  private synchronized void forget(InMemoryResponder r) {
    pending.remove(r);
  }

  @Override
  public InetSocketAddress address() {
    return address;
  }

  @Override
  public void close() {
    List<InMemoryResponder> abandoned;
    synchronized (this) {
      if (stopped) {
        return;
      }
      stopped = true;
      abandoned = new ArrayList<>(pending);
      pending.clear();
    }
    state.network().unbind(address, this);
    state.remove(this);
    abandoned.forEach(InMemoryResponder::abandon);
  }
}
