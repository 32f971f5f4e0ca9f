package io.loudp2p.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.loudp2p.Peer;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.ManifestRequest;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportSettings;
import io.loudp2p.transport.grpc.internal.GrpcControlTransport;
import io.loudp2p.transport.grpc.testing.TestTls;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The typed settings of the gRPC transports: checked when set, and reaching a peer's transports. */
class GrpcTransportOptionsTest {
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  @Test
  void aMaxMessageSizeGivenToThePeerBuilderBoundsWhatItsControlServerAccepts() throws Exception {
    EnvelopeSealer sealer = new EnvelopeSealer(Identity.generate());
    byte[] small = sealer.seal(Payload.newBuilder().setPeerExchange(PeerExchange.getDefaultInstance()))
        .toByteArray();
    byte[] big = sealer.seal(Payload.newBuilder().setManifestRequest(ManifestRequest.newBuilder()
        .setTrackId(ByteString.copyFrom(new byte[10_000])))).toByteArray();
    try (Peer peer = Peer.builder()
            .transport(GrpcTransportOptions.builder().maxMessageBytes(4096).build())
            .build().start();
        GrpcControlTransport client = new GrpcControlTransport(TestTls.options())) {
      InetSocketAddress at = peer.listenAddresses().get(0);

      assertThat(client.call(at, ControlMethod.EXCHANGE_PEERS, small, DEADLINE).get(5, TimeUnit.SECONDS)).isNotEmpty();
      assertThatThrownBy(() -> client.call(at, ControlMethod.GET_MANIFEST, big, DEADLINE).get(5, TimeUnit.SECONDS))
          .cause().isInstanceOfSatisfying(ControlException.class,
              e -> assertThat(e.code()).isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED));
    }
  }

  @Test
  void withoutSettingsAPeerAcceptsMessagesUpToTheDefaultSize() throws Exception {
    EnvelopeSealer sealer = new EnvelopeSealer(Identity.generate());
    byte[] big = sealer.seal(Payload.newBuilder().setManifestRequest(ManifestRequest.newBuilder()
        .setTrackId(ByteString.copyFrom(new byte[10_000])))).toByteArray();
    try (Peer peer = Peer.builder().build().start();
        GrpcControlTransport client = new GrpcControlTransport(TestTls.options())) {
      // Read and answered: a track ID of the wrong length is malformed, not too large.
      assertThatThrownBy(() -> client.call(peer.listenAddresses().get(0), ControlMethod.GET_MANIFEST, big, DEADLINE)
              .get(5, TimeUnit.SECONDS))
          .cause().isInstanceOfSatisfying(ControlException.class,
              e -> assertThat(e.code()).isEqualTo(ControlErrorCode.MALFORMED));
    }
  }

  /** Settings that name the gRPC providers but are not theirs. */
  private record Foreign() implements TransportSettings {
    @Override
    public String providerName() {
      return GrpcTransportOptions.NAME;
    }

    @Override
    public String artifact() {
      return GrpcTransportOptions.ARTIFACT;
    }
  }

  @Test
  void bothProvidersRefuseSettingsOfAnotherTypeNamingIt() {
    TransportOptions foreign = TransportOptions.builder().settings(new Foreign()).build();

    assertThatThrownBy(() -> new GrpcControlTransportProvider().create(foreign))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Foreign.class.getName())
        .hasMessageContaining(GrpcTransportOptions.class.getName());
    assertThatThrownBy(() -> new GrpcDataTransportProvider().create(foreign))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(GrpcTransportOptions.class.getName());
  }

  @Test
  void settersCheckTheirValuesAndNameThem() {
    assertThatThrownBy(() -> GrpcTransportOptions.builder().maxMessageBytes(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxMessageBytes");
    assertThatThrownBy(() -> GrpcTransportOptions.builder()
            .maxMessageBytes(TransportOptions.MAX_MAX_MESSAGE_BYTES + 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("maxMessageBytes");
    assertThatThrownBy(() -> GrpcTransportOptions.builder().keepAliveTime(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("keepAliveTime");
    assertThatThrownBy(() -> GrpcTransportOptions.builder().dataStallTimeout(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("dataStallTimeout");

    assertThatThrownBy(() -> GrpcTransportOptions.builder().relayReservations(-1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("relayReservations");
    assertThatThrownBy(() -> GrpcTransportOptions.builder()
            .relayReservations(GrpcTransportOptions.MAX_RELAY_RESERVATIONS + 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("relayReservations");
    assertThat(GrpcTransportOptions.defaults().relayReservations())
        .isEqualTo(GrpcTransportOptions.DEFAULT_RELAY_RESERVATIONS);
    assertThat(GrpcTransportOptions.builder().relayReservations(0).build().relayReservations())
        .isZero();

    GrpcTransportOptions o = GrpcTransportOptions.builder().keepAliveTime(Duration.ofSeconds(20))
        .maxConcurrentCallsPerPeer(8).relayReservations(3).build();
    assertThat(o.relayReservations()).isEqualTo(3);
    assertThat(o).isNotEqualTo(o.toBuilder().relayReservations(4).build());
    assertThat(o.keepAliveTime()).isEqualTo(Duration.ofSeconds(20));
    assertThat(o.maxConcurrentCallsPerPeer()).isEqualTo(8);
    assertThat(o.maxMessageBytes()).isEqualTo(GrpcTransportOptions.DEFAULT_MAX_MESSAGE_BYTES);
    assertThat(o.toBuilder().build()).isEqualTo(o).hasSameHashCodeAs(o);
    assertThat(o.providerName()).isEqualTo(new GrpcDataTransportProvider().name())
        .isEqualTo(new GrpcControlTransportProvider().name());
    assertThat(o.toString()).contains("keepAliveTime=PT20S");
  }
}
