package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.loudp2p.Loudp2pException;
import io.loudp2p.Peer;
import io.loudp2p.SourceStats;
import io.loudp2p.StreamSession;
import io.loudp2p.TrackId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.StreamAccept;
import io.loudp2p.core.proto.v1.StreamOpen;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.testing.FakeDataTransport;
import io.loudp2p.core.testing.InMemoryNetwork;
import io.loudp2p.core.testing.InMemoryProviders;
import io.loudp2p.core.testing.InMemoryTransport;
import io.loudp2p.core.testing.TestAudio;
import io.loudp2p.core.testing.VirtualPeers;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.ProviderNotFoundException;
import io.loudp2p.spi.TransportSettings;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The core offers and accepts data transports from their descriptions alone: a third transport,
 * with a wire kind of its own, a session endpoint and keys, is offered first, chosen by a source
 * that serves it and streamed over, while the gRPC kind keeps its place as the fallback; and
 * typed settings reach the provider they name.
 */
class DataTransportDescriptionTest {
  private static final byte SOURCE_KEY = 0x51;
  private static final byte RECEIVER_KEY = 0x52;

  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(9)
      .delivery(InMemoryNetwork.Delivery.MANUAL).build();
  private final VirtualPeers peers = new VirtualPeers(network, 9);
  @TempDir Path music;

  @AfterEach
  void tearDown() {
    peers.close();
  }

  /** A peer on a new in-memory transport that also runs the fake transport. */
  private Made withFake(Peer.Builder builder, byte keyByte) {
    InMemoryTransport on = network.newTransport();
    FakeDataTransport.Provider fake = FakeDataTransport.provider(on, keyByte);
    return new Made(peers.add(on, InMemoryProviders.registry(on, fake), builder), fake);
  }

  private record Made(VirtualPeers.Made peer, FakeDataTransport.Provider fake) {
    FakeDataTransport transport() {
      FakeDataTransport t = fake.made();
      assertThat(t).as("the fake transport was made").isNotNull();
      return t;
    }
  }

  private byte[] shareTrack() throws Exception {
    byte[] audio = TestAudio.noiseWavOfBytes(64 * 1024, 9);
    Files.write(music.resolve("song.wav"), audio);
    return audio;
  }

  private static TrackId trackOf(Peer peer) {
    return peer.catalog().search("song", 1).get(0).track().id();
  }

  private StreamOpen.Builder open(TrackId track, int sessionByte, int... kinds) {
    byte[] session = new byte[16];
    session[0] = (byte) sessionByte;
    byte[] key = new byte[FakeDataTransport.KEY_LENGTH];
    Arrays.fill(key, RECEIVER_KEY);
    StreamOpen.Builder open = StreamOpen.newBuilder().setTrackId(ByteString.copyFrom(track.bytes()))
        .setSessionId(ByteString.copyFrom(session)).setEphemeralPublicKey(ByteString.copyFrom(key));
    for (int kind : kinds) {
      open.addOfferedTransportsValue(kind);
    }
    return open;
  }

  private StreamAccept ask(VirtualPeers.Made source, StreamOpen.Builder open) throws Exception {
    EnvelopeSealer asker = new EnvelopeSealer(Identity.generate(), peers.clock(), new Random(9));
    InMemoryTransport askerAt = network.newTransport();
    CompletableFuture<byte[]> answer = askerAt.call(source.address(), ControlMethod.OPEN_STREAM,
        asker.seal(Payload.newBuilder().setStreamOpen(open)).toByteArray(), Duration.ofSeconds(5));
    network.runFor(Duration.ofSeconds(1));
    Payload p = Payload.parseFrom(Envelope.parseFrom(answer.get(1, TimeUnit.SECONDS)).getPayload());
    assertThat(p.hasStreamAccept()).as("answered %s", p).isTrue();
    return p.getStreamAccept();
  }

