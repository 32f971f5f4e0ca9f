package io.loudp2p.core.peer;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.loudp2p.Peer;
import io.loudp2p.TrackId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.StreamOpen;
import io.loudp2p.core.proto.v1.TransportKind;
import io.loudp2p.core.testing.InMemoryNetwork;
import io.loudp2p.core.testing.InMemoryTransport;
import io.loudp2p.core.testing.TestAudio;
import io.loudp2p.core.testing.VirtualPeers;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a source answers a {@code StreamOpen} it does not serve (PROTOCOL.md section 2): each case
 * gets its status and a description that names the rule.
 */
class StreamOpenRulesTest {
  private final InMemoryNetwork network = InMemoryNetwork.builder().seed(4)
      .delivery(InMemoryNetwork.Delivery.MANUAL).build();
  private final VirtualPeers peers = new VirtualPeers(network, 4);
  private final EnvelopeSealer asker =
      new EnvelopeSealer(Identity.generate(), peers.clock(), new Random(4));
  private final InMemoryTransport askerAt = network.newTransport();
  @TempDir Path music;
  private VirtualPeers.Made source;
  private TrackId track;

  @BeforeEach
  void setUp() throws Exception {
    Files.write(music.resolve("song.wav"), TestAudio.noiseWavOfBytes(64 * 1024, 4));
    source = peers.add(Peer.builder().share(music));
    source.peer().start();
    network.runFor(Duration.ofSeconds(1));
    track = source.peer().catalog().search("song", 1).get(0).track().id();
  }

  @AfterEach
  void tearDown() {
    peers.close();
  }

  private StreamOpen.Builder open(int sessionByte) {
    byte[] session = new byte[16];
    session[0] = (byte) sessionByte;
    return StreamOpen.newBuilder().setTrackId(ByteString.copyFrom(track.bytes()))
        .setSessionId(ByteString.copyFrom(session))
        .addOfferedTransports(TransportKind.TRANSPORT_KIND_GRPC)
        .addOfferedTransports(TransportKind.TRANSPORT_KIND_UDP);
  }

  /** The answer to {@code open}: its StreamAccept payload, or the ControlException it failed with. */
  private Object ask(StreamOpen.Builder open) throws Exception {
    Envelope e = asker.seal(Payload.newBuilder().setStreamOpen(open));
    CompletableFuture<byte[]> answer =
        askerAt.call(source.address(), ControlMethod.OPEN_STREAM, e.toByteArray(),
            Duration.ofSeconds(5));
    network.runFor(Duration.ofSeconds(1));
    try {
      return Payload.parseFrom(Envelope.parseFrom(answer.get()).getPayload());
    } catch (ExecutionException failed) {
      return failed.getCause();
    }
  }

  private static void assertRefused(Object answer, ControlErrorCode code, String says) {
    assertThat(answer).isInstanceOf(ControlException.class);
    ControlException e = (ControlException) answer;
    assertThat(e.code()).isEqualTo(code);
    assertThat(e.getMessage()).contains(says);
  }

  @Test
  void aSessionIdOfOtherThan16BytesIsMalformed() throws Exception {
    assertRefused(ask(open(1).setSessionId(ByteString.copyFrom(new byte[15]))),
        ControlErrorCode.MALFORMED, "session_id must have 16 bytes");
  }

  @Test
  void anOfferWithNoTransportTheSourceServesIsMalformed() throws Exception {
    assertRefused(ask(open(2).clearOfferedTransports()),
        ControlErrorCode.MALFORMED, "no data transport in common");
    assertRefused(ask(open(3).clearOfferedTransports()
        .addOfferedTransports(TransportKind.TRANSPORT_KIND_UNSPECIFIED)),
        ControlErrorCode.MALFORMED, "no data transport in common");
  }

  @Test
  void aSessionIdAlreadyOpenAtTheSourceIsMalformedAndTheFirstStands() throws Exception {
    Object first = ask(open(4));
    assertThat(first).isInstanceOf(Payload.class);
    assertThat(((Payload) first).hasStreamAccept()).isTrue();
    assertRefused(ask(open(4)), ControlErrorCode.MALFORMED, "already open");
  }

  @Test
  void aTrackTheSourceDoesNotHoldIsNotFound() throws Exception {
    assertRefused(ask(open(5).setTrackId(ByteString.copyFrom(new byte[32]))),
        ControlErrorCode.NOT_FOUND, "unknown track");
  }
}
