package io.loudp2p.transport.udp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.loudp2p.Loudp2pException;
import io.loudp2p.Peer;
import io.loudp2p.TrackId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.RotatingCredentials;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.StreamAccept;
import io.loudp2p.core.proto.v1.StreamOpen;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.testing.TestAudio;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.DataTransport;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportSettings;
import io.loudp2p.transport.grpc.internal.GrpcControlTransport;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The typed settings of the UDP transport: checked when set, and reaching a peer's transport. */
class UdpTransportOptionsTest {
  @TempDir Path music;

  /**
   * Asks {@code peer} to open a session over UDP alone, with a key {@code receiver} prepared; its
   * accept, or the failure.
   */
  private static Object openOverUdp(GrpcControlTransport client, DataTransport receiver,
      EnvelopeSealer sealer, Peer peer, TrackId track, int sessionByte) throws Exception {
    byte[] session = new byte[16];
    session[0] = (byte) sessionByte;
    StreamOpen.Builder open = StreamOpen.newBuilder()
        .setTrackId(ByteString.copyFrom(track.bytes()))
        .setSessionId(ByteString.copyFrom(session))
        .setEphemeralPublicKey(ByteString.copyFrom(
            receiver.prepare(DataSessionId.fromBytes(session))))
        .addOfferedTransports(TransportKind.TRANSPORT_KIND_UDP);
    byte[] request = sealer.seal(Payload.newBuilder().setStreamOpen(open)).toByteArray();
    try {
      byte[] answer = client.call(peer.listenAddresses().get(0), ControlMethod.OPEN_STREAM, request,
          Duration.ofSeconds(5))
          .get(5, TimeUnit.SECONDS);
      return Payload.parseFrom(Envelope.parseFrom(answer).getPayload()).getStreamAccept();
    } catch (ExecutionException e) {
      return e.getCause();
    }
  }

  @Test
  void aBoundOnPreparedSessionsGivenToThePeerBuilderReachesItsUdpTransport() throws Exception {
    Files.write(music.resolve("song.wav"), TestAudio.noiseWavOfBytes(64 * 1024, 5));
    Identity me = Identity.generate();
    EnvelopeSealer sealer = new EnvelopeSealer(me);
    try (Peer bounded = Peer.builder().share(music)
            .transport(UdpTransportOptions.builder().maxPreparedSessions(1).build())
            .build().start();
        Peer unbounded = Peer.builder().share(music).build().start();
        GrpcControlTransport client = new GrpcControlTransport(TransportOptions.builder()
            .credentials(new RotatingCredentials(me)).build());
        DataTransport receiver = new UdpDataTransportProvider().create(TransportOptions.defaults())) {
      bounded.catalog().ready().get(30, TimeUnit.SECONDS);
      unbounded.catalog().ready().get(30, TimeUnit.SECONDS);
      TrackId track = bounded.catalog().search("song", 1).get(0).track().id();

      assertThat(openOverUdp(client, receiver, sealer, bounded, track, 1)).isInstanceOfSatisfying(
          StreamAccept.class,
          a -> assertThat(a.getTransport()).isEqualTo(TransportKind.TRANSPORT_KIND_UDP));
      // The first session is prepared and never opened: a second one finds no room.
      assertThat(openOverUdp(client, receiver, sealer, bounded, track, 2)).isInstanceOfSatisfying(
          ControlException.class, e -> {
            assertThat(e.code()).isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED);
            assertThat(e).hasMessageContaining("cannot serve over udp");
          });
      // With the default bound both are prepared.
      assertThat(openOverUdp(client, receiver, sealer, unbounded, track, 1)).isInstanceOf(StreamAccept.class);
      assertThat(openOverUdp(client, receiver, sealer, unbounded, track, 2)).isInstanceOf(StreamAccept.class);
    }
  }

  /** Settings that name the UDP provider but are not its own. */
  private record Foreign() implements TransportSettings {
    @Override
    public String providerName() {
      return UdpTransportOptions.NAME;
    }

    @Override
    public String artifact() {
      return UdpTransportOptions.ARTIFACT;
    }
  }

  @Test
  void theProviderRefusesSettingsOfAnotherTypeNamingIt() {
    TransportOptions foreign = TransportOptions.builder().settings(new Foreign()).build();

    assertThatThrownBy(() -> new UdpDataTransportProvider().create(foreign))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(Foreign.class.getName())
        .hasMessageContaining(UdpTransportOptions.class.getName());
  }

  @Test
  void aPeerGivenSettingsOfAnotherTypeFailsToStart() {
    Peer peer = Peer.builder().transport(new Foreign()).build();
    try {
      assertThatThrownBy(peer::start)
          .isInstanceOfSatisfying(Loudp2pException.class,
              e -> assertThat(e.code()).isEqualTo(Loudp2pException.Code.INVALID))
          .hasMessageContaining(UdpTransportOptions.class.getName());
    } finally {
      peer.close();
    }
  }

  @Test
  void settersCheckTheirValuesAndNameThem() {
    assertThatThrownBy(() -> UdpTransportOptions.builder().socketBufferBytes(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("socketBufferBytes");
    assertThatThrownBy(() -> UdpTransportOptions.builder().ioThreads(65))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ioThreads");
    assertThatThrownBy(() -> UdpTransportOptions.builder().openTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("openTimeout");

    UdpTransportOptions o = UdpTransportOptions.builder().socketBufferBytes(4 << 20)
        .openTimeout(Duration.ofSeconds(3)).build();
    assertThat(o.socketBufferBytes()).isEqualTo(4 << 20);
    assertThat(o.openTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(o.ioThreads()).isEqualTo(UdpTransportOptions.DEFAULT_IO_THREADS);
    assertThat(o.toBuilder().build()).isEqualTo(o).hasSameHashCodeAs(o);
    assertThat(o.providerName()).isEqualTo(new UdpDataTransportProvider().name());
  }
}
