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
import io.loudp2p.spi.ControlMethod;
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
  void connectOpensTheConnectionAheadOfAnyCall() throws Exception {
    try (java.net.ServerSocket listener = new java.net.ServerSocket(0, 1,
        InetAddress.getLoopbackAddress())) {
      listener.setSoTimeout(5_000);
      client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(),
          listener.getLocalPort()));
      try (java.net.Socket accepted = listener.accept()) {
        assertThat(accepted.isConnected()).as("a TCP connection with no call made").isTrue();
      }
    }
    assertThat(client.openChannels()).isEqualTo(1);
  }

  @Test
  void unaryCallCarriesTheEnvelopeBytesExactlyBothWays() throws Exception {
    List<byte[]> seen = new CopyOnWriteArrayList<>();
    InetSocketAddress at = listen((request, remote, method, responder) -> {
      seen.add(request);
      assertThat(remote.getAddress().isLoopbackAddress()).isTrue();
      responder.reply(request);
    });
    byte[] request = peerExchange();

    byte[] response = client.call(at, ControlMethod.EXCHANGE_PEERS, request, DEADLINE).get(5, TimeUnit.SECONDS);

    assertThat(response).isEqualTo(request);
    assertThat(seen).singleElement().isEqualTo(request);
  }

  @Test
  void everyMethodTravelsOnTheGrpcMethodOfItsNameWhateverTheBytes() throws Exception {
    List<String> seen = new CopyOnWriteArrayList<>();
    InetSocketAddress at = listen((request, remote, method, responder) -> {
      seen.add(method.wireName());
      if (method.streaming()) {
        responder.next(request);
        responder.complete();
      } else {
        responder.reply(request);
      }
    });
    byte[] notAnEnvelope = {(byte) 0xff, 0x00, 0x13};
    for (ControlMethod method : ControlMethod.values()) {
      if (method.streaming()) {
        List<byte[]> got = new CopyOnWriteArrayList<>();
        client.callStreaming(at, method, notAnEnvelope, DEADLINE, got::add)
            .get(5, TimeUnit.SECONDS);
        assertThat(got).singleElement().isEqualTo(notAnEnvelope);
      } else {
        assertThat(client.call(at, method, notAnEnvelope, DEADLINE).get(5, TimeUnit.SECONDS))
            .as(method.toString()).isEqualTo(notAnEnvelope);
      }
    }
    assertThat(seen).containsExactly(java.util.Arrays.stream(ControlMethod.values())
        .map(ControlMethod::wireName).toArray(String[]::new));
    assertThat(seen).containsExactlyInAnyOrderElementsOf(Loudp2pGrpc.getServiceDescriptor()
        .getMethods().stream().map(m -> m.getBareMethodName())
        .filter(n -> !n.equals("FetchChunks") && !n.equals("FetchChunkBatch")).toList());
  }

  @Test
  void aMethodThatDoesNotFitIsRefusedLocally() {
    assertThatThrownBy(() -> client.call(ANY_PORT, ControlMethod.SEARCH, search(), DEADLINE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> client.callStreaming(ANY_PORT, ControlMethod.SHUFFLE, search(),
        DEADLINE, r -> { })).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void searchStreamsEveryResponseInOrder() throws Exception {
    InetSocketAddress at = listen((request, remote, method, responder) -> {
      assertThat(method).isEqualTo(ControlMethod.SEARCH);
      for (int i = 0; i < 5; i++) {
        responder.next(new byte[] {(byte) i});
      }
      responder.complete();
    });
    List<Byte> got = new CopyOnWriteArrayList<>();

    client.callStreaming(at, ControlMethod.SEARCH, search(), DEADLINE, r -> got.add(r[0])).get(5, TimeUnit.SECONDS);

    assertThat(got).containsExactly((byte) 0, (byte) 1, (byte) 2, (byte) 3, (byte) 4);
  }

  @Test
  void handlerErrorsReachTheCallerWithTheirCode() throws Exception {
    InetSocketAddress at = listen((request, remote, method, responder) ->
        responder.fail(ControlErrorCode.NOT_FOUND, "no such track"));

    assertThatThrownBy(() -> client.call(at, ControlMethod.GET_MANIFEST, manifestRequest(), DEADLINE).get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ControlException.class)
        .cause().satisfies(e -> {
          assertThat(((ControlException) e).code()).isEqualTo(ControlErrorCode.NOT_FOUND);
          assertThat(e).hasMessageContaining("no such track");
        });
  }

  @Test
  void theServerHandsOnWhatArrivesUnreadWithTheMethodItCameOn() throws Exception {
    List<ControlMethod> methods = new CopyOnWriteArrayList<>();
    InetSocketAddress at = listen((request, remote, method, responder) -> {
      methods.add(method);
      responder.reply(request);
    });
    ManagedChannel raw = NettyChannelBuilder.forAddress(at).usePlaintext().build();
    try {
      // An envelope whose payload is no Payload, and a peer exchange, both sent to GetManifest by
      // the generated stub of service.proto: the transport judges neither.
      Envelope garbage =
          Envelope.newBuilder().setPayload(ByteString.copyFrom(new byte[] {(byte) 0xff})).build();
      assertThat(Loudp2pGrpc.newBlockingStub(raw).getManifest(garbage)).isEqualTo(garbage);
      Envelope misrouted = Envelope.parseFrom(peerExchange());
      assertThat(Loudp2pGrpc.newBlockingStub(raw).getManifest(misrouted)).isEqualTo(misrouted);
      assertThat(methods).containsExactly(ControlMethod.GET_MANIFEST, ControlMethod.GET_MANIFEST);
      // The generated stub of service.proto reaches the same method as the raw transport.
      Envelope ok = Envelope.parseFrom(manifestRequest());
      assertThat(Loudp2pGrpc.newBlockingStub(raw).getManifest(ok)).isEqualTo(ok);
    } finally {
      raw.shutdownNow();
    }
    byte[] request = peerExchange();
    assertThat(client.call(at, ControlMethod.EXCHANGE_PEERS, request, DEADLINE).get(5, TimeUnit.SECONDS)).isEqualTo(request);
  }

  @Test
  void oversizedRequestIsRefusedWithResourceExhausted() throws Exception {
    server.close();
    server = new GrpcControlTransport(TransportOptions.builder()
        .settings(GrpcTransportOptions.builder().maxMessageBytes(4096).build()).build());
    InetSocketAddress at = listen((request, remote, method, responder) -> responder.reply(request));
    byte[] big = sealer.seal(Payload.newBuilder().setSearchQuery(
        SearchQuery.newBuilder().addTerms("x".repeat(6_000)))).toByteArray();
    byte[] bigUnary = sealer.seal(Payload.newBuilder().setManifestRequest(
        ManifestRequest.newBuilder().setTrackId(ByteString.copyFrom(new byte[6_000])))).toByteArray();
    byte[] huge = sealer.seal(Payload.newBuilder().setManifestRequest(
        ManifestRequest.newBuilder().setTrackId(ByteString.copyFrom(new byte[10_000])))).toByteArray();

    // Over the server's limit: refused by the server, in words that name the rule.
    assertThatThrownBy(() -> client.call(at, ControlMethod.GET_MANIFEST, bigUnary, DEADLINE).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class, e -> {
          assertThat(e.code()).isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED);
          assertThat(e).hasMessageContaining("TOO_LARGE");
        });
    assertThatThrownBy(() -> client.callStreaming(at, ControlMethod.SEARCH, big, DEADLINE, r -> { }).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class, e -> {
          assertThat(e.code()).isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED);
          assertThat(e).hasMessageContaining("TOO_LARGE");
        });
    // Over twice the limit: gRPC refuses it from its length prefix, unread.
    assertThatThrownBy(() -> client.call(at, ControlMethod.GET_MANIFEST, huge, DEADLINE).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class,
            e -> assertThat(e.code()).isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED));
    byte[] small = peerExchange();
    assertThat(client.call(at, ControlMethod.EXCHANGE_PEERS, small, DEADLINE).get(5, TimeUnit.SECONDS)).isEqualTo(small);
  }

  @Test
  void deadlinePassingFailsWithTimeout() throws Exception {
    InetSocketAddress at = listen((request, remote, method, responder) -> {
      // Never answers.
    });

    assertThatThrownBy(() -> client.call(at, ControlMethod.EXCHANGE_PEERS, peerExchange(), Duration.ofMillis(200)).get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(TimeoutException.class);
  }

  @Test
  void tooManyConcurrentCallsFromOnePeerAreRefused() throws Exception {
    server.close();
    server = new GrpcControlTransport(TransportOptions.builder()
        .settings(GrpcTransportOptions.builder().maxConcurrentCallsPerPeer(2).build()).build());
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch twoHeld = new CountDownLatch(2);
    InetSocketAddress at = listen((request, remote, method, responder) -> {
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
    CompletableFuture<byte[]> a = client.call(at, ControlMethod.EXCHANGE_PEERS, peerExchange(), DEADLINE);
    CompletableFuture<byte[]> b = client.call(at, ControlMethod.EXCHANGE_PEERS, peerExchange(), DEADLINE);
    assertThat(twoHeld.await(5, TimeUnit.SECONDS)).isTrue();

    assertThatThrownBy(() -> client.call(at, ControlMethod.EXCHANGE_PEERS, peerExchange(), DEADLINE).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class, e -> {
          assertThat(e.code()).isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED);
          assertThat(e).hasMessageContaining("concurrent calls");
        });
    release.countDown();
    assertThat(a.get(5, TimeUnit.SECONDS)).isNotEmpty();
    assertThat(b.get(5, TimeUnit.SECONDS)).isNotEmpty();
    assertThat(client.call(at, ControlMethod.EXCHANGE_PEERS, peerExchange(), DEADLINE).get(5, TimeUnit.SECONDS)).isNotEmpty();
  }

  @Test
  void oneConnectionCarriesAtMostItsShareOfCallsAtOnce() throws Exception {
    server.close();
    server = new GrpcControlTransport(TransportOptions.builder()
        .settings(GrpcTransportOptions.builder().maxConcurrentCallsPerPeer(1_000).build()).build());
    java.util.concurrent.atomic.AtomicInteger held = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger most = new java.util.concurrent.atomic.AtomicInteger();
    CountDownLatch allowed = new CountDownLatch(GrpcControlTransport.MAX_CALLS_PER_CONNECTION);
    CountDownLatch oneMore = new CountDownLatch(GrpcControlTransport.MAX_CALLS_PER_CONNECTION + 1);
    List<Runnable> waiting = new java.util.ArrayList<>();
    boolean[] released = {false};
    InetSocketAddress at = listen((request, remote, method, responder) -> {
      most.accumulateAndGet(held.incrementAndGet(), Math::max);
      allowed.countDown();
      oneMore.countDown();
      Runnable answer = () -> {
        held.decrementAndGet();
        responder.reply(request);
      };
      synchronized (waiting) {
        if (!released[0]) {
          waiting.add(answer);
          return;
        }
      }
      answer.run();
    });
    // 200 calls at once on the one connection the client keeps to the server: HTTP/2 lets 128
    // run, the rest wait in the client (MAX_CONCURRENT_STREAMS), none is refused.
    List<CompletableFuture<byte[]>> calls = new java.util.ArrayList<>();
    for (int i = 0; i < 200; i++) {
      calls.add(client.call(at, ControlMethod.EXCHANGE_PEERS, peerExchange(), Duration.ofSeconds(20)));
    }
    assertThat(allowed.await(10, TimeUnit.SECONDS)).as("128 calls reach the handler").isTrue();
    // The 129th may not arrive while the 128 are held: given time to, it does not.
    assertThat(oneMore.await(300, TimeUnit.MILLISECONDS)).as("a 129th call at once").isFalse();
    assertThat(held.get()).isEqualTo(GrpcControlTransport.MAX_CALLS_PER_CONNECTION);
    List<Runnable> now;
    synchronized (waiting) {
      released[0] = true;
      now = new java.util.ArrayList<>(waiting);
    }
    now.forEach(Runnable::run);
    for (CompletableFuture<byte[]> c : calls) {
      assertThat(c.get(10, TimeUnit.SECONDS)).isNotEmpty();
    }
    assertThat(most.get()).isEqualTo(GrpcControlTransport.MAX_CALLS_PER_CONNECTION);
  }

  @Test
  void aCallerThatWaitsForEachCallIsNeverRefused() throws Exception {
    server.close();
    server = new GrpcControlTransport(TransportOptions.builder()
        .settings(GrpcTransportOptions.builder().maxConcurrentCallsPerPeer(1).build()).build());
    InetSocketAddress at = listen((request, remote, method, responder) -> responder.reply(request));
    // The slot is free before the answer reaches the caller, not some time after.
    for (int i = 0; i < 200; i++) {
      assertThat(client.call(at, ControlMethod.EXCHANGE_PEERS, peerExchange(), DEADLINE).get(5, TimeUnit.SECONDS)).isNotEmpty();
    }
  }

  @Test
  void oneChannelPerPeerIsReused() throws Exception {
    InetSocketAddress at = listen((request, remote, method, responder) -> responder.reply(request));
    for (int i = 0; i < 20; i++) {
      client.call(at, ControlMethod.EXCHANGE_PEERS, peerExchange(), DEADLINE).get(5, TimeUnit.SECONDS);
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
    assertThatThrownBy(() -> client.call(closedPort, ControlMethod.EXCHANGE_PEERS, peerExchange(), DEADLINE).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOfSatisfying(ControlException.class,
            e -> assertThat(e.code()).isEqualTo(ControlErrorCode.UNAVAILABLE));
  }

  @Test
  void busyPortFailsToListenWithAClearError() throws Exception {
    InetSocketAddress at = listen((request, remote, method, responder) -> responder.reply(request));
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
    InetSocketAddress at = listen((request, remote, method, responder) -> responder.reply(request));
    server.close();
    server.close();
    client.close();

    assertThatThrownBy(() -> client.call(at, ControlMethod.EXCHANGE_PEERS, peerExchange(), DEADLINE).get(5, TimeUnit.SECONDS))
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
