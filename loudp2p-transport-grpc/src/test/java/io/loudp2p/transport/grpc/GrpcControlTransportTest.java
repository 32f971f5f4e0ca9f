package io.loudp2p.transport.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Envelope;
import io.loudp2p.core.proto.v1.ManifestRequest;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.proto.v1.SearchQuery;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportRegistry;
import io.loudp2p.spi.TransportServer;
import io.loudp2p.transport.grpc.internal.GrpcControlTransport;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class GrpcControlTransportTest {
  private static final InetSocketAddress ANY_PORT =
      new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  private static final Duration DEADLINE = Duration.ofSeconds(5);

  private final EnvelopeSealer sealer = new EnvelopeSealer(Identity.generate());
  private final GrpcControlTransport client = new GrpcControlTransport(TransportOptions.defaults());
  private GrpcControlTransport server = new GrpcControlTransport(TransportOptions.defaults());

  @AfterEach
  void tearDown() {
    client.close();
    server.close();
  }

  private byte[] peerExchange() {
    return sealer.seal(Payload.newBuilder().setPeerExchange(PeerExchange.getDefaultInstance()))
        .toByteArray();
  }

  private byte[] search() {
    return sealer.seal(Payload.newBuilder().setSearchQuery(SearchQuery.newBuilder().addTerms("x")))
        .toByteArray();
  }

  private byte[] manifestRequest() {
    return sealer.seal(Payload.newBuilder().setManifestRequest(
        ManifestRequest.newBuilder().setTrackId(ByteString.copyFrom(new byte[32])))).toByteArray();
  }

  private InetSocketAddress listen(ControlHandler handler) throws Exception {
    TransportServer s = server.listen(ANY_PORT, handler).get(5, TimeUnit.SECONDS);
    return s.address();
  }

  @Test
  void unaryCallCarriesTheEnvelopeBytesExactlyBothWays() throws Exception {
    List<byte[]> seen = new CopyOnWriteArrayList<>();
    InetSocketAddress at = listen((request, remote, streaming, responder) -> {
      seen.add(request);
      assertThat(remote.getAddress().isLoopbackAddress()).isTrue();
      responder.reply(request);
    });
    byte[] request = peerExchange();

    byte[] response = client.call(at, request, DEADLINE).get(5, TimeUnit.SECONDS);

    assertThat(response).isEqualTo(request);
    assertThat(seen).singleElement().isEqualTo(request);
  }

  @Test
  void everyUnaryBodyTravelsOnItsOwnMethod() throws Exception {
    List<Payload.Builder> bodies = List.of(
        Payload.newBuilder().setPeerExchange(PeerExchange.getDefaultInstance()),
        Payload.newBuilder().setManifestRequest(ManifestRequest.getDefaultInstance()),
        Payload.newBuilder().setStreamOpen(io.loudp2p.core.proto.v1.StreamOpen.getDefaultInstance()),
        Payload.newBuilder().setShuffle(io.loudp2p.core.proto.v1.Shuffle.getDefaultInstance()),
        Payload.newBuilder().setRoleChange(io.loudp2p.core.proto.v1.RoleChange.getDefaultInstance()),
        Payload.newBuilder().setReachabilityCheck(
            io.loudp2p.core.proto.v1.ReachabilityCheck.getDefaultInstance()));
    InetSocketAddress at = listen((request, remote, streaming, responder) -> responder.reply(request));
    for (Payload.Builder body : bodies) {
      byte[] request = sealer.seal(body).toByteArray();
      assertThat(client.call(at, request, DEADLINE).get(5, TimeUnit.SECONDS))
          .as(body.getBodyCase().toString()).isEqualTo(request);
    }
  }

  @Test
  void searchStreamsEveryResponseInOrder() throws Exception {
    InetSocketAddress at = listen((request, remote, streaming, responder) -> {
      assertThat(streaming).isTrue();
      for (int i = 0; i < 5; i++) {
        responder.next(new byte[] {(byte) i});
      }
      responder.complete();
    });
    List<Byte> got = new CopyOnWriteArrayList<>();

    client.callStreaming(at, search(), DEADLINE, r -> got.add(r[0])).get(5, TimeUnit.SECONDS);

    assertThat(got).containsExactly((byte) 0, (byte) 1, (byte) 2, (byte) 3, (byte) 4);
  }

  @Test
  void handlerErrorsReachTheCallerWithTheirCode() throws Exception {
    InetSocketAddress at = listen((request, remote, streaming, responder) ->
        responder.fail(ControlErrorCode.NOT_FOUND, "no such track"));

    assertThatThrownBy(() -> client.call(at, manifestRequest(), DEADLINE).get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ControlException.class)
        .cause().satisfies(e -> {
          assertThat(((ControlException) e).code()).isEqualTo(ControlErrorCode.NOT_FOUND);
          assertThat(e).hasMessageContaining("no such track");
        });
  }

  @Test
  void garbageAndMisroutedBodiesAreRefusedAndTheServerKeepsServing() throws Exception {
    InetSocketAddress at = listen((request, remote, streaming, responder) -> responder.reply(request));
    ManagedChannel raw = NettyChannelBuilder.forAddress(at).usePlaintext().build();
    try {
      // Garbage on GetManifest: a client in another language that sends bytes that are no envelope.
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(raw,
              Loudp2pGrpc.getGetManifestMethod(), CallOptions.DEFAULT,
              Envelope.newBuilder().setPayload(ByteString.copyFrom(new byte[] {(byte) 0xff})).build()))
          .isInstanceOfSatisfying(StatusRuntimeException.class,
              e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
      // A well-formed peer exchange sent to GetManifest.
      assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(raw,
              Loudp2pGrpc.getGetManifestMethod(), CallOptions.DEFAULT,
              Envelope.parseFrom(peerExchange())))
          .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
            assertThat(e.getStatus().getDescription()).contains("MANIFEST_REQUEST", "PEER_EXCHANGE");
          });
      // The generated stub of service.proto reaches the same method as the raw transport.
      Envelope ok = Envelope.parseFrom(manifestRequest());
      assertThat(Loudp2pGrpc.newBlockingStub(raw).getManifest(ok)).isEqualTo(ok);
    } finally {
      raw.shutdownNow();
    }
    byte[] request = peerExchange();
    assertThat(client.call(at, request, DEADLINE).get(5, TimeUnit.SECONDS)).isEqualTo(request);
  }

  @Test
  void oversizedRequestIsRefusedWithResourceExhausted() throws Exception {
    server.close();
    server = new GrpcControlTransport(TransportOptions.builder()
        .settings(GrpcTransportOptions.builder().maxMessageBytes(4096).build()).build());
    InetSocketAddress at = listen((request, remote, streaming, responder) -> responder.reply(request));
    byte[] big = sealer.seal(Payload.newBuilder().setSearchQuery(
        SearchQuery.newBuilder().addTerms("x".repeat(10_000)))).toByteArray();
    byte[] bigUnary = sealer.seal(Payload.newBuilder().setManifestRequest(
        ManifestRequest.newBuilder().setTrackId(ByteString.copyFrom(new byte[10_000])))).toByteArray();

    assertThatThrownBy(() -> client.call(at, bigUnary, DEADLINE).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class,
            e -> assertThat(e.code()).isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED));
    assertThatThrownBy(() -> client.callStreaming(at, big, DEADLINE, r -> { }).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class,
            e -> assertThat(e.code()).isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED));
    byte[] small = peerExchange();
    assertThat(client.call(at, small, DEADLINE).get(5, TimeUnit.SECONDS)).isEqualTo(small);
  }

  @Test
  void deadlinePassingFailsWithTimeout() throws Exception {
    InetSocketAddress at = listen((request, remote, streaming, responder) -> {
      // Never answers.
    });

    assertThatThrownBy(() -> client.call(at, peerExchange(), Duration.ofMillis(200)).get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
  }

  @Test
  void tooManyConcurrentCallsFromOnePeerAreRefused() throws Exception {
    server.close();
    server = new GrpcControlTransport(TransportOptions.builder()
        .settings(GrpcTransportOptions.builder().maxConcurrentCallsPerPeer(2).build()).build());
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch twoHeld = new CountDownLatch(2);
    InetSocketAddress at = listen((request, remote, streaming, responder) -> {
      twoHeld.countDown();
      CompletableFuture.runAsync(() -> {
        try {
          release.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        responder.reply(request);
      });
    });
    CompletableFuture<byte[]> a = client.call(at, peerExchange(), DEADLINE);
    CompletableFuture<byte[]> b = client.call(at, peerExchange(), DEADLINE);
    assertThat(twoHeld.await(5, TimeUnit.SECONDS)).isTrue();

    assertThatThrownBy(() -> client.call(at, peerExchange(), DEADLINE).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class, e -> {
          assertThat(e.code()).isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED);
          assertThat(e).hasMessageContaining("concurrent calls");
        });
    release.countDown();
    assertThat(a.get(5, TimeUnit.SECONDS)).isNotEmpty();
    assertThat(b.get(5, TimeUnit.SECONDS)).isNotEmpty();
    assertThat(client.call(at, peerExchange(), DEADLINE).get(5, TimeUnit.SECONDS)).isNotEmpty();
  }

  @Test
  void aCallerThatWaitsForEachCallIsNeverRefused() throws Exception {
    server.close();
    server = new GrpcControlTransport(TransportOptions.builder()
        .settings(GrpcTransportOptions.builder().maxConcurrentCallsPerPeer(1).build()).build());
    InetSocketAddress at = listen((request, remote, streaming, responder) -> responder.reply(request));
    // The slot is free before the answer reaches the caller, not some time after.
    for (int i = 0; i < 200; i++) {
      assertThat(client.call(at, peerExchange(), DEADLINE).get(5, TimeUnit.SECONDS)).isNotEmpty();
    }
  }

  @Test
  void oneChannelPerPeerIsReused() throws Exception {
    InetSocketAddress at = listen((request, remote, streaming, responder) -> responder.reply(request));
    for (int i = 0; i < 20; i++) {
      client.call(at, peerExchange(), DEADLINE).get(5, TimeUnit.SECONDS);
    }
    assertThat(client.openChannels()).isEqualTo(1);
    client.disconnect(at);
    assertThat(client.openChannels()).isZero();
  }

  @Test
  void unreachablePeerIsUnavailable() throws Exception {
    InetSocketAddress closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = new InetSocketAddress(InetAddress.getLoopbackAddress(), s.getLocalPort());
    }
    assertThatThrownBy(() -> client.call(closedPort, peerExchange(), DEADLINE).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class,
            e -> assertThat(e.code()).isEqualTo(ControlErrorCode.UNAVAILABLE));
  }

  @Test
  void busyPortFailsToListenWithAClearError() throws Exception {
    InetSocketAddress at = listen((request, remote, streaming, responder) -> responder.reply(request));
    GrpcControlTransport other = new GrpcControlTransport(TransportOptions.defaults());
    try {
      assertThatThrownBy(() -> other.listen(at, (r, a, s, p) -> { }).get(5, TimeUnit.SECONDS))
          .cause().isInstanceOfSatisfying(ControlException.class, e -> {
            assertThat(e.code()).isEqualTo(ControlErrorCode.UNAVAILABLE);
            assertThat(e).hasMessageContaining("cannot listen on");
          });
    } finally {
      other.close();
    }
  }

  @Test
  void closeIsIdempotentAndLaterCallsFail() throws Exception {
    InetSocketAddress at = listen((request, remote, streaming, responder) -> responder.reply(request));
    server.close();
    server.close();
    client.close();

    assertThatThrownBy(() -> client.call(at, peerExchange(), DEADLINE).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class,
            e -> assertThat(e.code()).isEqualTo(ControlErrorCode.UNAVAILABLE));
  }

  @Test
  void serviceLoaderFindsTheGrpcProviders() {
    TransportRegistry registry = TransportRegistry.defaultRegistry();
    assertThat(registry.controlProvider(GrpcTransportOptions.NAME)).isInstanceOf(GrpcControlTransportProvider.class);
    assertThat(registry.dataProvider(GrpcTransportOptions.NAME)).isInstanceOf(GrpcDataTransportProvider.class);
    try (ControlTransport t = registry.controlProvider().create(TransportOptions.defaults())) {
      assertThat(t).isInstanceOf(GrpcControlTransport.class);
    }
  }
}
