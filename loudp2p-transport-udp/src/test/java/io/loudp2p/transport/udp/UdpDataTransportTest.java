package io.loudp2p.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.core.testing.AbstractDataTransportTest;
import io.loudp2p.core.testing.TransportStubs;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.DataTransportProvider;
import io.loudp2p.spi.TransportOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ServiceLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The UDP transport passes the data transport conformance test, and opens sessions its way. */
class UdpDataTransportTest extends AbstractDataTransportTest {
  static DataTransport newTransport() {
    return new UdpDataTransportProvider().create(TransportOptions.defaults());
  }

  @Override
  protected DataTransport newSourceTransport() {
    return newTransport();
  }

  @Override
  protected DataTransport newReceiverTransport() {
    return newTransport();
  }

  @Override
  protected InetSocketAddress bindAddress() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  private static final DataSession.Listener IGNORE = TransportStubs.IGNORE;

  private static final ChunkProvider NOTHING = TransportStubs.NOTHING;

  private static DataSessionId id(int n) {
    byte[] b = new byte[16];
    b[0] = (byte) n;
    return DataSessionId.fromBytes(b);
  }

  @Test
  void isFoundByServiceLoaderWithItsNameAndPriority() {
    DataTransportProvider found = null;
    for (DataTransportProvider p : ServiceLoader.load(DataTransportProvider.class)) {
      if (p.name().equals("udp")) {
        found = p;
      }
    }
    assertThat(found).isInstanceOf(UdpDataTransportProvider.class);
    assertThat(found.priority()).isEqualTo(7);
    assertThat(found.isAvailable()).isTrue();
  }

  @Test
  void openWithoutTheSourceKeyFailsAndSaysWhy() {
    try (DataTransport t = newTransport()) {
      CompletableFuture<DataSession> f = t.open(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 9), id(1), new byte[0], IGNORE);
      assertThatThrownBy(() -> f.get(1, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(ControlException.class)
          .hasMessageContaining("source's session key");
    }
  }

  @Test
  void offersAFreshSocketAndKeyPerSession() throws Exception {
    try (DataTransport source = newTransport(); DataTransport receiver = newTransport()) {
      DataServer server = source.serve(bindAddress(), NOTHING).get(5, TimeUnit.SECONDS);
      byte[] k1 = receiver.prepare(id(1));
      byte[] k2 = receiver.prepare(id(2));
      assertThat(k1).hasSize(32);
      assertThat(k2).hasSize(32).isNotEqualTo(k1);
      DataOffer o1 = server.prepare(id(1), k1);
      DataOffer o2 = server.prepare(id(2), k2);
      assertThat(o1.publicKey()).hasSize(32);
      assertThat(o1.endpoint().getPort()).isNotIn(server.address().getPort(), o2.endpoint().getPort());
      assertThat(o1.endpoint().getAddress()).isEqualTo(server.address().getAddress());
      assertThatThrownBy(() -> server.prepare(id(3), new byte[5]))
          .isInstanceOf(ControlException.class)
          .extracting(e -> ((ControlException) e).code()).isEqualTo(ControlErrorCode.MALFORMED);
      // A low-order key gives an all-zero shared secret: refused.
      assertThatThrownBy(() -> server.prepare(id(4), new byte[32]))
          .isInstanceOf(ControlException.class)
          .extracting(e -> ((ControlException) e).code()).isEqualTo(ControlErrorCode.MALFORMED);
    }
  }

  @Test
  void boundsPreparedSessions() throws Exception {
    TransportOptions options = TransportOptions.builder()
        .settings(UdpTransportOptions.builder().maxPreparedSessions(2).build()).build();
    try (DataTransport source = new UdpDataTransportProvider().create(options);
        DataTransport receiver = newTransport()) {
      DataServer server = source.serve(bindAddress(), NOTHING).get(5, TimeUnit.SECONDS);
      server.prepare(id(1), receiver.prepare(id(1)));
      server.prepare(id(2), receiver.prepare(id(2)));
      assertThatThrownBy(() -> server.prepare(id(3), receiver.prepare(id(3))))
          .isInstanceOf(ControlException.class)
          .extracting(e -> ((ControlException) e).code())
          .isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED);
    }
  }

  @Test
  void unansweredOpenFailsUnavailableWithinTheOpenTimeout() throws Exception {
    TransportOptions options = TransportOptions.builder()
        .settings(UdpTransportOptions.builder().openTimeout(Duration.ofMillis(300)).build())
        .build();
    try (DataTransport receiver = new UdpDataTransportProvider().create(options);
        DatagramChannel silent = DatagramChannel.open()) {
      silent.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      byte[] key;
      try (DataTransport source = newTransport()) {
        DataServer server = source.serve(bindAddress(), NOTHING).get(5, TimeUnit.SECONDS);
        key = server.prepare(id(1), receiver.prepare(id(1))).publicKey();
      }
      long start = System.nanoTime();
      CompletableFuture<DataSession> f = receiver.open(
          (InetSocketAddress) silent.getLocalAddress(), id(1), new byte[0], key, IGNORE);
      assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
          .isInstanceOf(ExecutionException.class)
          .cause().isInstanceOf(ControlException.class)
          .extracting(e -> ((ControlException) e).code()).isEqualTo(ControlErrorCode.UNAVAILABLE);
      assertThat(System.nanoTime() - start).isLessThan(TimeUnit.SECONDS.toNanos(2));
    }
  }
}
