package io.loudp2p.transport.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.identity.RotatingCredentials;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.PeerCredentials;
import io.loudp2p.transport.grpc.internal.proto.v1.Loudp2pGrpc;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayEvent;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayFrame;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayGrpc;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayReservation;
import io.loudp2p.transport.grpc.internal.proto.v1.ReserveRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay service and a peer's side of it, over real TLS connections on 127.0.0.1: a peer that
 * only reserved is reached through the relay, end to end, with the relay seeing ciphertext only,
 * and each of the relay's limits refuses or ends what passes it, with a status that names it.
 */
@Timeout(60)
class RelayTest {
  private static final ControlMethod METHOD = ControlMethod.EXCHANGE_PEERS;
  private static final String SECRET = "the-words-of-a-search-nobody-else-may-read";

  private final List<AutoCloseable> closing = new ArrayList<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final ByteString.Output seenByRelay = ByteString.newOutput();
  /** What the relays of a test did. */
  private final RelayCounters counters = new RelayCounters();

  @AfterEach
  void close() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    timer.shutdownNow();
  }

  @Test
  void aPeerThatOnlyReservedIsCalledThroughTheRelayAndTheRelaySeesOnlyCiphertext()
      throws Exception {
    Identity relayId = Identity.generate();
    Identity natted = Identity.generate();
    Identity dialler = Identity.generate();
    InetSocketAddress relay = relay(relayId, RelayLimits.DEFAULT);
    BlockingQueue<String> served = new LinkedBlockingQueue<>();
    InetSocketAddress own = echoServer(natted, served);

    RelayClient nattedSide = client();
    RelayClient.Reservation reservation =
        nattedSide.reserve(channel(natted, relayId.peerId(), relay), List.of(own));
    RelayReservation granted = reservation.granted().get(10, TimeUnit.SECONDS);
    assertThat(granted.getMaxConnections()).isEqualTo(8);
    assertThat(granted.getMaxBytesPerSecond()).isEqualTo(512 * 1024);

    RelayClient diallerSide = client();
    RelayedChannel through = diallerSide.dial(
        channel(dialler, relayId.peerId(), relay), natted.peerId(), own.getPort(),
        PeerTls.client(credentials(dialler), natted.peerId(), Clock.systemUTC(), r -> {}),
        1 << 20);
    closing.add(through::shutdownNow);
    for (int i = 0; i < 3; i++) {
      byte[] answer = call(through, SECRET + i);
      assertThat(new String(answer, StandardCharsets.UTF_8)).isEqualTo("echo " + SECRET + i);
      assertThat(served.poll(5, TimeUnit.SECONDS)).isEqualTo(SECRET + i);
    }
    String relayed = seenByRelay.toByteString().toString(StandardCharsets.ISO_8859_1);
    assertThat(relayed.length()).as("the relay carried the connection").isGreaterThan(1000);
    assertThat(relayed).doesNotContain("the-words").doesNotContain("echo");
    assertThat(counters.snapshot()).containsEntry(RelayCounters.RESERVATIONS, 1L)
        .containsEntry(RelayCounters.CONNECTIONS, 1L)
        .containsEntry(RelayCounters.REFUSED, 0L)
        .hasEntrySatisfying(RelayCounters.BYTES, b -> assertThat(b).isGreaterThan(1000L));
  }

  @Test
  void aDiallerThatExpectsAnotherPeerIsRefusedAtTheHandshake() throws Exception {
    Identity relayId = Identity.generate();
    Identity natted = Identity.generate();
    Identity dialler = Identity.generate();
    InetSocketAddress relay = relay(relayId, RelayLimits.DEFAULT);
    InetSocketAddress own = echoServer(natted, new LinkedBlockingQueue<>());
    client().reserve(channel(natted, relayId.peerId(), relay), List.of(own))
        .granted().get(10, TimeUnit.SECONDS);

    // A relay that routed the connection to the wrong peer: the dialler's TLS refuses it.
    PeerId expected = Identity.generate().peerId();
    RelayedChannel through = client().dial(channel(dialler, relayId.peerId(), relay),
        natted.peerId(), own.getPort(),
        PeerTls.client(credentials(dialler), expected, Clock.systemUTC(), r -> {}), 1 << 20);
    closing.add(through::shutdownNow);
    assertThatThrownBy(() -> call(through, SECRET))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(Status.fromThrowable(e).getCode())
            .isEqualTo(Status.Code.UNAVAILABLE));
  }

  @Test
  void aConnectionToAPeerWithoutAReservationIsNotFound() throws Exception {
    Identity relayId = Identity.generate();
    InetSocketAddress relay = relay(relayId, RelayLimits.DEFAULT);
    Raw dialler = connect(channel(Identity.generate(), relayId.peerId(), relay),
        Identity.generate().peerId());
    assertThat(dialler.status()).satisfies(s -> {
      assertThat(s.getCode()).isEqualTo(Status.Code.NOT_FOUND);
      assertThat(s.getDescription()).contains("no reservation for");
    });
  }

  @Test
  void aRelayHoldsAtMostItsReservationsAndAPeerOneAtATime() throws Exception {
    Identity relayId = Identity.generate();
    InetSocketAddress relay = relay(relayId, limits(1, 8, 1 << 20, 1 << 20));
    Identity first = Identity.generate();
    RelayClient.Reservation held = client().reserve(channel(first, relayId.peerId(), relay),
        List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)));
    held.granted().get(10, TimeUnit.SECONDS);

    RelayClient.Reservation refused = client().reserve(
        channel(Identity.generate(), relayId.peerId(), relay),
        List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)));
    Status status = refused.ended().get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("holds 1 reservations");
    assertThat(counters.snapshot()).containsEntry(RelayCounters.RESERVATIONS, 1L)
        .containsEntry(RelayCounters.REFUSED, 1L);

    // The same peer again: the newer reservation stands, the older ends.
    RelayClient.Reservation again = client().reserve(channel(first, relayId.peerId(), relay),
        List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)));
    again.granted().get(10, TimeUnit.SECONDS);
    assertThat(held.ended().get(10, TimeUnit.SECONDS).getCode())
        .isEqualTo(Status.Code.ABORTED);
  }

  @Test
  void aConnectionPastTheBytesItMayCarryEndsForBothSides() throws Exception {
    Identity relayId = Identity.generate();
    Identity natted = Identity.generate();
    InetSocketAddress relay = relay(relayId, limits(8, 8, 100_000, 1 << 20));
    ManagedChannel nattedToRelay = channel(natted, relayId.peerId(), relay);
    BlockingQueue<RelayEvent> events = reserveRaw(nattedToRelay);
    assertThat(events.poll(10, TimeUnit.SECONDS).hasReservation()).isTrue();

    Raw dialler = connect(channel(Identity.generate(), relayId.peerId(), relay), natted.peerId());
    RelayEvent incoming = events.poll(10, TimeUnit.SECONDS);
    Raw acceptor = accept(nattedToRelay, incoming.getIncoming().getConnectionId());
    byte[] piece = new byte[30_000];
    for (int i = 0; i < 3; i++) {
      dialler.send(piece);
      assertThat(acceptor.received.poll(10, TimeUnit.SECONDS)).hasSize(30_000);
    }
    dialler.send(piece); // 120,000 bytes: past the 100,000
    assertThat(dialler.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(dialler.status().getDescription()).contains("at most 100000 bytes");
    assertThat(acceptor.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
  }

  @Test
  void aReservationTakesAtMostItsConnectionsAtOnce() throws Exception {
    Identity relayId = Identity.generate();
    Identity natted = Identity.generate();
    InetSocketAddress relay = relay(relayId, limits(8, 1, 1 << 20, 1 << 20));
    BlockingQueue<RelayEvent> events = reserveRaw(channel(natted, relayId.peerId(), relay));
    assertThat(events.poll(10, TimeUnit.SECONDS).hasReservation()).isTrue();
    ManagedChannel diallerToRelay = channel(Identity.generate(), relayId.peerId(), relay);
    Raw first = connect(diallerToRelay, natted.peerId());
    assertThat(events.poll(10, TimeUnit.SECONDS).hasIncoming()).isTrue();
    Raw second = connect(diallerToRelay, natted.peerId());
    assertThat(second.status().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(second.status().getDescription()).contains("has 1 connections");
    first.cancel();
  }

  @Test
  void onlyThePeerAConnectionIsForAcceptsIt() throws Exception {
    Identity relayId = Identity.generate();
    Identity natted = Identity.generate();
    InetSocketAddress relay = relay(relayId, RelayLimits.DEFAULT);
    BlockingQueue<RelayEvent> events = reserveRaw(channel(natted, relayId.peerId(), relay));
    assertThat(events.poll(10, TimeUnit.SECONDS).hasReservation()).isTrue();
    Raw dialler = connect(channel(Identity.generate(), relayId.peerId(), relay), natted.peerId());
    ByteString id = events.poll(10, TimeUnit.SECONDS).getIncoming().getConnectionId();

    Raw intruder = accept(channel(Identity.generate(), relayId.peerId(), relay), id);
    assertThat(intruder.status().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    Raw unknown = accept(channel(natted, relayId.peerId(), relay), ByteString.copyFrom(new byte[16]));
    assertThat(unknown.status().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    dialler.cancel();
  }

  @Test
  void aConnectionNotAcceptedInTimeIsUnavailable() throws Exception {
    Identity relayId = Identity.generate();
    Identity natted = Identity.generate();
    RelayLimits quick = new RelayLimits(8, 8, 1 << 20, Duration.ofHours(1), Duration.ofHours(1),
        Duration.ofMillis(300), 1 << 20, 1 << 20, 60, 32 * 1024);
    InetSocketAddress relay = relay(relayId, quick);
    BlockingQueue<RelayEvent> events = reserveRaw(channel(natted, relayId.peerId(), relay));
    assertThat(events.poll(10, TimeUnit.SECONDS).hasReservation()).isTrue();
    Raw dialler = connect(channel(Identity.generate(), relayId.peerId(), relay), natted.peerId());
    assertThat(dialler.status().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(dialler.status().getDescription()).contains("did not accept");
  }

  @Test
  void aPeerAsksForAtMostItsConnectionsAMinute() throws Exception {
    Identity relayId = Identity.generate();
    RelayLimits few = new RelayLimits(8, 8, 1 << 20, Duration.ofHours(1), Duration.ofHours(1),
        Duration.ofSeconds(10), 1 << 20, 1 << 20, 2, 32 * 1024);
    InetSocketAddress relay = relay(relayId, few);
    ManagedChannel toRelay = channel(Identity.generate(), relayId.peerId(), relay);
    PeerId nobody = Identity.generate().peerId();
    assertThat(connect(toRelay, nobody).status().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(connect(toRelay, nobody).status().getCode()).isEqualTo(Status.Code.NOT_FOUND);
    Status third = connect(toRelay, nobody).status();
    assertThat(third.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(third.getDescription()).contains("in a minute");
  }

  @Test
  void aRelayOfNoReservationsRefusesEveryOneSayingItRelaysForNoOne() throws Exception {
    Identity relayId = Identity.generate();
    RelayLimits none = RelayLimits.DEFAULT.withMaxReservations(0);
    assertThat(none.maxConnectionsPerReservation())
        .isEqualTo(RelayLimits.DEFAULT.maxConnectionsPerReservation());
    InetSocketAddress relay = relay(relayId, none);
    RelayClient.Reservation refused = client().reserve(
        channel(Identity.generate(), relayId.peerId(), relay),
        List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)));
    Status status = refused.ended().get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).isEqualTo("this peer relays for no one; try another relay");
  }

  @Test
  void aPlaintextCallerIsRefused() throws Exception {
    Server plain = NettyServerBuilder.forAddress(loopback())
        .addService(new RelayService(RelayLimits.DEFAULT, Clock.systemUTC(), System::nanoTime,
            timer, b -> {}).service())
        .build().start();
    closing.add(() -> plain.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    ManagedChannel channel = NettyChannelBuilder
        .forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), plain.getPort()))
        .usePlaintext().build();
    closing.add(channel::shutdownNow);
    BlockingQueue<RelayEvent> events = new LinkedBlockingQueue<>();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    RelayGrpc.newStub(channel).reserve(ReserveRequest.getDefaultInstance(),
        observer(events::add, ended));
    Status status = ended.get(10, TimeUnit.SECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).contains("TLS");
  }

  @Test
  void thePacerHoldsAConnectionToItsRate() {
    long[] now = {0};
    RelayPacer pacer = new RelayPacer(100_000, 50_000, () -> now[0]);
    assertThat(pacer.take(50_000)).isZero(); // the burst
    assertThat(pacer.take(10_000)).isEqualTo(100_000_000L); // 10,000 bytes owed: 100 ms
    now[0] += 100_000_000L;
    assertThat(pacer.take(0)).isZero();
    now[0] += 10_000_000_000L; // a long rest refills the burst, no more
    assertThat(pacer.take(50_000)).isZero();
    assertThat(pacer.take(1)).isPositive();
  }

  // --- fixtures

  private static RelayLimits limits(int reservations, int connections, long bytes, long rate) {
    return new RelayLimits(reservations, connections, bytes, Duration.ofHours(1),
        Duration.ofHours(1), Duration.ofSeconds(10), rate, rate, 60, 32 * 1024);
  }

  private static InetSocketAddress loopback() {
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }

  private static PeerCredentials credentials(Identity identity) {
    return new RotatingCredentials(identity);
  }

  private RelayClient client() {
    RelayClient c = new RelayClient(32 * 1024);
    closing.add(c);
    return c;
  }

  private InetSocketAddress relay(Identity identity, RelayLimits limits) throws Exception {
    RelayService service = new RelayService(limits, Clock.systemUTC(), System::nanoTime, timer,
        data -> {
          synchronized (seenByRelay) {
            try {
              data.writeTo(seenByRelay);
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        }, counters);
    return serve(identity, service.service());
  }

  private InetSocketAddress echoServer(Identity identity, BlockingQueue<String> served)
      throws Exception {
    ServerServiceDefinition echo = ServerServiceDefinition.builder(Loudp2pGrpc.SERVICE_NAME)
        .addMethod(Methods.raw(METHOD), ServerCalls.asyncUnaryCall((request, response) -> {
          String text = new String(request, StandardCharsets.UTF_8);
          served.add(text);
          response.onNext(("echo " + text).getBytes(StandardCharsets.UTF_8));
          response.onCompleted();
        }))
        .build();
    return serve(identity, echo);
  }

  private InetSocketAddress serve(Identity identity, ServerServiceDefinition service)
      throws Exception {
    Server server = NettyServerBuilder.forAddress(loopback())
        .sslContext(PeerTls.server(credentials(identity), Clock.systemUTC(), r -> {}))
        .addService(service)
        .build().start();
    closing.add(() -> server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getPort());
  }

  private ManagedChannel channel(Identity own, PeerId expected, InetSocketAddress to)
      throws SSLException {
    ManagedChannel channel = NettyChannelBuilder.forAddress(to)
        .sslContext(PeerTls.client(credentials(own), expected, Clock.systemUTC(), r -> {}))
        .build();
    closing.add(() -> channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    return channel;
  }

  private static byte[] call(ManagedChannel channel, String text) {
    return ClientCalls.blockingUnaryCall(channel, Methods.raw(METHOD),
        CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS),
        text.getBytes(StandardCharsets.UTF_8));
  }

  private BlockingQueue<RelayEvent> reserveRaw(ManagedChannel toRelay) {
    BlockingQueue<RelayEvent> events = new LinkedBlockingQueue<>();
    RelayGrpc.newStub(toRelay).reserve(ReserveRequest.getDefaultInstance(),
        observer(events::add, new CompletableFuture<>()));
    return events;
  }

  private static <T> StreamObserver<T> observer(java.util.function.Consumer<T> each,
      CompletableFuture<Status> ended) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        each.accept(value);
      }

      @Override
      public void onError(Throwable t) {
        ended.complete(Status.fromThrowable(t));
      }

      @Override
      public void onCompleted() {
        ended.complete(Status.OK);
      }
    };
  }

  /** One raw Connect or Accept call: what it received and how it ended. */
  private static final class Raw {
    final BlockingQueue<byte[]> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Status> ended = new CompletableFuture<>();
    StreamObserver<RelayFrame> out;

    void send(byte[] data) {
      out.onNext(RelayFrame.newBuilder().setData(ByteString.copyFrom(data)).build());
    }

    void cancel() {
      out.onError(Status.CANCELLED.asRuntimeException());
    }

    Status status() throws Exception {
      return ended.get(10, TimeUnit.SECONDS);
    }
  }

  private static Raw connect(ManagedChannel toRelay, PeerId target) {
    Raw raw = new Raw();
    raw.out = RelayGrpc.newStub(toRelay).connect(
        observer(f -> raw.received.add(f.getData().toByteArray()), raw.ended));
    raw.out.onNext(RelayFrame.newBuilder()
        .setTargetPeerId(ByteString.copyFrom(target.bytes())).setTargetPort(9).build());
    return raw;
  }

  private static Raw accept(ManagedChannel toRelay, ByteString connectionId) {
    Raw raw = new Raw();
    raw.out = RelayGrpc.newStub(toRelay).accept(
        observer(f -> raw.received.add(f.getData().toByteArray()), raw.ended));
    raw.out.onNext(RelayFrame.newBuilder().setConnectionId(connectionId).build());
    return raw;
  }
}
