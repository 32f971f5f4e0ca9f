package io.loudp2p.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.loudp2p.Peer;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.ListTracks;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.testing.TestAudio;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.core.wire.SignedMessage;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a browser gets from a full peer that serves gRPC-Web: signed envelopes in, signed envelopes
 * out, the same checks and answers as over native gRPC; a page lists what the peer shares and
 * searches it, verifying each answer's signature against the peer's ID.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerOverGrpcWebIT {
  @TempDir Path tmp;

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** A full peer sharing one file, serving gRPC-Web at {@code port}, its catalog ready. */
  private Peer webPeer(String name, byte[] bytes, int port) throws Exception {
    Path music = Files.createDirectories(tmp.resolve("music"));
    Files.write(music.resolve(name), bytes);
    Peer peer = Peer.builder().share(music)
        .transport(GrpcTransportOptions.builder()
            .web(new InetSocketAddress(InetAddress.getLoopbackAddress(), port)).build())
        .build().start();
    peer.catalog().ready().get(10, TimeUnit.SECONDS);
    return peer;
  }

  /** The messages of a gRPC-Web answer, and its grpc-status. */
  private record Answer(List<byte[]> messages, String status) {}

  private static Answer call(HttpClient http, URI uri, byte[] envelope) throws Exception {
    byte[] frame = ByteBuffer.allocate(5 + envelope.length).put((byte) 0).putInt(envelope.length)
        .put(envelope).array();
    HttpResponse<byte[]> r = http.send(HttpRequest.newBuilder(uri)
        .header("Content-Type", "application/grpc-web+proto").header("X-Grpc-Web", "1")
        .POST(HttpRequest.BodyPublishers.ofByteArray(frame)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).isEqualTo(200);
    List<byte[]> messages = new ArrayList<>();
    String status = null;
    ByteBuffer b = ByteBuffer.wrap(r.body());
    while (b.remaining() >= 5) {
      int flag = b.get() & 0xff;
      byte[] m = new byte[b.getInt()];
      b.get(m);
      if (flag == 0x80) {
        String trailer = new String(m, java.nio.charset.StandardCharsets.US_ASCII);
        status = trailer.substring("grpc-status:".length(), trailer.indexOf('\r'));
      } else {
        messages.add(m);
      }
    }
    return new Answer(messages, status);
  }

  @Test
  void aPageListsAndSearchesAFullPeerAndEveryAnswerIsSignedByIt() throws Exception {
    int port = freePort();
    try (Peer peer = webPeer("harbour lights.wav", TestAudio.noiseWavOfBytes(64 * 1024, 3), port)) {
      HttpClient http = HttpClient.newHttpClient();
      URI service = URI.create("http://127.0.0.1:" + port + "/loudp2p.v1.Loudp2p/");
      EnvelopeSealer page = new EnvelopeSealer(Identity.generate()); // the tab's own identity
      EnvelopeOpener opener = EnvelopeOpener.withDefaults();

      Answer listed = call(http, service.resolve("ListTracks"), page.seal(Payload.newBuilder()
          .setListTracks(ListTracks.newBuilder().setLimit(10))).toByteArray());
      assertThat(listed.status()).isEqualTo("0");
      assertThat(listed.messages()).hasSize(1);
      SignedMessage list = opener.open(listed.messages().get(0));
      assertThat(list.sender()).isEqualTo(peer.id());
      assertThat(list.payload().getTrackList().getTotal()).isEqualTo(1);
      assertThat(list.payload().getTrackList().getTracks(0).getMetadata().getTitle())
          .isEqualToIgnoringCase("harbour lights");

      byte[] queryId = new byte[16];
      queryId[0] = 7;
      Answer found = call(http, service.resolve("Search"), page.seal(Payload.newBuilder()
          .setSearchQuery(SearchQuery.newBuilder().setQueryId(ByteString.copyFrom(queryId))
              .addTerms("harbour").setTtl(1).setMaxResults(10))).toByteArray());
      assertThat(found.status()).isEqualTo("0");
      assertThat(found.messages()).isNotEmpty();
      SignedMessage hits = opener.open(found.messages().get(0));
      assertThat(hits.sender()).isEqualTo(peer.id());
      assertThat(hits.payload().getSearchHits().getHitsCount()).isEqualTo(1);

      // An envelope that does not verify is refused as over native gRPC: UNAUTHENTICATED.
      byte[] forged = page.seal(Payload.newBuilder().setListTracks(ListTracks.newBuilder()
          .setLimit(10))).toByteArray();
      forged[forged.length - 1] ^= 1;
      assertThat(call(http, service.resolve("ListTracks"), forged).status()).isEqualTo("16");
    }
  }

  @Test
  void aPageFindsTheWebAddressInTheRecordOpensAStreamAndFetchesItsChunksInBatches()
      throws Exception {
    byte[] wav = TestAudio.noiseWavOfBytes(100_000, 5); // 7 chunks, the last one short
    int port = freePort();
    try (Peer peer = webPeer("tide.wav", wav, port)) {
      HttpClient http = HttpClient.newHttpClient();
      URI service = URI.create("http://127.0.0.1:" + port + "/loudp2p.v1.Loudp2p/");
      Identity tab = Identity.generate();
      EnvelopeSealer page = new EnvelopeSealer(tab);
      EnvelopeOpener opener = EnvelopeOpener.withDefaults();

      Answer exchanged = call(http, service.resolve("ExchangePeers"), page.seal(Payload.newBuilder()
          .setPeerExchange(io.loudp2p.core.proto.v1.PeerExchange.getDefaultInstance()))
          .toByteArray());
      assertThat(exchanged.status()).isEqualTo("0");
      var record = opener.openRecord(opener.open(exchanged.messages().get(0)).payload()
          .getPeerExchange().getSelfRecord());
      assertThat(record.record().getEndpointsList()).anySatisfy(e -> {
        assertThat(e.getTransport())
            .isEqualTo(io.loudp2p.core.proto.v1.TransportKind.TRANSPORT_KIND_GRPC_WEB);
        assertThat(e.getPort()).isEqualTo(port);
      });

      var track = peer.catalog().search("tide", 1).get(0).track().id();
      byte[] sessionId = new byte[16];
      sessionId[0] = 42;
      byte[] open = page.seal(Payload.newBuilder().setStreamOpen(
          io.loudp2p.core.proto.v1.StreamOpen.newBuilder()
              .setTrackId(ByteString.copyFrom(track.bytes()))
              .setSessionId(ByteString.copyFrom(sessionId))
              .addOfferedTransports(io.loudp2p.core.proto.v1.TransportKind.TRANSPORT_KIND_GRPC)))
          .toByteArray();
      Answer accepted = call(http, service.resolve("OpenStream"), open);
      assertThat(accepted.status()).isEqualTo("0");
      SignedMessage accept = opener.open(accepted.messages().get(0));
      assertThat(accept.sender()).isEqualTo(peer.id());
      assertThat(accept.payload().getStreamAccept().getTransport())
          .isEqualTo(io.loudp2p.core.proto.v1.TransportKind.TRANSPORT_KIND_GRPC);

      java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
      for (int first = 0; first < 7; first += 4) {
        var batch = io.loudp2p.core.proto.v1.ChunkRequest.newBuilder()
            .setSessionId(ByteString.copyFrom(sessionId)).setHandshake(ByteString.copyFrom(open));
        for (int c = first; c < Math.min(7, first + 4); c++) {
          batch.addWant(c);
        }
        Answer chunks = call(http, service.resolve("FetchChunkBatch"),
            batch.build().toByteArray());
        assertThat(chunks.status()).isEqualTo("0");
        assertThat(io.loudp2p.core.proto.v1.DataFrame.parseFrom(chunks.messages().get(0))
            .getAccepted()).isTrue();
        for (byte[] m : chunks.messages().subList(1, chunks.messages().size())) {
          got.writeBytes(io.loudp2p.core.proto.v1.DataFrame.parseFrom(m).getChunk().getData()
              .toByteArray());
        }
      }
      assertThat(got.toByteArray()).isEqualTo(wav);
      assertThat(peer.metrics().bytesSent()).containsEntry("grpc-web", (long) wav.length);
    }
  }
}
