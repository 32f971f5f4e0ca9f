package io.loudp2p.core.testing;

import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * The receiver's end of a data session on an {@link InMemoryTransport}: it passes requests and
 * cancels to the {@link InMemorySourceSession} at the other end, and what that sends to the
 * listener, until the session ends.
 *
 * <p>Thread-safe: every state change happens inside a network task, so changes are serial; the
 * listener hears at most one {@code onClosed}, after which it hears nothing.
 */
final class InMemoryReceiverSession implements DataSession {
  private final InMemoryTransportState state;
  private final InMemoryNetwork network;
  private final InetSocketAddress remote;
  private final InetSocketAddress local;
  private final DataSessionId id;
  private final DataSession.Listener listener;
  private volatile @Nullable InMemorySourceSession peer;
  private boolean ended; // touched only inside network tasks

  /** A session to the source at {@code remote}, not connected yet. */
  InMemoryReceiverSession(InMemoryTransportState state, InetSocketAddress remote,
      DataSessionId id, DataSession.Listener listener) {
    this.state = state;
    this.network = state.network();
    this.remote = remote;
    this.local = state.clientAddress();
    this.id = id;
    this.listener = listener;
  }

  /** Joins this session to the source's end once the source accepted it. */
  void connect(InMemorySourceSession peer) {
    this.peer = peer;
  }

  /** The address the source sees this session come from. */
  InetSocketAddress local() {
    return local;
  }

  @Override
  public DataSessionId id() {
    return id;
  }

  @Override
  public InetSocketAddress remote() {
    return remote;
  }

  @Override
  public void request(int chunkIndex) {
    if (chunkIndex < 0) {
      throw new IllegalArgumentException("chunk index must not be negative, got " + chunkIndex);
    }
    network.enqueue(
        () -> {
          InMemorySourceSession p = peer;
          if (!ended && p != null) {
            p.want(chunkIndex);
          }
        });
  }

  @Override
  public void cancel(int chunkIndex) {
    network.enqueue(
        () -> {
          InMemorySourceSession p = peer;
          if (!ended && p != null) {
            p.unwant(chunkIndex);
          }
        });
  }

  @Override
  public void close() {
    network.enqueue(
        () -> {
          InMemorySourceSession p = peer;
          if (p != null) {
            p.end(null);
          }
          ended(CloseReason.LOCAL_CLOSE);
        });
  }

  /** A fragment arrived from the source; inside a network task. */
  void fragment(int chunkIndex, int offset, ByteBuffer data) {
    if (!ended) {
      InMemoryTransportState.guard(() -> listener.onFragment(chunkIndex, offset, data));
    }
  }

  /** The source has no such chunk; inside a network task. */
  void unavailable(int chunkIndex) {
    if (!ended) {
      InMemoryTransportState.guard(() -> listener.onUnavailable(chunkIndex));
    }
  }

  /** The session ended for {@code reason}; inside a network task. */
  void ended(CloseReason reason) {
    if (!ended) {
      ended = true;
      state.removeSession(this);
      InMemoryTransportState.guard(() -> listener.onClosed(reason));
    }
  }
}
