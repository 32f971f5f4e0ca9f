package io.loudp2p.transport.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Attributes;
import io.grpc.Grpc;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayIncoming;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The address a relayed connection comes from: read from the relay's announcement, mapped from
 * the local connection that carries it, at most {@link RelayedRemotes#MAX_CONNECTIONS} at once.
 */
class RelayedRemotesTest {
  @Test
  void anAnnouncementNamesTheDiallerOnlyWithAWholeAddress() throws Exception {
    RelayIncoming.Builder incoming = RelayIncoming.newBuilder()
        .setFromIp(ByteString.copyFrom(new byte[] {(byte) 203, 0, 113, 7})).setFromPort(40_001);
    assertThat(RelayClient.dialler(incoming.build()))
        .isEqualTo(new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 40_001));
    assertThat(RelayClient.dialler(incoming.clone().setFromPort(0).build())).isNull();
    assertThat(RelayClient.dialler(incoming.clone().setFromPort(70_000).build())).isNull();
    assertThat(RelayClient.dialler(incoming.clone().setFromIp(ByteString.copyFrom(new byte[5]))
        .build())).isNull();
    // A relay that does not say:
    assertThat(RelayClient.dialler(RelayIncoming.getDefaultInstance())).isNull();
  }

  @Test
  void aMappedConnectionComesFromTheDiallerUntilItClosesAndTheMapIsBounded() throws Exception {
    InetSocketAddress local = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);
    InetSocketAddress dialler = new InetSocketAddress(InetAddress.getByName("203.0.113.7"), 2);
    Attributes attributes = Attributes.newBuilder().set(Grpc.TRANSPORT_ATTR_REMOTE_ADDR, local)
        .build();
    int before = RelayedRemotes.size();
    assertThat(RelayedRemotes.joined(local, dialler)).isTrue();
    assertThat(RelayedRemotes.FILTER.transportReady(attributes)
        .get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)).isEqualTo(dialler);
    RelayedRemotes.left(local);
    assertThat(RelayedRemotes.FILTER.transportReady(attributes)
        .get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)).isEqualTo(local);

    List<InetSocketAddress> filled = new ArrayList<>();
    try {
      for (int port = 10_000; RelayedRemotes.size() < RelayedRemotes.MAX_CONNECTIONS; port++) {
        InetSocketAddress a = new InetSocketAddress(InetAddress.getLoopbackAddress(), port);
        if (RelayedRemotes.joined(a, dialler)) {
          filled.add(a);
        }
      }
      assertThat(RelayedRemotes.joined(local, dialler)).as("past the bound").isFalse();
      assertThat(RelayedRemotes.FILTER.transportReady(attributes)
          .get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)).isEqualTo(local);
    } finally {
      filled.forEach(RelayedRemotes::left);
    }
    assertThat(RelayedRemotes.size()).isEqualTo(before);
  }
}