  @Test
  void aSourceChoosesTheThirdTransportFromItsDescriptionAndKeepsTheFallbackBesideIt()
      throws Exception {
    shareTrack();
    Made source = withFake(Peer.builder().share(music), SOURCE_KEY);
    source.peer().peer().start();
    network.runFor(Duration.ofSeconds(1));
    TrackId track = trackOf(source.peer().peer());

    StreamAccept third = ask(source.peer(), open(track, 1, FakeDataTransport.WIRE_KIND,
        TransportKind.TRANSPORT_KIND_GRPC_VALUE));

    assertThat(third.getTransportValue()).isEqualTo(FakeDataTransport.WIRE_KIND);
    assertThat(third.getUdpEndpoint().getTransportValue()).isEqualTo(FakeDataTransport.WIRE_KIND);
    assertThat(third.getUdpEndpoint().getPort()).isPositive();
    assertThat(third.getEphemeralPublicKey().toByteArray()).isEqualTo(source.transport().key());
    assertThat(third.getDataEndpoint().getTransport()).isEqualTo(TransportKind.TRANSPORT_KIND_GRPC);
    assertThat(third.getDataEndpoint().getPort()).isPositive()
        .isNotEqualTo(third.getUdpEndpoint().getPort());
    assertThat(source.transport().receiverKeysPrepared()).singleElement()
        .satisfies(k -> assertThat(k).containsOnly(RECEIVER_KEY));

    // Offered after gRPC, the third transport is not chosen, and the accept is what it was
    // before there was a third transport: the server's endpoint, no session endpoint, no key.
    StreamAccept grpc = ask(source.peer(), open(track, 2, TransportKind.TRANSPORT_KIND_GRPC_VALUE,
        FakeDataTransport.WIRE_KIND));
    assertThat(grpc.getTransport()).isEqualTo(TransportKind.TRANSPORT_KIND_GRPC);
    assertThat(grpc.getDataEndpoint().getPort()).isEqualTo(third.getDataEndpoint().getPort());
    assertThat(grpc.hasUdpEndpoint()).isFalse();
    assertThat(grpc.getEphemeralPublicKey()).isEmpty();
    assertThat(source.transport().receiverKeysPrepared()).hasSize(1);
  }

  @Test
  void aPeerOffersTheThirdTransportFirstAndStreamsOverIt() throws Exception {
    byte[] audio = shareTrack();
    Made source = withFake(Peer.builder().share(music), SOURCE_KEY);
    source.peer().peer().start();
    network.runFor(Duration.ofSeconds(1));
    Made listener = withFake(Peer.builder().bootstrap(source.peer().address()), RECEIVER_KEY);
    listener.peer().peer().start();
    network.runFor(Duration.ofSeconds(1));
    List<StreamOpen> opens = new CopyOnWriteArrayList<>();
    network.observeControl(bytes -> {
      try {
        Payload p = Payload.parseFrom(Envelope.parseFrom(bytes).getPayload());
        if (p.hasStreamOpen()) {
          opens.add(p.getStreamOpen());
        }
      } catch (Exception e) {
        // not an envelope: not a stream open
      }
    });

    CompletableFuture<StreamSession> opened =
        listener.peer().peer().stream(trackOf(source.peer().peer()));
    for (int i = 0; i < 500 && !opened.isDone(); i++) {
      network.runFor(Duration.ofMillis(10));
    }
    try (StreamSession session = opened.get(1, TimeUnit.SECONDS)) {
      assertThat(opens).singleElement().satisfies(o -> {
        assertThat(o.getOfferedTransportsValueList()).containsExactly(
            FakeDataTransport.WIRE_KIND, TransportKind.TRANSPORT_KIND_GRPC_VALUE);
        assertThat(o.getEphemeralPublicKey().toByteArray())
            .isEqualTo(listener.transport().key());
      });
      // The source may send this session's first chunks early to the host the open came from,
      // and to no other (PROTOCOL.md section 8, early requests).
      DataSessionId sessionId = DataSessionId.fromBytes(opens.get(0).getSessionId().toByteArray());
      ChunkProvider served = source.transport().servedProvider();
      assertThat(served).isNotNull();
      assertThat(served.earlyData(sessionId,
          new InetSocketAddress(listener.peer().address().getAddress(), 40_000))).isTrue();
      assertThat(served.earlyData(sessionId,
          new InetSocketAddress(source.peer().address().getAddress(), 40_000))).isFalse();
      assertThat(served.earlyData(DataSessionId.fromBytes(new byte[16]),
          new InetSocketAddress(listener.peer().address().getAddress(), 40_000))).isFalse();
      assertThat(readAll(session, audio.length)).isEqualTo(audio);
      assertThat(session.sources()).extracting(SourceStats::transport)
          .containsExactly(FakeDataTransport.NAME);
    }
    assertThat(listener.transport().firstWantsOpened()).as("the first chunks, asked in the opening")
        .singleElement().satisfies(w -> assertThat(w).containsExactly(0, 1));
    assertThat(listener.transport().sourceKeysOpened()).singleElement()
        .satisfies(k -> assertThat(k).isEqualTo(source.transport().key()));
    assertThat(source.transport().receiverKeysPrepared()).singleElement()
        .satisfies(k -> assertThat(k).isEqualTo(listener.transport().key()));
  }

