package io.loudp2p.core.testing;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A data server of an {@link InMemoryTransport}, bound on its network: it asks its provider
 * whether to accept each session opened to it, and keeps the source ends it accepted so that
 * closing the server, or {@link InMemoryNetwork#cut cutting} it, ends them.
 *
 * <p>Thread-safe; {@link #close()} is idempotent. Its sessions are touched only in network tasks.
 */
final class InMemoryDataServer implements DataServer {
  private final InMemoryTransportState state;
  private final ChunkProvider provider;
  private final List<InMemorySourceSession> sessions = new ArrayList<>(); // touched only in tasks
  private InetSocketAddress address;
  private volatile boolean stopped;

  /** A server not bound yet; {@link InMemoryTransportState#bind} binds it. */
  InMemoryDataServer(InMemoryTransportState state, ChunkProvider provider) {
    this.state = state;
    this.provider = provider;
    this.address = state.clientAddress();
  }

  /** Takes the address the network bound it at. */
  void boundAt(InetSocketAddress address) {
    this.address = address;
  }

  /** The provider its sessions read chunks from. */
  ChunkProvider provider() {
    return provider;
  }

  /**
   * The source's end of a session {@code receiver} opens with {@code handshake}, or null if this
   * server is closed or its provider refuses; inside a network task.
   */
  @Nullable InMemorySourceSession accept(InMemoryReceiverSession receiver, byte[] handshake) {
    if (stopped) {
      return null;
    }
    boolean ok;
    try {
      ok = provider.accept(receiver.id(), handshake, receiver.local());
    } catch (RuntimeException e) {
      InMemoryTransportState.LOG.warn("chunk provider threw in accept", e);
      ok = false;
    }
    if (!ok) {
      return null;
    }
    InMemorySourceSession s = new InMemorySourceSession(state.network(), this, receiver);
    sessions.add(s);
    return s;
  }

  /** A session ended; inside a network task. */
  void forget(InMemorySourceSession session) {
    sessions.remove(session);
  }

  /** Ends every session with {@code CONNECTION_LOST}; inside a network task. */
  void cutAll() {
    for (InMemorySourceSession s : new ArrayList<>(sessions)) {
      s.end(DataSession.CloseReason.CONNECTION_LOST);
    }
  }

  @Override
  public InetSocketAddress address() {
    return address;
  }

  @Override
  public void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    state.network().unbind(address, this);
    state.remove(this);
    state.network().enqueue(
        () -> {
          for (InMemorySourceSession s : new ArrayList<>(sessions)) {
            s.end(DataSession.CloseReason.SOURCE_CLOSED);
          }
        });
  }
}
