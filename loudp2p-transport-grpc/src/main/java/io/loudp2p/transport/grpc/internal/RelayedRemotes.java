package io.loudp2p.transport.grpc.internal;

import io.grpc.Attributes;
import io.grpc.Grpc;
import io.grpc.ServerTransportFilter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where the connections a relay brings to this host's gRPC servers come from. A relayed connection
 * reaches the reserving peer's server over a local connection this peer makes ({@link
 * RelayClient}), so the server would see every relayed caller at its own address: the observed
 * address it answers would be its own, and all relayed callers would share its limits per
 * address. While such a local connection is open, its local end is mapped to the dialler's
 * address as the relay saw it ({@code RelayIncoming.from_ip}, PROTOCOL.md section 10), and {@link
 * #FILTER} gives the server's connection that address as its remote one.
 *
 * <p>Holds at most {@link #MAX_CONNECTIONS}; past it a relayed connection keeps the local address.
 * Thread-safe.
 */
final class RelayedRemotes {
  /** Relayed connections mapped at once, at most: each is an open socket of this host. */
  static final int MAX_CONNECTIONS = 4096;

  private static final Map<SocketAddress, InetSocketAddress> FROM = new ConcurrentHashMap<>();

  /** Gives a server connection that a relay brought the dialler's address as its remote one. */
  static final ServerTransportFilter FILTER = new ServerTransportFilter() {
    @Override
    public Attributes transportReady(Attributes attributes) {
      SocketAddress remote = attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
      InetSocketAddress dialler = remote == null ? null : FROM.get(remote);
      return dialler == null ? attributes
          : attributes.toBuilder().set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, dialler).build();
    }
  };

  private RelayedRemotes() {}

  /**
   * The local connection from {@code local} carries a relayed connection from {@code dialler};
   * false when {@link #MAX_CONNECTIONS} are mapped already.
   */
  static boolean joined(SocketAddress local, InetSocketAddress dialler) {
    if (FROM.size() >= MAX_CONNECTIONS) {
      return false;
    }
    FROM.put(local, dialler);
    return true;
  }

  /** The local connection from {@code local} closed. */
  static void left(SocketAddress local) {
    FROM.remove(local);
  }

  /** How many relayed connections are mapped now. */
  static int size() {
    return FROM.size();
  }
}