  /** Reads the whole track, moving the network along while the session's thread fetches it. */
  private byte[] readAll(StreamSession session, int length) throws Exception {
    byte[] got = new byte[length];
    int read = 0;
    InputStream in = session.inputStream();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (read < length && System.nanoTime() < deadline) {
      network.runFor(Duration.ofMillis(5));
      int ready = in.available();
      if (ready > 0) {
        read += in.read(got, read, Math.min(ready, length - read));
      } else {
        Thread.yield();
      }
    }
    assertThat(read).as("bytes read before the deadline").isEqualTo(length);
    return got;
  }

  @Test
  void settingsGivenToTheBuilderReachTheProviderTheyName() throws Exception {
    Made peer = withFake(Peer.builder().transport(new FakeDataTransport.Settings(42)), SOURCE_KEY);
    peer.peer().peer().start();

    assertThat(peer.transport().settings()).isEqualTo(new FakeDataTransport.Settings(42));
  }

  /** Settings that name the fake provider but are not of the type it takes. */
  private record Foreign() implements TransportSettings {
    @Override
    public String providerName() {
      return FakeDataTransport.NAME;
    }

    @Override
    public String artifact() {
      return "io.loudp2p:loudp2p-transport-fake";
    }
  }

  @Test
  void settingsOfAnotherTypeFailTheStartNamingBothTypes() {
    Made peer = withFake(Peer.builder().transport(new Foreign()), SOURCE_KEY);

    assertThatThrownBy(() -> peer.peer().peer().start())
        .isInstanceOfSatisfying(Loudp2pException.class,
            e -> assertThat(e.code()).isEqualTo(Loudp2pException.Code.INVALID))
        .hasMessageContaining(Foreign.class.getName())
        .hasMessageContaining(FakeDataTransport.Settings.class.getName());
  }

  /** Settings for a transport module this class path does not have. */
  private record Missing() implements TransportSettings {
    @Override
    public String providerName() {
      return "carrier-pigeon";
    }

    @Override
    public String artifact() {
      return "org.example:loudp2p-transport-pigeon";
    }
  }

  @Test
  void settingsForATransportThatIsNotOnTheClassPathFailTheBuildNamingItsArtifact() {
    assertThatThrownBy(() -> withFake(Peer.builder().transport(new Missing()), SOURCE_KEY))
        .isInstanceOf(ProviderNotFoundException.class)
        .hasMessageContaining("carrier-pigeon")
        .hasMessageContaining("org.example:loudp2p-transport-pigeon")
        .hasMessageContaining(FakeDataTransport.NAME);
  }
}
