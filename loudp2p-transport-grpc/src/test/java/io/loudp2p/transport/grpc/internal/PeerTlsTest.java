package io.loudp2p.transport.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.PeerCertificates;
import io.loudp2p.core.identity.PeerCertificates.Refusal;
import io.loudp2p.core.identity.PeerCertificates.RefusedCertificate;
import io.loudp2p.core.identity.RotatingCredentials;
import io.loudp2p.core.identity.WrongCertificates;
import io.loudp2p.core.testing.FakeClock;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.PeerCredentials;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * gRPC over TLS 1.3 between peers known by their IDs: a call goes through when each side's
 * certificate is bound to a peer (and the client reached the peer it dialled), and the handshake
 * fails, saying why, when not; nothing above TLS sees a refused connection.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PeerTlsTest {
  private static final ControlMethod METHOD = ControlMethod.EXCHANGE_PEERS;
  private final Clock clock = Clock.systemUTC();
  private final Identity serverId = Identity.generate();
  private final Identity clientId = Identity.generate();
  private final List<RefusedCertificate> refusedByServer = new CopyOnWriteArrayList<>();
  private final List<RefusedCertificate> refusedByClient = new CopyOnWriteArrayList<>();
  private final List<byte[]> served = new CopyOnWriteArrayList<>();
  private final List<String> protocols = new CopyOnWriteArrayList<>();
  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
  }

  private static PeerCredentials certificate(Identity id) {
    Instant now = Instant.now();
    return fixed(PeerCertificates.issue(id, now.minus(Duration.ofHours(1)),
        now.plus(Duration.ofHours(25))));
  }

  private static PeerCredentials fixed(PeerCertificates.Issued issued) {
    return WrongCertificates.fixed(issued);
  }

  /** A server that answers each call to METHOD with the request's bytes. */
  private InetSocketAddress server(PeerCredentials own) throws Exception {
    ServerServiceDefinition echo = ServerServiceDefinition.builder(Loudp2pGrpc.SERVICE_NAME)
        .addMethod(Methods.raw(METHOD), ServerCalls.asyncUnaryCall((request, response) -> {
          served.add(request);
          response.onNext(request);
          response.onCompleted();
        }))
        .build();
    Server server = NettyServerBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
        .sslContext(PeerTls.server(own, clock, refusedByServer::add))
        .addService(io.grpc.ServerInterceptors.intercept(echo, new io.grpc.ServerInterceptor() {
          @Override
          public <Q, A> io.grpc.ServerCall.Listener<Q> interceptCall(io.grpc.ServerCall<Q, A> call,
              io.grpc.Metadata headers, io.grpc.ServerCallHandler<Q, A> next) {
            javax.net.ssl.SSLSession session =
                call.getAttributes().get(io.grpc.Grpc.TRANSPORT_ATTR_SSL_SESSION);
            protocols.add(session == null ? "none" : session.getProtocol());
            return next.startCall(call, headers);
          }
        }))
        .build()
        .start();
    closing.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return (InetSocketAddress) server.getListenSockets().get(0);
  }

  private byte[] call(InetSocketAddress at, PeerCredentials own,
      io.loudp2p.PeerId expected) throws Exception {
    return call(channel(at, own, expected));
  }

  private ManagedChannel channel(InetSocketAddress at, PeerCredentials own,
      io.loudp2p.PeerId expected) throws Exception {
    ManagedChannel channel = NettyChannelBuilder.forAddress(at)
        .sslContext(PeerTls.client(own, expected, clock, refusedByClient::add))
        .build();
    closing.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  private static byte[] call(ManagedChannel channel) {
    return ClientCalls.blockingUnaryCall(channel, Methods.raw(METHOD),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS), new byte[] {1, 2, 3});
  }

  @Test
  void peersWithBoundCertificatesCallOverTls13() throws Exception {
    InetSocketAddress at = server(certificate(serverId));
    assertThat(call(at, certificate(clientId), serverId.peerId())).containsExactly(1, 2, 3);
    assertThat(call(at, certificate(clientId), null)).as("first contact: any valid peer")
        .containsExactly(1, 2, 3);
    assertThat(protocols).containsExactly("TLSv1.3", "TLSv1.3");
    assertThat(refusedByServer).isEmpty();
    assertThat(refusedByClient).isEmpty();
  }

  @Test
  void aNewTlsKeyServesNewConnectionsWhileOpenOnesCarryOnWithTheOld() throws Exception {
    FakeClock serverTime = FakeClock.atWallMillis(System.currentTimeMillis());
    RotatingCredentials rotating =
        new RotatingCredentials(serverId, serverTime.wallClock(), Duration.ofMinutes(10));
    InetSocketAddress at = server(rotating);
    ManagedChannel open = channel(at, certificate(clientId), serverId.peerId());
    assertThat(call(open)).containsExactly(1, 2, 3);
    assertThat(rotating.made()).isEqualTo(1);

    serverTime.advance(Duration.ofMinutes(11));
    assertThat(call(open)).as("the open connection, no new handshake").containsExactly(1, 2, 3);
    assertThat(rotating.made()).isEqualTo(1);
    ManagedChannel fresh = channel(at, certificate(clientId), serverId.peerId());
    assertThat(call(fresh)).as("a new connection, the new key").containsExactly(1, 2, 3);
    assertThat(rotating.made()).isEqualTo(2);
    assertThat(call(open)).containsExactly(1, 2, 3);
    assertThat(refusedByClient).isEmpty();
  }

  @Test
  void aClientThatDialledAnotherPeerRefusesTheServerItReached() throws Exception {
    InetSocketAddress at = server(certificate(serverId));
    Identity meant = Identity.generate();
    assertThatThrownBy(() -> call(at, certificate(clientId), meant.peerId()))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(refusedByClient).singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo(Refusal.WRONG_PEER));
    assertThat(served).as("nothing reached the server's service").isEmpty();
  }

  /** The certificates a peer must refuse, and the reason each is refused for. */
  static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> wrong() {
    Identity someone = Identity.generate();
    Identity other = Identity.generate();
    Instant now = Instant.now();
    Instant from = now.minus(Duration.ofHours(1));
    Instant to = now.plus(Duration.ofHours(1));
    return java.util.stream.Stream.of(
        org.junit.jupiter.params.provider.Arguments.of("no extension",
            fixed(WrongCertificates.withoutExtension(someone, from, to)), Refusal.NO_PEER_KEY),
        org.junit.jupiter.params.provider.Arguments.of("signed by another identity key",
            fixed(WrongCertificates.signedByAnother(someone, other, from, to)),
            Refusal.BAD_PEER_KEY_SIGNATURE),
        org.junit.jupiter.params.provider.Arguments.of("expired",
            fixed(PeerCertificates.issue(someone, now.minus(Duration.ofDays(3)),
                now.minus(Duration.ofDays(1)))), Refusal.EXPIRED));
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("wrong")
  void aServerWithAWrongCertificateIsRefusedByTheClientSayingWhy(String what,
      PeerCredentials wrong, Refusal reason) throws Exception {
    InetSocketAddress at = server(wrong);
    assertThatThrownBy(() -> call(at, certificate(clientId), null))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(refusedByClient).singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo(reason));
    assertThat(served).isEmpty();
  }

  @org.junit.jupiter.params.ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.MethodSource("wrong")
  void aClientWithAWrongCertificateIsRefusedByTheServerSayingWhy(String what,
      PeerCredentials wrong, Refusal reason) throws Exception {
    InetSocketAddress at = server(certificate(serverId));
    assertThatThrownBy(() -> call(at, wrong, serverId.peerId()))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(refusedByServer).singleElement()
        .satisfies(e -> assertThat(e.reason()).isEqualTo(reason));
    assertThat(served).as("nothing reached the server's service").isEmpty();
  }

  @Test
  void aClientThatOffersOnlyTls12IsRefused() throws Exception {
    InetSocketAddress at = server(certificate(serverId));
    PeerCredentials.CertifiedKey own = certificate(clientId).current();
    ManagedChannel old = NettyChannelBuilder.forAddress(at)
        .sslContext(io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts.forClient()
            .keyManager(own.key(), own.certificate())
            .protocols("TLSv1.2")
            .trustManager(io.grpc.netty.shaded.io.netty.handler.ssl.util
                .InsecureTrustManagerFactory.INSTANCE)
            .build())
        .build();
    closing.add(() -> old.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    assertThatThrownBy(() -> call(old)).isInstanceOf(StatusRuntimeException.class);
    assertThat(served).isEmpty();
  }

  @Test
  void aPlaintextClientGetsNothingFromATlsServer() throws Exception {
    InetSocketAddress at = server(certificate(serverId));
    ManagedChannel plain = NettyChannelBuilder.forAddress(at).usePlaintext().build();
    closing.add(() -> plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(plain, Methods.raw(METHOD),
        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[] {1}))
        .isInstanceOf(StatusRuntimeException.class);
    assertThat(served).isEmpty();
  }
}
