package io.loudp2p.core.testing;

import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one {@link InMemoryTransport} shares with its calls, servers and sessions: where it sits on
 * the network (host, client address, message size limit), and which of them are still open, so
 * that {@link #close()} can end them all.
 *
 * <p>Thread-safe: one lock guards the open sets and the closed flag. It is held only to read and
 * change them, never while a server, call or session is ended, so no callback runs under it.
 */
final class InMemoryTransportState {
  /**
   * The one logger of the transport's parts, named after the transport, so that a warning reads
   * the same whichever part logs it.
   */
  static final Logger LOG = LoggerFactory.getLogger(InMemoryTransport.class);

  private final InMemoryNetwork network;
  private final InetAddress host;
  private final InetSocketAddress clientAddress;
  private final int maxMessageBytes;
  private final Object lock = new Object();
  private final Set<InMemoryControlServer> controlServers = new HashSet<>();
  private final Set<InMemoryDataServer> dataServers = new HashSet<>();
  private final Set<CompletableFuture<?>> calls = new HashSet<>();
  private final Set<InMemoryReceiverSession> sessions = new HashSet<>();
  private boolean closed;

  InMemoryTransportState(InMemoryNetwork network, InetAddress host, int maxMessageBytes) {
    this.network = network;
    this.host = host;
    this.clientAddress = new InetSocketAddress(host, 1);
    this.maxMessageBytes = maxMessageBytes;
  }

  /**
   * Runs a callback of the code under test; what it throws is logged and swallowed, since it
   * would otherwise end the network task of an unrelated caller.
   */
  static void guard(Runnable callback) {
    try {
      callback.run();
    } catch (RuntimeException e) {
      LOG.warn("transport callback threw", e);
    }
  }

  /** The error of any use of a closed transport. */
  static ControlException transportClosed() {
    return new ControlException(ControlErrorCode.UNAVAILABLE, "transport closed");
  }

  InMemoryNetwork network() {
    return network;
  }

  InetAddress host() {
    return host;
  }

  /** The address remote handlers and sources see as this transport's origin. */
  InetSocketAddress clientAddress() {
    return clientAddress;
  }

  /** The largest request the transport sends or serves, in bytes. */
  int maxMessageBytes() {
    return maxMessageBytes;
  }

  boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /** Keeps {@code call} to fail when the transport closes; false if it is closed already. */
  boolean addCall(CompletableFuture<?> call) {
    synchronized (lock) {
      if (closed) {
        return false;
      }
      calls.add(call);
      return true;
    }
  }

  void removeCall(CompletableFuture<?> call) {
    synchronized (lock) {
      calls.remove(call);
    }
  }

  /** Keeps {@code session} to close with the transport; false if it is closed already. */
  boolean addSession(InMemoryReceiverSession session) {
    synchronized (lock) {
      if (closed) {
        return false;
      }
      sessions.add(session);
      return true;
    }
  }

  void removeSession(InMemoryReceiverSession session) {
    synchronized (lock) {
      sessions.remove(session);
    }
  }

  /**
   * Binds {@code server} on this host at the port of {@code address} (0 for any) and keeps it to
   * close with the transport. The server learns its address under the lock, so that a concurrent
   * {@link #close()} unbinds the address the server holds.
   *
   * @throws ControlException UNAVAILABLE if the transport is closed or the address is taken
   */
  void bind(InetSocketAddress address, InMemoryControlServer server) {
    synchronized (lock) {
      if (closed) {
        throw transportClosed();
      }
      server.boundAt(bindOnNetwork(address.getPort(), server, null));
      controlServers.add(server);
    }
  }

  /** As {@link #bind(InetSocketAddress, InMemoryControlServer)}, for a data server. */
  void bind(InetSocketAddress address, InMemoryDataServer server) {
    synchronized (lock) {
      if (closed) {
        throw transportClosed();
      }
      server.boundAt(bindOnNetwork(address.getPort(), null, server));
      dataServers.add(server);
    }
  }

  private InetSocketAddress bindOnNetwork(
      int port, @Nullable InMemoryControlServer control, @Nullable InMemoryDataServer data) {
    try {
      return network.bind(host, port, control, data);
    } catch (IllegalStateException e) {
      throw new ControlException(ControlErrorCode.UNAVAILABLE, e.getMessage(), e);
    }
  }

  void remove(InMemoryControlServer server) {
    synchronized (lock) {
      controlServers.remove(server);
    }
  }

  void remove(InMemoryDataServer server) {
    synchronized (lock) {
      dataServers.remove(server);
    }
  }

  /**
   * Marks the transport closed, then closes its servers, fails its calls with UNAVAILABLE and
   * closes its sessions, in that order. Idempotent.
   */
  void close() {
    List<InMemoryControlServer> cs;
    List<InMemoryDataServer> ds;
    List<CompletableFuture<?>> pending;
    List<InMemoryReceiverSession> open;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      cs = new ArrayList<>(controlServers);
      ds = new ArrayList<>(dataServers);
      pending = new ArrayList<>(calls);
      open = new ArrayList<>(sessions);
    }
    cs.forEach(InMemoryControlServer::close);
    ds.forEach(InMemoryDataServer::close);
    for (CompletableFuture<?> f : pending) {
      f.completeExceptionally(transportClosed());
    }
    open.forEach(InMemoryReceiverSession::close);
  }
}
