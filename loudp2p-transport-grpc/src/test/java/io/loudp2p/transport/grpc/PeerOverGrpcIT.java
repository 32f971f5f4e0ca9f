package io.loudp2p.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.loudp2p.Peer;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.ManifestRequest;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.core.testing.PeerScenarios;
import io.loudp2p.core.testing.TestAudio;
import io.loudp2p.transport.grpc.internal.GrpcControlTransport;
import io.loudp2p.transport.grpc.testing.TestTls;
import java.net.InetSocketAddress;
import java.util.List;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Peers over real gRPC on 127.0.0.1: the shared scenarios with chunks on the gRPC stream, and bad
 * input on the wire.
 */
class PeerOverGrpcIT extends PeerScenarios {
  @Override
  protected String dataTransport() {
    return "grpc";
  }

  @Test
  void aPeerTakesTheAddressTwoOthersSawItsCallsComeFromAsItsOwn() throws Exception {
    Peer a = start(Peer.builder());
    Peer b = start(Peer.builder());
    Peer one = start(Peer.builder().bootstrap(at(a)));
    assertThat(io.loudp2p.core.peer.PeerDiagnostics.observedAddress(one))
        .as("one peer's word is not enough").isEmpty();
    Peer two = start(Peer.builder().bootstrap(at(a)).bootstrap(at(b)));
    assertThat(io.loudp2p.core.peer.PeerDiagnostics.observedAddress(two))
        .contains(java.net.InetAddress.getLoopbackAddress());

    // What the answer says, as a client in another language reads it.
    EnvelopeSealer sealer = new EnvelopeSealer(Identity.generate());
    try (GrpcControlTransport client = new GrpcControlTransport(TestTls.options())) {
      byte[] answer = client.call(at(a), ControlMethod.EXCHANGE_PEERS, sealer.seal(Payload
          .newBuilder().setPeerExchange(PeerExchange.getDefaultInstance())).toByteArray(),
          Duration.ofSeconds(5)).get(10, TimeUnit.SECONDS);
      PeerExchange pe = Payload.parseFrom(io.loudp2p.core.proto.v1.Envelope.parseFrom(answer)
          .getPayload()).getPeerExchange();
      assertThat(pe.getObservedAddress().getIp().toByteArray()).containsExactly(127, 0, 0, 1);
      assertThat(pe.getObservedAddress().getPort()).isBetween(1, 65535);
    }
  }

