package io.loudp2p.core.peer;

import static io.loudp2p.core.peer.RelayRecordsTest.address;
import static io.loudp2p.core.peer.RelayRecordsTest.record;
import static io.loudp2p.core.peer.RelayRecordsTest.relayed;
import static io.loudp2p.core.peer.RelayRecordsTest.unreachable;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.Peer;
import io.loudp2p.PeerId;
import io.loudp2p.core.identity.Identity;
import io.loudp2p.core.proto.v1.Payload;
import io.loudp2p.core.proto.v1.PeerExchange;
import io.loudp2p.core.wire.EnvelopeOpener;
import io.loudp2p.core.wire.EnvelopeSealer;
import io.loudp2p.core.wire.SignedMessage;
import io.loudp2p.core.wire.SignedPeerRecord;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlHandler;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.ControlTransport;
import io.loudp2p.spi.TransportServer;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A call to a peer reached through a relay that left (PROTOCOL.md section 10): sent once more
 * through another relay the peer's record lists, which later calls take too; the failure stands
 * when the record lists no other relay, when the call failed otherwise than UNAVAILABLE, and when
 * a streaming call had an answer already.
 */
class RelayedCallFailoverTest {
  private static final Duration DEADLINE = Duration.ofSeconds(5);
  private static final InetSocketAddress PEER_AT =
      new InetSocketAddress(address(192, 168, 1, 2), 7070);

  private final Identity self = Identity.generate();
  private final Identity natted = Identity.generate();
  private final Identity gone = Identity.generate();
  private final Identity other = Identity.generate();
  private final InetSocketAddress goneAt = new InetSocketAddress(address(10, 0, 0, 1), 7070);
  private final InetSocketAddress otherAt = new InetSocketAddress(address(10, 0, 0, 2), 7070);
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
  private final Relays transport = new Relays();
  private final ControlClient client = new ControlClient(context(), transport);

  @AfterEach
  void stop() {
    timer.shutdownNow();
  }

  @Test
  void aCallThroughARelayThatLeftIsSentThroughAnotherRelayOfThePeersRecord() throws Exception {
    knowBothRelays();

    SignedMessage answer = exchange().get(5, TimeUnit.SECONDS);

    assertThat(answer.sender()).isEqualTo(natted.peerId());
    assertThat(transport.calls).containsExactly("via " + gone.peerId(), "via " + other.peerId());
    assertThat(client.routes().of(natted.peerId()).peer()).isEqualTo(other.peerId());
    exchange().get(5, TimeUnit.SECONDS); // later calls go the new way at once
    assertThat(transport.calls).endsWith("via " + other.peerId(), "via " + other.peerId());
  }

  @Test
  void theFailureStandsWhenTheRecordListsNoOtherRelay() throws Exception {
    know(record(natted, 1, relayed(goneAt, gone.peerId().bytes())));

    assertThatThrownBy(() -> exchange().get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).cause().isInstanceOf(ControlException.class)
        .hasMessageContaining("the relay left");
    assertThat(transport.calls).containsExactly("via " + gone.peerId());
    assertThat(client.routes().of(natted.peerId()).peer()).isEqualTo(gone.peerId());
  }

  @Test
  void aCallThatFailedOtherwiseIsNotSentAgain() throws Exception {
    knowBothRelays();
    transport.failure = new TimeoutException("deadline exceeded"); // it may have reached the peer

    assertThatThrownBy(() -> exchange().get(5, TimeUnit.SECONDS))
        .cause().isInstanceOf(TimeoutException.class);
    assertThat(transport.calls).containsExactly("via " + gone.peerId());
    assertThat(client.routes().of(natted.peerId()).peer()).isEqualTo(gone.peerId());
  }

  @Test
  void aStreamingCallThatGotNoAnswerIsSentThroughAnotherRelay() throws Exception {
    knowBothRelays();
    List<SignedMessage> answers = new ArrayList<>();

    stream(answers).get(5, TimeUnit.SECONDS);

    assertThat(answers).hasSize(1);
    assertThat(transport.calls).containsExactly("via " + gone.peerId(), "via " + other.peerId());
  }

  @Test
  void aStreamingCallThatGotAnAnswerIsNotSentAgain() throws Exception {
    knowBothRelays();
    transport.answerBeforeFailing = true; // answers are not repeated
    List<SignedMessage> answers = new ArrayList<>();

    assertThatThrownBy(() -> stream(answers).get(5, TimeUnit.SECONDS))
        .cause().isInstanceOf(ControlException.class);

    assertThat(answers).hasSize(1);
    assertThat(transport.calls).containsExactly("via " + gone.peerId());
  }

