package io.loudp2p.transport.udp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.spi.AddressObservation;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.TransportOptions;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Address observation (PROTOCOL.md section 8): a server's announced socket tells an asker which
 * address its request came from, within its answers per second, and never sends more than it got.
 */
@Timeout(30)
class AddressObservationTest extends RawPeerTestBase {
  private UdpDataTransport transport() {
    return later(new UdpDataTransport(TransportOptions.builder().build()));
  }

  private DataServer server(UdpDataTransport t) throws Exception {
    return later(t.serve(LOOPBACK, chunks(1)).get(5, TimeUnit.SECONDS));
  }

  @Test
  void twoServersSeeTheOneSocketTheObservationAskedFrom() throws Exception {
    UdpDataTransport observing = transport();
    DataServer a = server(transport());
    DataServer b = server(transport());

    AddressObservation seen = observing.observe(List.of(a.address(), b.address()),
        Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);

    assertThat(seen.answered()).isEqualTo(2);
    assertThat(seen.local().getAddress().isLoopbackAddress()).isTrue();
    assertThat(seen.observed()).containsExactly(Optional.of(seen.local()), Optional.of(seen.local()));
  }

  @Test
  void aSilentObserverLeavesAGapAndTheObservationEndsInTime() throws Exception {
    UdpDataTransport observing = transport();
    DataServer a = server(transport());
    try (DatagramChannel silent = DatagramChannel.open()) {
      silent.bind(LOOPBACK);
      long start = System.nanoTime();

      AddressObservation seen = observing.observe(
          List.of((InetSocketAddress) silent.getLocalAddress(), a.address()),
          Duration.ofMillis(1200)).get(10, TimeUnit.SECONDS);

      assertThat(System.nanoTime() - start).isGreaterThanOrEqualTo(1_100_000_000L);
      assertThat(seen.observed()).containsExactly(Optional.empty(), Optional.of(seen.local()));
      // Asked at 0, 250 and 750 ms: three requests reached the silent observer, each 64 bytes.
      ByteBuffer got = ByteBuffer.allocate(100);
      silent.configureBlocking(false);
      int requests = 0;
      while (silent.receive(got.clear()) != null) {
        assertThat(got.position()).isEqualTo(Observations.REQUEST_LENGTH);
        requests++;
      }
      assertThat(requests).isEqualTo(3);
    }
  }

  @Test
  void aServerAnswersAtMostItsLimitASecondAndCountsTheRest() throws Exception {
    UdpDataTransport serving = transport();
    DataServer server = server(serving);
    try (DatagramChannel asker = DatagramChannel.open()) {
      asker.bind(LOOPBACK);
      asker.socket().setSoTimeout(500);
      int asked = UdpDataServer.OBSERVE_ANSWERS_PER_SECOND + 50;
      byte[] nonce = new byte[Observations.NONCE_LENGTH];
      long start = System.nanoTime();
      for (int i = 0; i < asked; i++) {
        nonce[0] = (byte) i;
        asker.send(Observations.request(nonce), server.address());
      }
      assertThat(System.nanoTime() - start).as("sent within the window")
          .isLessThan(500_000_000L);
      int answers = 0;
      ByteBuffer in = ByteBuffer.allocate(100);
      try {
        while (true) {
          in.clear();
          asker.socket().receive(new java.net.DatagramPacket(in.array(), in.capacity()));
          answers++;
        }
      } catch (SocketTimeoutException e) {
        // no more answers
      }
      assertThat(answers).isEqualTo(UdpDataServer.OBSERVE_ANSWERS_PER_SECOND);
      assertThat(serving.drops().get(Drops.Reason.OBSERVE_LIMITED)).isEqualTo(50);
    }
  }

  @Test
  void anythingButAWellFormedRequestIsDroppedUnanswered() throws Exception {
    UdpDataTransport serving = transport();
    DataServer server = server(serving);
    try (DatagramChannel asker = DatagramChannel.open()) {
      asker.bind(LOOPBACK);
      asker.socket().setSoTimeout(300);
      ByteBuffer shortOne = ByteBuffer.allocate(Observations.REQUEST_LENGTH - 1);
      shortOne.put(0, Observations.OBSERVE);
      ByteBuffer wrongType = Observations.request(new byte[Observations.NONCE_LENGTH]);
      wrongType.put(0, Observations.OBSERVED);
      asker.send(shortOne, server.address());
      asker.send(wrongType, server.address());

      org.assertj.core.api.Assertions.assertThatThrownBy(() -> asker.socket()
          .receive(new java.net.DatagramPacket(new byte[100], 100)))
          .isInstanceOf(SocketTimeoutException.class);
      assertThat(serving.drops().get(Drops.Reason.UNKNOWN_SESSION)).isEqualTo(2);
    }
  }

  @Test
  void anAnswerIsSmallerThanItsRequestAndReadOnlyWithItsNonce() {
    byte[] nonce = new byte[Observations.NONCE_LENGTH];
    nonce[3] = 7;
    ByteBuffer request = Observations.request(nonce);
    for (InetSocketAddress from : List.of(new InetSocketAddress("203.0.113.9", 40000),
        new InetSocketAddress("2001:db8::1", 65535))) {
      ByteBuffer answer = Observations.answer(request, from);
      assertThat(answer.remaining()).isLessThan(Observations.REQUEST_LENGTH);
      ByteBuffer copy = ByteBuffer.allocate(100).put(answer.duplicate());

      assertThat(Observations.read(copy, answer.remaining(), nonce)).isEqualTo(from);
      byte[] other = nonce.clone();
      other[3] = 8;
      assertThat(Observations.read(copy, answer.remaining(), other)).isNull();
      assertThat(Observations.read(copy, answer.remaining() - 1, nonce)).isNull();
    }
  }
}
