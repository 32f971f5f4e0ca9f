package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.loudp2p.NetworkStatus.Mapping;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.PeerRecord;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.AddressObservation;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** How observations of one UDP socket classify its NAT, and which peers are asked. */
class UdpMappingTest {
  private static final EnvelopeOpener OPENER = EnvelopeOpener.withDefaults();
  private static final InetSocketAddress LOCAL = new InetSocketAddress("0.0.0.0", 40000);
  private static final Predicate<InetAddress> OWN_IS_192_168_1_5 =
      a -> a.getHostAddress().equals("192.168.1.5");

  private static AddressObservation seen(String... observed) {
    List<Optional<InetSocketAddress>> out = new ArrayList<>();
    for (String o : observed) {
      out.add(o == null ? Optional.empty() : Optional.of(new InetSocketAddress(
          o.substring(0, o.indexOf(':')), Integer.parseInt(o.substring(o.indexOf(':') + 1)))));
    }
    return new AddressObservation(LOCAL, out);
  }

  @Test
  void oneAnswerIsNotEnoughToTellTheKindOfNat() {
    assertThat(UdpMapping.classify(seen("203.0.113.7:40000", null), OWN_IS_192_168_1_5))
        .isEqualTo(Mapping.UNKNOWN);
    assertThat(UdpMapping.classify(seen(null, null), OWN_IS_192_168_1_5))
        .isEqualTo(Mapping.UNKNOWN);
  }

  @Test
  void theSamePublicMappingAtBothObserversIsEndpointIndependent() {
    assertThat(UdpMapping.classify(seen("203.0.113.7:40000", "203.0.113.7:40000"),
        OWN_IS_192_168_1_5)).isEqualTo(Mapping.ENDPOINT_INDEPENDENT);
    // A NAT that changed the port, the same for both.
    assertThat(UdpMapping.classify(seen("203.0.113.7:1234", "203.0.113.7:1234"),
        OWN_IS_192_168_1_5)).isEqualTo(Mapping.ENDPOINT_INDEPENDENT);
  }

  @Test
  void aMappingPerDestinationIsEndpointDependent() {
    assertThat(UdpMapping.classify(seen("203.0.113.7:40000", "203.0.113.7:40001"),
        OWN_IS_192_168_1_5)).isEqualTo(Mapping.ENDPOINT_DEPENDENT);
    assertThat(UdpMapping.classify(seen("203.0.113.7:40000", "203.0.113.8:40000"),
        OWN_IS_192_168_1_5)).isEqualTo(Mapping.ENDPOINT_DEPENDENT);
  }

  @Test
  void theSocketsOwnAddressAndPortMeanNoNat() {
    assertThat(UdpMapping.classify(seen("192.168.1.5:40000", "192.168.1.5:40000"),
        OWN_IS_192_168_1_5)).isEqualTo(Mapping.NONE);
    // Its own address, another port: something in between rewrote the port.
    assertThat(UdpMapping.classify(seen("192.168.1.5:40001", "192.168.1.5:40001"),
        OWN_IS_192_168_1_5)).isEqualTo(Mapping.ENDPOINT_INDEPENDENT);
  }

  private static PeerTable.Entry full(String control, String... udp) throws Exception {
    PeerRecord.Builder r = PeerRecord.newBuilder().setSequence(1)
        .setExpiresAtMs(System.currentTimeMillis() + 3_600_000)
        .addEndpoints(endpoint(TransportKind.TRANSPORT_KIND_GRPC, control));
    for (String u : udp) {
      r.addEndpoints(endpoint(TransportKind.TRANSPORT_KIND_UDP, u));
    }
    InetSocketAddress at = PeerTable.address(endpoint(TransportKind.TRANSPORT_KIND_GRPC, control));
    return new PeerTable.Entry(OPENER.openRecord(new EnvelopeSealer(Identity.generate())
        .sealRecord(r.build())), at, true);
  }