  @Test
  void badInputOverTheWireGetsItsStatusAndThePeerKeepsServing() throws Exception {
    Peer sharer = start(Peer.builder().share(folderWith("music", "tagged.flac")));
    InetSocketAddress to = at(sharer);
    Identity me = Identity.generate();
    EnvelopeSealer sealer = new EnvelopeSealer(me);
    try (GrpcControlTransport client = new GrpcControlTransport(TestTls.options())) {
      Duration d = Duration.ofSeconds(5);
      byte[] hello = sealer.seal(Payload.newBuilder().setPeerExchange(PeerExchange.getDefaultInstance()))
          .toByteArray();
      assertThat(client.call(to, ControlMethod.EXCHANGE_PEERS, hello, d).get(5, TimeUnit.SECONDS)).isNotEmpty();

      // The same bytes again: a replay.
      assertCode(client, to, ControlMethod.EXCHANGE_PEERS, hello, ControlErrorCode.UNAUTHENTICATED, "REPLAYED");
      assertThat(sharer.metrics().envelopesRejected()).containsEntry("REPLAYED", 1L);

      // Garbage.
      assertCode(client, to, ControlMethod.EXCHANGE_PEERS, new byte[] {1, 2, 3, 4}, ControlErrorCode.MALFORMED, "");

      // A valid signature by one key, claiming to be another peer.
      Identity other = Identity.generate();
      byte[] claimed = Payload.newBuilder().setPeerExchange(PeerExchange.getDefaultInstance())
          .setSenderPeerId(ByteString.copyFrom(other.peerId().bytes()))
          .setTimestampMs(System.currentTimeMillis())
          .setNonce(ByteString.copyFrom(new byte[16])).build().toByteArray();
      java.security.MessageDigest sha = java.security.MessageDigest.getInstance("SHA-256");
      sha.update("loudp2p/v1/message\n".getBytes());
      byte[] forged = io.loudp2p.core.proto.v1.Envelope.newBuilder()
          .setPayload(ByteString.copyFrom(claimed))
          .setSignerPublicKey(ByteString.copyFrom(me.publicKey()))
          .setSignature(ByteString.copyFrom(me.signDigest(sha.digest(claimed)))).build().toByteArray();
      assertCode(client, to, ControlMethod.EXCHANGE_PEERS, forged, ControlErrorCode.UNAUTHENTICATED, "SENDER_MISMATCH");

      // A track this peer does not have.
      byte[] unknown = sealer.seal(Payload.newBuilder().setManifestRequest(
          ManifestRequest.newBuilder().setTrackId(ByteString.copyFrom(new byte[32])))).toByteArray();
      assertCode(client, to, ControlMethod.GET_MANIFEST, unknown, ControlErrorCode.NOT_FOUND, "unknown track");

      // An oversized query (over the 1 MiB message limit), sent by a client without that limit.
      byte[] huge = sealer.seal(Payload.newBuilder().setSearchQuery(
          SearchQuery.newBuilder().addTerms("x".repeat(1_100_000)))).toByteArray();
      io.grpc.ManagedChannel raw = TestTls.channel(to, 4 << 20);
      try {
        java.util.Iterator<io.loudp2p.core.proto.v1.Envelope> answers =
            io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc.newBlockingStub(raw)
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .search(io.loudp2p.core.proto.v1.Envelope.parseFrom(huge));
        assertThatThrownBy(answers::hasNext)
            .isInstanceOfSatisfying(io.grpc.StatusRuntimeException.class, e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(io.grpc.Status.Code.RESOURCE_EXHAUSTED);
              assertThat(e.getStatus().getDescription()).startsWith("TOO_LARGE");
            });
      } finally {
        raw.shutdownNow();
      }
      assertThatThrownBy(() -> client.callStreaming(to, ControlMethod.SEARCH, huge, d, r -> { }).get(5, TimeUnit.SECONDS))
          .cause().isInstanceOfSatisfying(ControlException.class,
              e -> assertThat(e.code()).isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED));

