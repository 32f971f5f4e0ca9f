package io.loudp2p.core.peer;

import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.DataTransportProvider;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportRegistry;
import io.loudp2p.spi.TransportServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The transports a peer runs on and the servers it opened on them: the control transport, the
 * chunk stream over gRPC (the fallback, and the only data path where UDP is missing), and the UDP
 * data plane when its module is on the class path. Owns their lifecycle; set up once at start,
 * then read-only.
 */
final class PeerTransports {
  /** Provider names of the UDP data plane and of the gRPC chunk stream. */
  static final String UDP = "udp";
  static final String GRPC = "grpc";

  final ControlTransport control;
  /** The chunk stream over gRPC, or null. */
  final @Nullable DataTransport data;
  /** The UDP data plane, or null. */
  final @Nullable DataTransport udp;
  private final List<TransportServer> servers = new CopyOnWriteArrayList<>();
  private volatile @Nullable DataServer udpServer;
  private volatile @Nullable InetSocketAddress dataAddress;

  private PeerTransports(ControlTransport control, @Nullable DataTransport data,
      @Nullable DataTransport udp) {
    this.control = control;
    this.data = data;
    this.udp = udp;
  }

  /** Makes the registry's control transport and its data transports. */
  static PeerTransports create(TransportRegistry registry) {
    ControlTransport control = registry.controlProvider().create(TransportOptions.defaults());
    DataTransport data = null;
    DataTransport udp = null;
    for (DataTransportProvider p : registry.dataProviders()) {
      if (p.name().equals(UDP) && udp == null) {
        udp = p.create(TransportOptions.defaults());
      } else if (!p.name().equals(UDP) && data == null) {
        data = p.create(TransportOptions.defaults());
      }
    }
    PeerTransports t = new PeerTransports(control, data, udp);
    if (data == null && udp == null) {
      t.close();
      registry.dataProvider(); // throws, naming the missing artifacts
    }
    return t;
  }

  /** Listens for control calls at {@code address}; returns the address bound. */
  InetSocketAddress listen(InetSocketAddress address, ControlHandler handler) throws IOException {
    TransportServer server = await(control.listen(address, handler), "listen on " + address);
    servers.add(server);
    return server.address();
  }

  /** Serves chunks on every data transport, on {@code host}, each through its own provider. */
  void serve(InetAddress host, Function<String, ChunkProvider> providers) throws IOException {
    if (data != null) {
      TransportServer dataServer = await(data.serve(new InetSocketAddress(host, 0),
          providers.apply(GRPC)), "serve chunks");
      servers.add(dataServer);
      dataAddress = dataServer.address();
    }
    if (udp != null) {
      DataServer server = await(udp.serve(new InetSocketAddress(host, 0), providers.apply(UDP)),
          "serve chunks over UDP");
      servers.add(server);
      udpServer = server;
    }
  }

  /** Where this peer serves chunk streams over gRPC, or null. */
  @Nullable InetSocketAddress dataAddress() {
    return dataAddress;
  }

  /** This peer's UDP chunk server, or null. */
  @Nullable DataServer udpServer() {
    return udpServer;
  }

  void close() {
    for (TransportServer s : servers) {
      s.close();
    }
    control.close();
    if (data != null) {
      data.close();
    }
    if (udp != null) {
      udp.close();
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
