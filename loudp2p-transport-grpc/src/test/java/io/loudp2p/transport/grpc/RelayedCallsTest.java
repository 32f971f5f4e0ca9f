package io.loudp2p.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.RelayReservation;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.internal.GrpcControlTransport;
import io.loudp2p.transport.grpc.testing.TestTls;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Relays through the control transport's SPI (PROTOCOL.md section 10): every TLS peer serves the
 * relay service; a peer reserves at one, and another, told the route, reaches it by calling the
 * relay's address expecting the reserving peer.
 */
@Timeout(60)
class RelayedCallsTest {
  private static final Duration DEADLINE = Duration.ofSeconds(10);
  private final List<GrpcControlTransport> transports = new ArrayList<>();

  @AfterEach
  void close() {
    transports.forEach(GrpcControlTransport::close);
  }

  @Test
  void aPeerThatReservedAtARelayIsCalledThroughItByAPeerToldTheRoute() throws Exception {
    Identity relayId = Identity.generate();
    Identity nattedId = Identity.generate();
    GrpcControlTransport relay = transport(TestTls.options(relayId));
    BlockingQueue<InetSocketAddress> relaySaw = new LinkedBlockingQueue<>();
    InetSocketAddress relayAt = listen(relay, (request, remote, method, responder) -> {
      relaySaw.add(remote);
      responder.reply("the relay itself".getBytes(StandardCharsets.UTF_8));
    });
    GrpcControlTransport natted = transport(TestTls.options(nattedId));
    BlockingQueue<String> served = new LinkedBlockingQueue<>();
    BlockingQueue<InetSocketAddress> nattedSaw = new LinkedBlockingQueue<>();
    InetSocketAddress nattedAt = listen(natted, (request, remote, method, responder) -> {
      String text = new String(request, StandardCharsets.UTF_8);
      served.add(method + " " + text);
      nattedSaw.add(remote);
      responder.reply(("echo " + text).getBytes(StandardCharsets.UTF_8));
    });
    RelayReservation reservation = natted.reserve(relayAt, relayId.peerId(), List.of(nattedAt))
        .get(10, TimeUnit.SECONDS);
    assertThat(reservation.ended()).isNotDone();
    // The address its record would give, where nobody can connect to it (it listens on
    // 127.0.0.1 only): a private address behind a NAT.
    InetSocketAddress unreachable =
        new InetSocketAddress(InetAddress.getByName("127.0.0.2"), nattedAt.getPort());

    GrpcControlTransport dialler = transport(TestTls.options(Identity.generate()));
    assertThatThrownBy(() -> call(dialler, unreachable, nattedId.peerId(), "before"))
        .hasCauseInstanceOf(ControlException.class);
    dialler.routeThroughRelay(nattedId.peerId(), relayAt, relayId.peerId());
    assertThat(call(dialler, unreachable, nattedId.peerId(), "hello")).isEqualTo("echo hello");
    assertThat(served.poll(5, TimeUnit.SECONDS)).isEqualTo("EXCHANGE_PEERS hello");
    // Calls to the relay itself still reach the relay.
    assertThat(call(dialler, relayAt, relayId.peerId(), "x")).isEqualTo("the relay itself");
    // The relayed call came, for the reserving peer, from where the dialler's connection to the
    // relay comes from (the relay said so), not from its own local connection to its server.
    assertThat(nattedSaw.poll(5, TimeUnit.SECONDS))
        .isEqualTo(relaySaw.poll(5, TimeUnit.SECONDS));
    // A port the reserving peer does not serve: it refuses the connection at once.
    InetSocketAddress elsewhere = new InetSocketAddress(unreachable.getAddress(),
        nattedAt.getPort() == 65535 ? 65534 : nattedAt.getPort() + 1);
    assertThatThrownBy(() -> call(dialler, elsewhere, nattedId.peerId(), "x"))
        .hasCauseInstanceOf(ControlException.class);

    reservation.close();
    assertThat(reservation.ended().get(10, TimeUnit.SECONDS)).contains("CANCELLED");
  }

  @Test
  void aReservationNeedsTls() throws Exception {
    Identity relayId = Identity.generate();
    GrpcControlTransport relay = transport(TestTls.options(relayId));
    InetSocketAddress relayAt = listen(relay, (request, remote, method, responder) -> {});
    GrpcControlTransport plain = transport(TransportOptions.defaults());
    InetSocketAddress plainAt = listen(plain, (request, remote, method, responder) -> {});
    assertThatThrownBy(() -> plain.reserve(relayAt, relayId.peerId(), List.of(plainAt))
        .get(10, TimeUnit.SECONDS))
        .cause().isInstanceOf(ControlException.class).hasMessageContaining("TLS");
  }

  @Test
  void aRelayAtItsLimitSaysSo() throws Exception {
    Identity relayId = Identity.generate();
    GrpcControlTransport relay = transport(TestTls.options(relayId));
    InetSocketAddress relayAt = listen(relay, (request, remote, method, responder) -> {});
    PeerId nobody = Identity.generate().peerId();
    GrpcControlTransport dialler = transport(TestTls.options(Identity.generate()));
    dialler.routeThroughRelay(nobody, relayAt, relayId.peerId());
    assertThatThrownBy(() -> call(dialler, relayAt, nobody, "x"))
        .cause().isInstanceOf(ControlException.class)
        .satisfies(e -> assertThat(((ControlException) e).code())
            .isEqualTo(ControlErrorCode.UNAVAILABLE));
  }

  private GrpcControlTransport transport(TransportOptions options) {
    GrpcControlTransport t = new GrpcControlTransport(options);
    transports.add(t);
    return t;
  }

  private static InetSocketAddress listen(GrpcControlTransport t, ControlHandler handler)
      throws Exception {
    InetSocketAddress at = t.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        handler).get(5, TimeUnit.SECONDS).address();
    return at;
  }

  private static String call(GrpcControlTransport t, InetSocketAddress at, PeerId peer,
      String text) throws InterruptedException, ExecutionException,
      java.util.concurrent.TimeoutException {
    byte[] answer = t.call(at, peer, ControlMethod.EXCHANGE_PEERS,
        text.getBytes(StandardCharsets.UTF_8), DEADLINE).get(15, TimeUnit.SECONDS);
    return new String(answer, StandardCharsets.UTF_8);
  }
}