      // Still serving.
      byte[] again = sealer.seal(Payload.newBuilder().setPeerExchange(PeerExchange.getDefaultInstance()))
          .toByteArray();
      assertThat(client.call(to, ControlMethod.EXCHANGE_PEERS, again, d).get(5, TimeUnit.SECONDS)).isNotEmpty();
    }
  }

  @Test
  void aManifestLyingAboutTheSizeIsOutvotedByTheSourcesAndItsPeerLeftOut() throws Exception {
    byte[] track = TestAudio.noiseWav(4, 5); // 176,444 bytes: 11 chunks, the last of 12,604
    List<Peer> honest = new java.util.ArrayList<>();
    for (int i = 0; i < 2; i++) {
      Path dir = java.nio.file.Files.createDirectories(tmp.resolve("honest" + i));
      java.nio.file.Files.write(dir.resolve("tide.wav"), track);
      honest.add(start(Peer.builder().share(dir)));
    }
    io.loudp2p.TrackId id = honest.get(0).catalog().search("tide", 1).get(0).track().id();
    io.loudp2p.core.content.Manifest real = io.loudp2p.core.content.Manifest.ofStream(
        new java.io.ByteArrayInputStream(track), io.loudp2p.core.proto.v1.TrackMetadata.getDefaultInstance());
    assertThat(real.trackId()).isEqualTo(id);
    // Same leaves, so it checks out against the track ID, but 100 bytes short: same chunk count.
    io.loudp2p.core.proto.v1.Manifest lie = real.toProto().toBuilder().setSize(track.length - 100).build();

    Identity liarId = Identity.generate();
    EnvelopeSealer liar = new EnvelopeSealer(liarId);
    io.loudp2p.core.wire.EnvelopeOpener opener = io.loudp2p.core.wire.EnvelopeOpener.withDefaults();
    java.util.concurrent.atomic.AtomicReference<io.loudp2p.core.proto.v1.Envelope> record =
        new java.util.concurrent.atomic.AtomicReference<>();
    io.loudp2p.core.proto.v1.ChunkMap all = io.loudp2p.core.proto.v1.ChunkMap.newBuilder().setComplete(true).build();
    try (GrpcControlTransport liarTransport = new GrpcControlTransport(TestTls.options(liarId))) {
      io.loudp2p.spi.TransportServer server = liarTransport.listen(
          new InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0),
          (request, remote, method, responder) -> {
            Payload p;
            try {
              p = opener.open(request).payload();
            } catch (io.loudp2p.core.wire.EnvelopeException e) {
              responder.fail(ControlErrorCode.UNAUTHENTICATED, e.getMessage());
              return;
            }
            Payload.Builder answer = Payload.newBuilder();
            switch (p.getBodyCase()) {
              case PEER_EXCHANGE -> answer.setPeerExchange(PeerExchange.newBuilder().setSelfRecord(record.get()));
              case MANIFEST_REQUEST -> answer.setManifestResponse(
                  io.loudp2p.core.proto.v1.ManifestResponse.newBuilder().setManifest(lie).setAvailability(all));
              case STREAM_OPEN -> answer.setStreamAccept(io.loudp2p.core.proto.v1.StreamAccept.newBuilder()
                  .setSessionId(p.getStreamOpen().getSessionId())
                  .setTransport(io.loudp2p.core.proto.v1.TransportKind.TRANSPORT_KIND_GRPC)
                  .setDataEndpoint(io.loudp2p.core.proto.v1.Endpoint.newBuilder()
                      .setTransport(io.loudp2p.core.proto.v1.TransportKind.TRANSPORT_KIND_GRPC)
                      .setIp(ByteString.copyFrom(new byte[] {127, 0, 0, 1})).setPort(9))
                  .setAvailability(all).setSize(lie.getSize()));
              default -> {
                responder.fail(ControlErrorCode.UNAVAILABLE, "not answered here");
                return;
              }
            }
            responder.reply(liar.seal(answer).toByteArray());
          }).get(5, TimeUnit.SECONDS);
      record.set(liar.sealRecord(io.loudp2p.core.proto.v1.PeerRecord.newBuilder().setSequence(1)
          .setExpiresAtMs(System.currentTimeMillis() + 3_600_000)
          .setRole(io.loudp2p.core.proto.v1.Role.ROLE_FULL)
          .addEndpoints(io.loudp2p.core.proto.v1.Endpoint.newBuilder()
              .setTransport(io.loudp2p.core.proto.v1.TransportKind.TRANSPORT_KIND_GRPC)
              .setIp(ByteString.copyFrom(server.address().getAddress().getAddress()))
              .setPort(server.address().getPort()))
          .build()));

      // Which holder's manifest is fetched first is random: whichever it is, the outcome is the same.
      for (int round = 0; round < 4; round++) {
        Peer listener = start(Peer.builder().bootstrap(server.address())
            .bootstrap(at(honest.get(0))).bootstrap(at(honest.get(1))));
        try (io.loudp2p.StreamSession session = listener.stream(id).get(10, TimeUnit.SECONDS)) {
          assertThat(session.length()).isEqualTo(track.length);
          assertThat(session.inputStream().readAllBytes()).isEqualTo(track);
          assertThat(session.sources()).extracting(io.loudp2p.SourceStats::peer)
              .containsExactlyInAnyOrder(honest.get(0).id(), honest.get(1).id());
        }
      }
    }
  }

  @Test
  void aPeerSendingTooManyRequestsIsToldSoAndOthersAreStillServed() throws Exception {
    Peer sharer = start(Peer.builder());
    InetSocketAddress to = at(sharer);
    EnvelopeSealer flooder = new EnvelopeSealer(Identity.generate());
    try (GrpcControlTransport client = new GrpcControlTransport(TestTls.options())) {
      // A burst of 200, then 50 a second: sent one after another, as fast as this machine goes,
      // until the peer has refused a few (a slow machine needs more than 250 to get there).
      int refused = 0;
      int sent = 0;
      long start = System.nanoTime();
      while (sent < 2_000 && refused < 5) {
        sent++;
        byte[] hello = flooder.seal(Payload.newBuilder().setPeerExchange(PeerExchange.getDefaultInstance()))
            .toByteArray();
        try {
          client.call(to, ControlMethod.EXCHANGE_PEERS, hello, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          assertThat(e.getCause()).isInstanceOfSatisfying(ControlException.class, c -> {
            assertThat(c.code()).isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED);
            assertThat(c.getMessage()).contains("requests a second");
          });
          refused++;
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(refused).as("refused of %d sent in %.2f s", sent, seconds).isPositive();
      assertThat(sent - refused).isLessThanOrEqualTo((int) (200 + 50 * seconds) + 1);

      byte[] other = new EnvelopeSealer(Identity.generate())
          .seal(Payload.newBuilder().setPeerExchange(PeerExchange.getDefaultInstance())).toByteArray();
      assertThat(client.call(to, ControlMethod.EXCHANGE_PEERS, other, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS)).isNotEmpty();
    }
  }

  @Test
  void aPeerServesAtMost2048SessionsAtOnceAndSaysSoBeyond() throws Exception {
    Peer sharer = start(Peer.builder().share(folderWith("music", "tagged.ogg")));
    InetSocketAddress to = at(sharer);
    ByteString track = ByteString.copyFrom(
        sharer.catalog().search("crystalised", 1).get(0).track().id().bytes());
    int limit = 2048;
    try (GrpcControlTransport client = new GrpcControlTransport(TestTls.options())) {
      // Batches of 50 calls (one address may have 64 at once), a new sender every 150 (one peer
      // may send 200 requests in a burst).
      EnvelopeSealer sealer = new EnvelopeSealer(Identity.generate());
      java.util.List<java.util.concurrent.CompletableFuture<byte[]>> batch = new java.util.ArrayList<>();
      for (int i = 0; i <= limit; i++) {
        if (i % 150 == 0) {
          sealer = new EnvelopeSealer(Identity.generate());
        }
        byte[] open = streamOpen(sealer, track, i);
        if (i == limit) {
          assertCode(client, to, ControlMethod.OPEN_STREAM, open, ControlErrorCode.RESOURCE_EXHAUSTED, "serving 2048 sessions already");
          break;
        }
        batch.add(client.call(to, ControlMethod.OPEN_STREAM, open, Duration.ofSeconds(10)));
        if (batch.size() == 50 || i == limit - 1) {
          for (java.util.concurrent.CompletableFuture<byte[]> f : batch) {
            assertThat(f.get(10, TimeUnit.SECONDS)).isNotEmpty();
          }
          batch.clear();
        }
      }
    }
  }

  private static byte[] streamOpen(EnvelopeSealer sealer, ByteString track, int n) {
    byte[] session = new byte[16];
    session[0] = (byte) (n >>> 8);
    session[1] = (byte) n;
    return sealer.seal(Payload.newBuilder().setStreamOpen(
        io.loudp2p.core.proto.v1.StreamOpen.newBuilder().setTrackId(track)
            .setSessionId(ByteString.copyFrom(session))
            .addOfferedTransports(io.loudp2p.core.proto.v1.TransportKind.TRANSPORT_KIND_GRPC)))
        .toByteArray();
  }

  private static void assertCode(GrpcControlTransport client, InetSocketAddress to,
      ControlMethod method, byte[] request, ControlErrorCode code, String messagePart) {
    assertThatThrownBy(() -> client.call(to, method, request, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class, e -> {
          assertThat(e.code()).isEqualTo(code);
          assertThat(e.getMessage()).contains(messagePart);
        });
  }

}
