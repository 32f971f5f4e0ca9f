package io.loudp2p.core.testing;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Who listens where on an {@link InMemoryNetwork}: its control and data servers by address, and
 * the next free port for a port-0 bind. Owns that state alone; thread-safe.
 */
final class ServerRegistry {
  private final Map<InetSocketAddress, InMemoryControlServer> control = new HashMap<>();
  private final Map<InetSocketAddress, InMemoryDataServer> data = new HashMap<>();
  private int nextPort = InMemoryNetwork.FIRST_EPHEMERAL_PORT;

  /**
   * Binds a control server (or, when it is null, a data server) on {@code host}, at {@code port}
   * or (port 0) at a free port; fails when the address is taken.
   */
  synchronized InetSocketAddress bind(InetAddress host, int port,
      @Nullable InMemoryControlServer controlServer, @Nullable InMemoryDataServer dataServer) {
    InetSocketAddress address;
    if (port == 0) {
      do {
        address = new InetSocketAddress(host, nextPort++);
      } while (control.containsKey(address) || data.containsKey(address));
    } else {
      address = new InetSocketAddress(host, port);
    }
    if (controlServer != null) {
      if (control.containsKey(address)) {
        throw new IllegalStateException("address in use: " + address);
      }
      control.put(address, controlServer);
    } else {
      if (data.containsKey(address)) {
        throw new IllegalStateException("address in use: " + address);
      }
      data.put(address, Objects.requireNonNull(dataServer));
    }
    return address;
  }

  synchronized void unbind(InetSocketAddress address, Object server) {
    control.remove(address, server);
    data.remove(address, server);
  }

  synchronized @Nullable InMemoryControlServer controlServer(InetSocketAddress address) {
    return control.get(address);
  }

  synchronized @Nullable InMemoryDataServer dataServer(InetSocketAddress address) {
    return data.get(address);
  }
}
