package io.loudp2p.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.transport.udp.internal.UdpDataTransport;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.channels.DatagramChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Hole punching on the UDP data plane (PROTOCOL.md section 8): a source prepared with the
 * addresses its receiver will be heard at probes them, and a receiver whose socket was bound for
 * punching takes its source from wherever the first authenticated datagram came, which is what
 * lets it reach a source behind a NAT that gave the session's socket another port than the one
 * the source announced.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HolePunchTest extends UdpTestBase {
  private static final InetAddress HOST = InetAddress.getLoopbackAddress();

  /** A socket nobody answers from: where a source's NAT did not keep the port it announced. */
  private DatagramChannel silent() throws Exception {
    DatagramChannel c = later(DatagramChannel.open());
    c.bind(new InetSocketAddress(HOST, 0));
    return c;
  }

  /**
   * A receiver, a source serving a random track of {@code length} bytes as session {@code n}, and
   * the address the source's NAT did not keep: where the receiver is told to look for it.
   */
  private record Pair(UdpDataTransport receiver, DataServer server, DataSessionId id,
      byte[] track, InetSocketAddress announced) {}

  private Pair pair(int n, int length) throws Exception {
    TrackFetch.Tracks tracks = new TrackFetch.Tracks();
    DataSessionId id = TrackFetch.id(n);
    byte[] track = tracks.add(id, length, n);
    DataServer server = later(transport().serve(LOOPBACK, tracks).get(5, TimeUnit.SECONDS));
    return new Pair(transport(), server, id, track,
        (InetSocketAddress) silent().getLocalAddress());
  }

  @Test
  void aPunchedReceiverHearsItsSourceAtAnotherAddressThanAnnouncedAndStreamsTheTrack()
      throws Exception {
    Pair p = pair(31, 300_000);
    byte[] key = p.receiver().prepare(p.id());
    int port = p.receiver().bindForPunching(p.id(), HOST);
    assertThat(port).isPositive();
    DataOffer offer = p.server().prepare(p.id(), key,
        List.of(new InetSocketAddress(HOST, port)));
    TrackFetch fetch = new TrackFetch(p.track(), 8);
    DataSession session = p.receiver().open(p.announced(), p.id(), new byte[] {1},
        offer.publicKey(), fetch).get(5, TimeUnit.SECONDS);
    fetch.session = session;
    fetch.start();
    fetch.await(20_000);

    assertThat(session.remote()).as("the source's real address, learnt from its probe")
        .isEqualTo(offer.endpoint());
    assertThat(fetch.rerequests.get()).isZero();
  }

  @Test
  void withoutPunchingAReceiverOnlyHearsTheAddressItWasGiven() throws Exception {
    Pair p = pair(32, 50_000);
    byte[] key = p.receiver().prepare(p.id());
    DataOffer offer = p.server().prepare(p.id(), key, List.of());
    assertThatThrownBy(() -> p.receiver().open(p.announced(), p.id(), new byte[] {1},
        offer.publicKey(), new TrackFetch(p.track(), 8)).get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ControlException.class)
        .satisfies(e -> assertThat(((ControlException) e).code())
            .isEqualTo(ControlErrorCode.UNAVAILABLE));
  }

  @Test
  void aSourceProbesAtMostTwoAddressesTenTimesEachWithSmallSealedDatagrams() throws Exception {
    UdpDataTransport source = transport();
    DataServer server = later(source.serve(LOOPBACK, new TrackFetch.Tracks())
        .get(5, TimeUnit.SECONDS));
    List<DatagramChannel> named = List.of(silent(), silent(), silent());
    List<InetSocketAddress> to = new ArrayList<>();
    for (DatagramChannel c : named) {
      c.configureBlocking(true);
      c.socket().setSoTimeout(1_500);
      to.add((InetSocketAddress) c.getLocalAddress());
    }
    UdpDataTransport receiver = transport();
    DataSessionId id = TrackFetch.id(33);
    DataOffer offer = server.prepare(id, receiver.prepare(id), to);

    for (int i = 0; i < 2; i++) {
      List<Integer> sizes = probes(named.get(i), offer.endpoint());
      assertThat(sizes).as("probes to the address named %d", i).hasSize(10).containsOnly(42);
    }
    assertThat(probes(named.get(2), offer.endpoint())).as("the third address named").isEmpty();
  }

  /** The sizes of the datagrams {@code c} gets from {@code from} until 1.5 s pass with none. */
  private static List<Integer> probes(DatagramChannel c, InetSocketAddress from)
      throws Exception {
    List<Integer> sizes = new ArrayList<>();
    byte[] buf = new byte[2048];
    java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
    while (true) {
      try {
        c.socket().receive(p);
      } catch (SocketTimeoutException e) {
        return sizes;
      }
      assertThat(p.getSocketAddress()).isEqualTo(from);
      assertThat(buf[0]).as("source to receiver").isEqualTo((byte) 0x22);
      sizes.add(p.getLength());
      p.setLength(buf.length);
    }
  }

  @Test
  void aPreparedSessionThatIsForgottenReleasesItsSocketAtOnce() throws Exception {
    UdpDataTransport receiver = transport();
    DataSessionId id = TrackFetch.id(35);
    receiver.prepare(id);
    int port = receiver.bindForPunching(id, HOST);
    try (DatagramChannel taken = DatagramChannel.open()) {
      assertThatThrownBy(() -> taken.bind(new InetSocketAddress(port)))
          .as("the session's socket holds the port").isInstanceOf(java.net.BindException.class);
    }
    receiver.forget(id);
    try (DatagramChannel free = DatagramChannel.open()) {
      free.bind(new InetSocketAddress(port)); // the port is free again
    }
    assertThatThrownBy(() -> receiver.bindForPunching(id, HOST))
        .isInstanceOf(ControlException.class).hasMessageContaining("not prepared");
  }

  @Test
  void bindingForPunchingNeedsAPreparedSession() {
    UdpDataTransport receiver = transport();
    assertThatThrownBy(() -> receiver.bindForPunching(TrackFetch.id(34), HOST))
        .isInstanceOf(ControlException.class).hasMessageContaining("not prepared");
  }
}
