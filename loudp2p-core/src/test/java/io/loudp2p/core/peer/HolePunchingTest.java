package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.loudp2p.NetworkStatus.Mapping;
import io.loudp2p.core.proto.v1.Endpoint;
import io.loudp2p.core.proto.v1.NatMapping;
import io.loudp2p.core.proto.v1.TransportKind;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

/**
 * Who asks for a punch and who takes one (PROTOCOL.md section 8, "Hole punching"): only a peer
 * whose socket's public address can be predicted asks, and a source takes UDP only where its
 * probes and the receiver's HELLO can meet through both NATs.
 */
class HolePunchingTest {
  private static final InetSocketAddress PUBLIC = new InetSocketAddress("203.0.113.7", 40000);

  private static HolePunching observed(Mapping mapping, boolean portKept) {
    HolePunching p = new HolePunching();
    p.observedBy(() -> new UdpMapping.Result(mapping, PUBLIC, 1, PUBLIC.getAddress(), portKept));
    return p;
  }

  @Test
  void aPeerAsksOnlyWhenOthersCanPredictWhereItsSocketIsHeard() {
    assertThat(new HolePunching().ask()).as("before any observation").isNull();
    assertThat(observed(Mapping.UNKNOWN, false).ask()).isNull();
    assertThat(observed(Mapping.ENDPOINT_DEPENDENT, false).ask()).isNull();
    assertThat(observed(Mapping.ENDPOINT_INDEPENDENT, false).ask())
        .as("a NAT that changes the socket's port").isNull();
    assertThat(observed(Mapping.ENDPOINT_INDEPENDENT, true).ask()).isEqualTo(
        new HolePunching.Ask(PUBLIC.getAddress(), NatMapping.NAT_MAPPING_ENDPOINT_INDEPENDENT));
    assertThat(observed(Mapping.NONE, true).ask())
        .isEqualTo(new HolePunching.Ask(PUBLIC.getAddress(), NatMapping.NAT_MAPPING_NONE));
  }

  @Test
  void aSourceTakesUdpOnlyWhereProbesAndHelloCanMeet() {
    HolePunching symmetric = observed(Mapping.ENDPOINT_DEPENDENT, false);
    HolePunching keeps = observed(Mapping.ENDPOINT_INDEPENDENT, true);
    HolePunching unknown = new HolePunching();
    // A receiver without a NAT hears the probes from wherever the source's NAT sends them.
    assertThat(symmetric.works(NatMapping.NAT_MAPPING_NONE)).isTrue();
    assertThat(unknown.works(NatMapping.NAT_MAPPING_NONE)).isTrue();
    // Behind a NAT that keeps the port, it needs a source whose address it could predict.
    assertThat(keeps.works(NatMapping.NAT_MAPPING_ENDPOINT_INDEPENDENT)).isTrue();
    assertThat(observed(Mapping.NONE, true).works(NatMapping.NAT_MAPPING_ENDPOINT_INDEPENDENT))
        .isTrue();
    assertThat(symmetric.works(NatMapping.NAT_MAPPING_ENDPOINT_INDEPENDENT)).isFalse();
    assertThat(unknown.works(NatMapping.NAT_MAPPING_ENDPOINT_INDEPENDENT)).isFalse();
    // A receiver that cannot be predicted is never punched to.
    assertThat(keeps.works(NatMapping.NAT_MAPPING_ENDPOINT_DEPENDENT)).isFalse();
    assertThat(keeps.works(NatMapping.NAT_MAPPING_UNKNOWN)).isFalse();
  }

  @Test
  void aSourceAnnouncesItsPublicAddressWithTheSessionSocketsPort() {
    InetSocketAddress socket = new InetSocketAddress("192.168.1.5", 51234);
    assertThat(observed(Mapping.ENDPOINT_INDEPENDENT, true).announce(socket))
        .isEqualTo(new InetSocketAddress(PUBLIC.getAddress(), 51234));
    assertThat(new HolePunching().announce(socket)).isEqualTo(socket);
  }

  @Test
  void onlyAUnicastUdpEndpointIsProbed() throws Exception {
    assertThat(HolePunching.probeTarget(udp("198.51.100.4", 5000)))
        .isEqualTo(new InetSocketAddress("198.51.100.4", 5000));
    assertThat(HolePunching.probeTarget(udp("0.0.0.0", 5000))).isNull();
    assertThat(HolePunching.probeTarget(udp("224.0.0.251", 5353))).isNull();
    assertThat(HolePunching.probeTarget(udp("198.51.100.4", 0))).isNull();
    assertThat(HolePunching.probeTarget(udp("198.51.100.4", 70000))).isNull();
    assertThat(HolePunching.probeTarget(udp("198.51.100.4", 5000).toBuilder()
        .setTransport(TransportKind.TRANSPORT_KIND_GRPC).build())).isNull();
    assertThat(HolePunching.probeTarget(udp("198.51.100.4", 5000).toBuilder()
        .setIp(ByteString.copyFrom(new byte[3])).build())).isNull();
  }

  private static Endpoint udp(String ip, int port) throws Exception {
    return Endpoint.newBuilder().setTransport(TransportKind.TRANSPORT_KIND_UDP)
        .setIp(ByteString.copyFrom(InetAddress.getByName(ip).getAddress())).setPort(port).build();
  }
}
