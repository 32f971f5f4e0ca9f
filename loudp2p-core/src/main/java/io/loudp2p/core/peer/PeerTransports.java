package io.loudp2p.core.peer;

import io.loudp2p.core.internal.Loggers;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.ControlTransportProvider;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.DataTransportDescriptor;
import io.loudp2p.spi.DataTransportProvider;
import io.loudp2p.spi.ProviderNotFoundException;
import io.loudp2p.spi.PeerCredentials;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportRegistry;
import io.loudp2p.spi.TransportServer;
import io.loudp2p.spi.TransportSettings;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The transports a peer runs on and the servers it opened on them: the control transport, and one
 * data transport for each wire kind the registry's data providers describe (the first provider of
 * a kind wins). Which data transport is offered, accepted or fallen back to is decided from each
 * one's {@link DataTransportDescriptor}, never from its name. Owns their lifecycle; set up once at
 * start, then read-only (the servers are published once, before the peer answers anyone).
 */
final class PeerTransports {
  private static final Logger log = LoggerFactory.getLogger(Loggers.TRANSPORT);

  /** One data transport this peer runs, how it describes itself, and its server once serving. */
  static final class Data {
    final String name;
    final DataTransportDescriptor descriptor;
    final DataTransport transport;
    private volatile @Nullable DataServer server;

    Data(String name, DataTransportDescriptor descriptor, DataTransport transport) {
      this.name = name;
      this.descriptor = descriptor;
      this.transport = transport;
    }

    int kind() {
      return descriptor.wireKind();
    }

    /** This peer's server on the transport, or null before serving. */
    @Nullable DataServer server() {
      return server;
    }

    @Override
    public String toString() {
      return name + " (kind " + kind() + ")";
    }
  }

  final ControlTransport control;
  /** The data transports, most preferred first: the order of this peer's offers. */
  final List<Data> data;
  private final List<TransportServer> servers = new CopyOnWriteArrayList<>();

  private PeerTransports(ControlTransport control, List<Data> data) {
    this.control = control;
    this.data = List.copyOf(data);
  }

  /**
   * Checks that every setting names a provider of the registry.
   *
   * @throws ProviderNotFoundException naming the settings' artifact when one names no provider
   */
  static void checkSettings(TransportRegistry registry, List<TransportSettings> settings) {
    Set<String> known = new HashSet<>();
    List<String> control = new ArrayList<>();
    List<String> data = new ArrayList<>();
    for (ControlTransportProvider p : registry.controlProviders()) {
      known.add(p.name());
      control.add(p.name());
    }
    for (DataTransportProvider p : registry.dataProviders()) {
      known.add(p.name());
      data.add(p.name());
    }
    for (TransportSettings s : settings) {
      if (!known.contains(s.providerName())) {
        throw new ProviderNotFoundException("settings " + s.getClass().getSimpleName()
            + " are for the transport \"" + s.providerName() + "\", which is not on the class path:"
            + " add the dependency " + s.artifact() + " (usable control transports: " + control
            + ", data transports: " + data + ")");
      }
    }
  }

  /**
   * Makes the registry's control transport and one data transport per wire kind, each given the
   * settings named after its provider.
   *
   * @throws ProviderNotFoundException when settings name no provider, or there is no data provider
   * @throws IllegalArgumentException when a provider refuses its settings
   */
  static PeerTransports create(TransportRegistry registry, List<TransportSettings> settings) {
    return create(registry, settings, null);
  }

  /**
   * The transports of {@code registry}, made with {@code settings} and, when not null, the TLS
   * {@code credentials} that transports authenticating their connections present.
   */
  static PeerTransports create(TransportRegistry registry, List<TransportSettings> settings,
      @Nullable PeerCredentials credentials) {
    checkSettings(registry, settings);
    ControlTransportProvider cp = registry.controlProvider();
    ControlTransport control = cp.create(options(cp.name(), settings, credentials));
    List<Data> data = new ArrayList<>();
    try {
      Set<Integer> kinds = new HashSet<>();
      for (DataTransportProvider p : registry.dataProviders()) {
        DataTransportDescriptor d = p.descriptor();
        if (!kinds.add(d.wireKind())) {
          log.info("not using data transport {}: kind {} is served by a preferred provider",
              p.name(), d.wireKind());
          continue;
        }
        data.add(new Data(p.name(), d, p.create(options(p.name(), settings, credentials))));
      }
    } catch (RuntimeException e) {
      new PeerTransports(control, data).close();
      throw e;
    }
    // Stable: equal preferences keep the registry's order.
    data.sort(Comparator.comparingInt((Data d) -> -d.descriptor.preference()));
    PeerTransports t = new PeerTransports(control, data);
    if (data.isEmpty()) {
      t.close();
      registry.dataProvider(); // throws, naming the missing artifacts
    }
    return t;
  }

  private static TransportOptions options(String provider, List<TransportSettings> settings,
      @Nullable PeerCredentials credentials) {
    TransportOptions.Builder b = TransportOptions.builder().credentials(credentials);
    for (TransportSettings s : settings) {
      if (s.providerName().equals(provider)) {
        b.settings(s);
      }
    }
    return b.build();
  }

  /** Listens for control calls at {@code address}; returns the server, bound. */
  TransportServer listen(InetSocketAddress address, ControlHandler handler) throws IOException {
    TransportServer server = await(control.listen(address, handler), "listen on " + address);
    servers.add(server);
    return server;
  }

  /**
   * Serves chunks on every data transport, on {@code host}, each through its own chunk provider
   * (asked by transport name).
   */
  void serve(InetAddress host, Function<String, ChunkProvider> providers) throws IOException {
    for (Data d : data) {
      DataServer server = await(d.transport.serve(new InetSocketAddress(host, 0),
          providers.apply(d.name)), "serve chunks over " + d.name);
      servers.add(server);
      d.server = server;
    }
  }

  /** The first data transport of this wire kind that serves, or null. */
  @Nullable Data serving(int kind) {
    for (Data d : data) {
      if (d.kind() == kind && d.server() != null) {
        return d;
      }
    }
    return null;
  }

  /** The data transport that is the fallback path (the most preferred one), or null. */
  @Nullable Data fallback() {
    for (Data d : data) {
      if (d.descriptor.fallback()) {
        return d;
      }
    }
    return null;
  }

  void close() {
    for (TransportServer s : servers) {
      s.close();
    }
    control.close();
    for (Data d : data) {
      d.transport.close();
    }
  }

  private static <T> T await(CompletableFuture<T> future, String what) throws IOException {
    try {
      return future.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + what, e);
    } catch (Exception e) {
      Throwable cause = e.getCause() != null ? e.getCause() : e;
      throw new IOException("cannot " + what + ": " + cause.getMessage(), cause);
    }
  }
}
