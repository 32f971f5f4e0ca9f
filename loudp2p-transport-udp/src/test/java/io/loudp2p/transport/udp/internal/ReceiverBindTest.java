package io.loudp2p.transport.udp.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.TransportStubs;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.DataOffer;
import io.loudp2p.spi.DataServer;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.TransportOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A receiver's socket listens no wider than the path to its source needs. */
class ReceiverBindTest {
  @Test
  void bindsTheLoopbackAddressForALoopbackSourceAndTheWildcardOtherwise() throws Exception {
    assertThat(UdpDataTransport.receiverBind(new InetSocketAddress("127.0.0.1", 7)).getAddress())
        .isEqualTo(InetAddress.getByName("127.0.0.1"));
    assertThat(UdpDataTransport.receiverBind(new InetSocketAddress("127.0.0.9", 7)).getAddress())
        .isEqualTo(InetAddress.getByName("127.0.0.1"));
    assertThat(UdpDataTransport.receiverBind(new InetSocketAddress("::1", 7)).getAddress())
        .isEqualTo(InetAddress.getByName("::1"));
    // Not contacted: only where a socket for such a source would bind.
    assertThat(UdpDataTransport.receiverBind(new InetSocketAddress("192.0.2.1", 7)).getAddress()
        .isAnyLocalAddress()).isTrue();
    assertThat(UdpDataTransport.receiverBind(new InetSocketAddress("2001:db8::1", 7))
        .getAddress().isAnyLocalAddress()).isTrue();
    assertThat(UdpDataTransport.receiverBind(new InetSocketAddress("192.0.2.1", 7)).getPort())
        .isZero();
  }

  @Test
  void aSessionToALoopbackSourceListensOnLoopbackOnly() throws Exception {
    ChunkProvider none = TransportStubs.NOTHING;
    try (UdpDataTransport source = new UdpDataTransport(TransportOptions.defaults());
        UdpDataTransport receiver = new UdpDataTransport(TransportOptions.defaults())) {
      DataServer server = source.serve(
          new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), none).get(5, TimeUnit.SECONDS);
      DataSessionId id = DataSessionId.fromBytes(new byte[16]);
      DataOffer offer = server.prepare(id, receiver.prepare(id));
      DataSession session = receiver.open(offer.endpoint(), id, new byte[] {1}, offer.publicKey(),
          TransportStubs.IGNORE).get(5, TimeUnit.SECONDS);
      InetSocketAddress local =
          (InetSocketAddress) ((ReceiverConnection) session).channel.getLocalAddress();
      assertThat(local.getAddress().isLoopbackAddress()).as("bound to " + local).isTrue();
    }
  }
}