  private CompletableFuture<Void> stream(List<SignedMessage> answers) {
    return client.callStreaming(PEER_AT, ControlMethod.EXCHANGE_PEERS, exchangeRequest(),
        natted.peerId(), DEADLINE, () -> { }, answers::add);
  }

  private byte[] exchangeRequest() {
    return new EnvelopeSealer(self).seal(
        Payload.newBuilder().setPeerExchange(PeerExchange.getDefaultInstance())).toByteArray();
  }

  /** The peer's latest record lists the relay that left, then another. */
  private void knowBothRelays() throws Exception {
    know(record(natted, 1, relayed(goneAt, gone.peerId().bytes()),
        relayed(otherAt, other.peerId().bytes())));
  }

  /** The peer's latest record is {@code record}, which routes it through the relay that left. */
  private void know(SignedPeerRecord record) {
    client.recordsFrom(id -> id.equals(record.peerId()) ? Optional.of(record) : Optional.empty());
    client.routes().learnt(record);
    assertThat(client.routes().of(natted.peerId()).peer()).isEqualTo(gone.peerId());
  }

  private CompletableFuture<SignedMessage> exchange() {
    return client.call(PEER_AT, ControlMethod.EXCHANGE_PEERS,
        Payload.newBuilder().setPeerExchange(PeerExchange.getDefaultInstance()), natted.peerId(),
        DEADLINE);
  }

  private PeerContext context() {
    Peer.Config config = Peer.builder().config();
    PeerRuntime runtime = new PeerRuntime(Clock.systemUTC(), System::nanoTime, name -> timer,
        new Random(1), Identity::generate, false, new EnvelopeOpener.Cache(64, 64),
        ResourceGauge.IDLE);
    Peer peer = (Peer) Proxy.newProxyInstance(Peer.class.getClassLoader(),
        new Class<?>[] {Peer.class}, (proxy, method, args) -> switch (method.getName()) {
          case "hashCode" -> 1;
          case "equals" -> proxy == args[0];
          default -> "a peer";
        });
    return new PeerContext(config, runtime, self, EnvelopeOpener.withDefaults(), timer,
        PeerEvents.of(peer, self.peerId(), config.listener(), System::nanoTime));
  }

  /**
   * Calls through relays: through the relay that left they fail with {@link #failure}; through
   * any other the peer answers. Records each call's way. Used on the test's thread alone.
   */
  private final class Relays implements ControlTransport {
    final List<String> calls = new ArrayList<>();
    final Map<PeerId, PeerId> routes = new HashMap<>();
    Exception failure = new ControlException(ControlErrorCode.UNAVAILABLE, "the relay left");
    /** Whether a stream through the relay that left brings one answer before it fails. */
    boolean answerBeforeFailing;

    @Override
    public void routeThroughRelay(PeerId peer, InetSocketAddress relay,
        @Nullable PeerId relayPeer) {
      routes.put(peer, relayPeer);
    }

    @Override
    public CompletableFuture<byte[]> call(InetSocketAddress endpoint, @Nullable PeerId peer,
        ControlMethod method, byte[] request, Duration deadline) {
      PeerId via = routes.get(peer);
      calls.add("via " + via);
      if (gone.peerId().equals(via)) {
        return CompletableFuture.failedFuture(failure);
      }
      return CompletableFuture.completedFuture(answer());
    }

    @Override
    public CompletableFuture<byte[]> call(InetSocketAddress endpoint, ControlMethod method,
        byte[] request, Duration deadline) {
      return call(endpoint, null, method, request, deadline);
    }

    @Override
    public CompletableFuture<Void> callStreaming(InetSocketAddress endpoint, @Nullable PeerId peer,
        ControlMethod method, byte[] request, Duration deadline, Consumer<byte[]> onResponse) {
      PeerId via = routes.get(peer);
      calls.add("via " + via);
      if (gone.peerId().equals(via)) {
        if (answerBeforeFailing) {
          onResponse.accept(answer());
        }
        return CompletableFuture.failedFuture(failure);
      }
      onResponse.accept(answer());
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletableFuture<Void> callStreaming(InetSocketAddress endpoint, ControlMethod method,
        byte[] request, Duration deadline, Consumer<byte[]> onResponse) {
      return callStreaming(endpoint, null, method, request, deadline, onResponse);
    }

    private byte[] answer() {
      return new EnvelopeSealer(natted).seal(
          Payload.newBuilder().setPeerExchange(PeerExchange.getDefaultInstance())).toByteArray();
    }

    @Override
    public CompletableFuture<TransportServer> listen(InetSocketAddress address,
        ControlHandler handler) {
      return unreachable(address); // these tests only call out
    }

    @Override
    public void close() {}
  }
}