  private static Endpoint endpoint(TransportKind kind, String hostPort) throws Exception {
    int colon = hostPort.lastIndexOf(':');
    return Endpoint.newBuilder().setTransport(kind)
        .setIp(ByteString.copyFrom(InetAddress.getByName(hostPort.substring(0, colon))
            .getAddress()))
        .setPort(Integer.parseInt(hostPort.substring(colon + 1))).build();
  }

  @Test
  void observersAreOnTwoAddressesWhenTheTableHasThem() throws Exception {
    List<PeerTable.Entry> full = List.of(
        full("10.0.0.1:7070", "10.0.0.1:7071"),
        full("10.0.0.1:7080", "10.0.0.1:7081"),
        full("10.0.0.2:7070", "10.0.0.2:7071"),
        full("10.0.0.3:7070")); // no UDP: never asked
    Set<String> pairs = new HashSet<>();
    for (int seed = 0; seed < 50; seed++) {
      List<InetSocketAddress> o = UdpMapping.observers(full, new Random(seed), a -> false);
      assertThat(o).hasSize(2);
      assertThat(o.get(0).getAddress()).isNotEqualTo(o.get(1).getAddress());
      assertThat(o).allSatisfy(a -> assertThat(a.getPort()).isIn(7071, 7081));
      pairs.add(o.toString());
    }
    assertThat(pairs).as("drawn at random").hasSizeGreaterThan(1);
  }

  @Test
  void onOneAddressTwoPortsDoAndOneUdpPeerIsNotEnough() throws Exception {
    List<InetSocketAddress> o = UdpMapping.observers(List.of(
        full("127.0.0.1:7070", "127.0.0.1:7071"), full("127.0.0.1:7080", "127.0.0.1:7081")),
        new Random(1), a -> false);
    assertThat(o).extracting(InetSocketAddress::getPort).containsExactlyInAnyOrder(7071, 7081);

    assertThat(UdpMapping.observers(List.of(full("10.0.0.1:7070", "10.0.0.1:7071"),
        full("10.0.0.2:7070")), new Random(1), a -> false)).isEmpty();
  }

  @Test
  void aPeerWithSeveralUdpEndpointsIsAskedAtTheAddressItIsReachedAt() throws Exception {
    List<InetSocketAddress> o = UdpMapping.observers(List.of(
        full("10.0.0.1:7070", "192.168.9.9:7071", "10.0.0.1:7071"),
        full("10.0.0.2:7070", "10.0.0.2:7071")), new Random(3), a -> false);
    assertThat(o).extracting(a -> a.getAddress().getHostAddress())
        .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
  }

  @Test
  void aPeerThatListsARelayIsNeverAskedItsUdpSocketCannotBeReached() throws Exception {
    PeerTable.Entry relayed = full("192.168.7.2:7070", "192.168.7.2:7071");
    PeerRecord.Builder r = relayed.record().record().toBuilder()
        .addEndpoints(endpoint(TransportKind.TRANSPORT_KIND_GRPC_RELAYED, "10.0.0.9:7070")
            .toBuilder().setPeerId(ByteString.copyFrom(Identity.generate().peerId().bytes())));
    PeerTable.Entry behindNat = new PeerTable.Entry(OPENER.openRecord(
        new EnvelopeSealer(Identity.generate()).sealRecord(r.build())), relayed.control(), true);
    List<PeerTable.Entry> full = List.of(behindNat, full("10.0.0.1:7070", "10.0.0.1:7071"),
        full("10.0.0.2:7070", "10.0.0.2:7071"));
    for (int seed = 0; seed < 20; seed++) {
      assertThat(UdpMapping.observers(full, new Random(seed), a -> false))
          .extracting(a -> a.getAddress().getHostAddress())
          .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
    }
    assertThat(UdpMapping.observers(List.of(behindNat, full("10.0.0.1:7070", "10.0.0.1:7071")),
        new Random(1), a -> false)).isEmpty();
    // One that did not answer before is skipped too: one observer is left, not enough.
    assertThat(UdpMapping.observers(full, new Random(1),
        a -> a.getAddress().getHostAddress().equals("10.0.0.1"))).isEmpty();
  }
}
