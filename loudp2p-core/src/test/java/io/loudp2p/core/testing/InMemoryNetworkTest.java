package io.loudp2p.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.loudp2p.core.stream.internal.ChunkBuffer;
import io.loudp2p.core.stream.internal.ChunkVerifier;
import io.loudp2p.spi.ChunkProvider;
import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import io.loudp2p.spi.DataSession;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.TransportServer;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

class InMemoryNetworkTest {
  private static final int CHUNK = 16 * 1024;
  private static final Duration DEADLINE = Duration.ofSeconds(5);
  private static final InetSocketAddress ANY = new InetSocketAddress(0);

  private static DataSessionId id(int n) {
    byte[] b = new byte[DataSessionId.LENGTH];
    b[0] = (byte) n;
    return DataSessionId.fromBytes(b);
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  private static Throwable failure(CompletableFuture<?> f) {
    assertThat(f).isCompletedExceptionally();
    try {
      f.join();
      throw new AssertionError("not failed");
    } catch (CompletionException e) {
      return e.getCause();
    } catch (java.util.concurrent.CancellationException e) {
      return e;
    }
  }

  /** Serves one track, cut into 16 KiB chunks. */
  private static ChunkProvider provider(byte[] track) {
    return new ChunkProvider() {
      @Override
      public boolean accept(DataSessionId session, byte[] handshake, InetSocketAddress remote) {
        return true;
      }

      @Override
      public int chunkLength(DataSessionId session, int index) {
        long start = (long) index * CHUNK;
        return start >= track.length ? -1 : (int) Math.min(CHUNK, track.length - start);
      }

      @Override
      public void readChunk(DataSessionId session, int index, int offset, ByteBuffer dst) {
        dst.put(track, index * CHUNK + offset, dst.remaining());
      }
    };
  }

  /** Feeds a ChunkBuffer and records close reasons. */
  private static final class Sink implements DataSession.Listener {
    final ChunkBuffer<String> buffer;
    final List<DataSession.CloseReason> closes = new ArrayList<>();
    int fragments;

    Sink(int length) {
      int chunks = (length + CHUNK - 1) / CHUNK;
      buffer = new ChunkBuffer<>(length, CHUNK, chunks, chunks, ChunkVerifier.ACCEPT_ALL,
          (i, r, s) -> {});
    }

    @Override
    public void onFragment(int chunkIndex, int offset, ByteBuffer data) {
      fragments++;
      buffer.onFragment("src", chunkIndex, offset, data);
    }

    @Override
    public void onUnavailable(int chunkIndex) {}

    @Override
    public void onClosed(DataSession.CloseReason reason) {
      closes.add(reason);
    }

    boolean complete() {
      for (int c = 0; c < buffer.chunkCount(); c++) {
        if (!buffer.isVerified(c)) {
          return false;
        }
      }
      return true;
    }

    byte[] readAll() throws Exception {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      buffer.inputStream().transferTo(out);
      return out.toByteArray();
    }
  }

  private static byte[] track(long seed, int length) {
    byte[] t = new byte[length];
    new Random(seed).nextBytes(t);
    return t;
  }

  /** Requests every missing chunk until the track is complete, as a scheduler would. */
  private static int fetchWithRetries(DataSession session, Sink sink, int maxRounds) {
    for (int round = 1; round <= maxRounds; round++) {
      for (int c = 0; c < sink.buffer.chunkCount(); c++) {
        if (!sink.buffer.isVerified(c)) {
          session.request(c);
        }
      }
      if (sink.complete()) {
        return round;
      }
    }
    throw new AssertionError("track incomplete after " + maxRounds + " rounds");
  }

  @Test
  void handsOutLoopbackAddresses() {
    InMemoryNetwork network = InMemoryNetwork.builder().build();
    InMemoryTransport a = network.newTransport();
    InMemoryTransport b = network.newTransport();
    assertThat(a.host().getHostAddress()).isEqualTo("127.0.0.1");
    assertThat(b.host().getHostAddress()).isEqualTo("127.0.0.2");
    TransportServer server = a.serve(ANY, provider(new byte[1])).join();
    assertThat(server.address().getPort()).isEqualTo(InMemoryNetwork.FIRST_EPHEMERAL_PORT);
    assertThat(server.address().getAddress()).isEqualTo(a.host());
    assertThat(server.address().getAddress().isLoopbackAddress()).isTrue();
  }

  @Test
  void survivesDroppedDuplicatedAndReorderedFragments() throws Exception {
    InMemoryNetwork network = InMemoryNetwork.builder().seed(42).build();
    network.dropProbability(0.1);
    network.duplicateProbability(0.1);
    network.reorderProbability(0.2);
    byte[] track = track(1, 20 * CHUNK + 100);
    TransportServer server = network.newTransport().serve(ANY, provider(track)).join();
    Sink sink = new Sink(track.length);
    DataSession session = network.newTransport().open(server.address(), id(1), new byte[0], sink).join();

    int rounds = fetchWithRetries(session, sink, 20);

    assertThat(rounds).as("losses needed re-requests").isGreaterThan(1);
    assertThat(network.fragmentsDropped()).isPositive();
    assertThat(sink.buffer.stats().duplicateFragments()).isPositive();
    assertThat(sink.readAll()).isEqualTo(track);
    assertThat(network.largestFragment()).isEqualTo(InMemoryNetwork.MAX_FRAGMENT_PAYLOAD);
  }

  @Test
  void sameSeedSameImpairments() {
    long[] dropped = new long[2];
    for (int run = 0; run < 2; run++) {
      InMemoryNetwork network = InMemoryNetwork.builder().seed(9).build();
      network.dropProbability(0.3);
      byte[] track = track(2, 10 * CHUNK);
      TransportServer server = network.newTransport().serve(ANY, provider(track)).join();
      Sink sink = new Sink(track.length);
      DataSession session =
          network.newTransport().open(server.address(), id(1), new byte[0], sink).join();
      fetchWithRetries(session, sink, 50);
      dropped[run] = network.fragmentsDropped();
    }
    assertThat(dropped[0]).isPositive().isEqualTo(dropped[1]);
  }

  @Test
  void aFilterDecidesEachFragment() {
    InMemoryNetwork network = InMemoryNetwork.builder().build();
    network.fragmentFilter(
        (source, chunk, offset) ->
            chunk == 1 && offset == 0 ? InMemoryNetwork.FragmentFate.DROP
                : InMemoryNetwork.FragmentFate.DELIVER);
    byte[] track = track(3, 3 * CHUNK);
    TransportServer server = network.newTransport().serve(ANY, provider(track)).join();
    Sink sink = new Sink(track.length);
    DataSession session = network.newTransport().open(server.address(), id(1), new byte[0], sink).join();
    for (int c = 0; c < 3; c++) {
      session.request(c);
    }
    assertThat(sink.buffer.isVerified(0)).isTrue();
    assertThat(sink.buffer.isVerified(1)).isFalse();
    assertThat(sink.buffer.isVerified(2)).isTrue();
    assertThat(network.fragmentsDropped()).isEqualTo(1);
  }

  @Test
  void manualDeliveryRunsOnlyWhenPumped() {
    InMemoryNetwork network =
        InMemoryNetwork.builder().delivery(InMemoryNetwork.Delivery.MANUAL).build();
    byte[] track = track(4, CHUNK);
    TransportServer server = network.newTransport().serve(ANY, provider(track)).join();
    Sink sink = new Sink(track.length);
    CompletableFuture<DataSession> opening =
        network.newTransport().open(server.address(), id(1), new byte[0], sink);
    assertThat(opening).isNotDone();
    assertThat(network.runNext()).isTrue();
    DataSession session = opening.join();
    session.request(0);
    assertThat(network.pending()).isEqualTo(1);
    network.runNext(); // the request reaches the source
    network.runNext(); // one fragment
    assertThat(sink.fragments).isEqualTo(1);
    network.runUntilIdle();
    assertThat(sink.complete()).isTrue();
    assertThat(network.runNext()).isFalse();
  }

  @Test
  void aKilledSourceFallsSilentAndACutOneEndsItsSessions() {
    InMemoryNetwork network = InMemoryNetwork.builder().build();
    byte[] track = track(5, 4 * CHUNK);
    TransportServer server = network.newTransport().serve(ANY, provider(track)).join();
    Sink cutSink = new Sink(track.length);
    network.newTransport().open(server.address(), id(1), new byte[0], cutSink).join();
    network.cut(server.address());
    assertThat(cutSink.closes).containsExactly(DataSession.CloseReason.CONNECTION_LOST);

    Sink sink = new Sink(track.length);
    DataSession session = network.newTransport().open(server.address(), id(2), new byte[0], sink).join();
    session.request(0);
    assertThat(sink.buffer.isVerified(0)).isTrue();
    network.kill(server.address());
    session.request(1);
    assertThat(sink.fragments).isEqualTo(14);
    assertThat(sink.closes).isEmpty();
    assertThat(
            failure(network.newTransport().open(server.address(), id(3), new byte[0], new Sink(1))))
        .isInstanceOf(ControlException.class)
        .hasMessageContaining("UNAVAILABLE");
  }

  @Test
  void rejectsImpossibleProbabilities() {
    InMemoryNetwork network = InMemoryNetwork.builder().build();
    assertThatThrownBy(() -> network.dropProbability(1.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("drop probability");
    assertThatThrownBy(() -> network.reorderProbability(Double.NaN))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> network.advance(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ------------------------------------------------------------------ control plane

  @Test
  void answersUnaryAndStreamingCalls() {
    InMemoryNetwork network = InMemoryNetwork.builder().build();
    InMemoryTransport server = network.newTransport();
    InMemoryTransport client = network.newTransport();
    List<InetSocketAddress> remotes = new ArrayList<>();
    TransportServer listening =
        server
            .listen(
                ANY,
                (request, remote, method, responder) -> {
                  remotes.add(remote);
                  if (!method.streaming()) {
                    responder.reply(bytes("pong:" + text(request)));
                  } else {
                    for (int i = 0; i < 3; i++) {
                      responder.next(bytes("hit" + i));
                    }
                    responder.complete();
                  }
                })
            .join();

    assertThat(text(client.call(listening.address(), ControlMethod.EXCHANGE_PEERS, bytes("ping"), DEADLINE).join()))
        .isEqualTo("pong:ping");
    List<String> hits = new ArrayList<>();
    client.callStreaming(listening.address(), ControlMethod.SEARCH, bytes("q"), DEADLINE, b -> hits.add(text(b))).join();
    assertThat(hits).containsExactly("hit0", "hit1", "hit2");
    assertThat(remotes).containsOnly(client.clientAddress());
  }

  @Test
  void carriesErrorCodesAndTurnsHandlerExceptionsIntoInternal() {
    InMemoryNetwork network = InMemoryNetwork.builder().build();
    InMemoryTransport server = network.newTransport();
    InMemoryTransport client = network.newTransport();
    TransportServer listening =
        server
            .listen(
                ANY,
                (request, remote, method, responder) -> {
                  if (text(request).equals("throw")) {
                    throw new IllegalStateException("bug");
                  }
                  responder.fail(ControlErrorCode.NOT_FOUND, "unknown track");
                })
            .join();

    assertThat(failure(client.call(listening.address(), ControlMethod.EXCHANGE_PEERS, bytes("x"), DEADLINE)))
        .isInstanceOf(ControlException.class)
        .hasMessage("NOT_FOUND: unknown track");
    assertThat(failure(client.call(listening.address(), ControlMethod.EXCHANGE_PEERS, bytes("throw"), DEADLINE)))
        .isInstanceOfSatisfying(
            ControlException.class, e -> assertThat(e.code()).isEqualTo(ControlErrorCode.INTERNAL));
    InetSocketAddress nobody = new InetSocketAddress(server.host(), 9);
    assertThat(failure(client.call(nobody, ControlMethod.EXCHANGE_PEERS, bytes("x"), DEADLINE)))
        .isInstanceOfSatisfying(
            ControlException.class,
            e -> assertThat(e.code()).isEqualTo(ControlErrorCode.UNAVAILABLE));
  }

  @Test
  void responderEnforcesItsContract() {
    InMemoryNetwork network = InMemoryNetwork.builder().build();
    InMemoryTransport server = network.newTransport();
    List<Throwable> errors = new ArrayList<>();
    TransportServer listening =
        server
            .listen(
                ANY,
                (request, remote, method, responder) -> {
                  try {
                    responder.next(bytes("not allowed on unary"));
                  } catch (IllegalStateException e) {
                    errors.add(e);
                  }
                  responder.reply(bytes("ok"));
                  try {
                    responder.reply(bytes("twice"));
                  } catch (IllegalStateException e) {
                    errors.add(e);
                  }
                })
            .join();
    assertThat(text(network.newTransport().call(listening.address(), ControlMethod.EXCHANGE_PEERS, bytes("x"), DEADLINE).join()))
        .isEqualTo("ok");
    assertThat(errors).hasSize(2);
  }

  @Test
  void deadlinesRunOnTheNetworkClock() {
    InMemoryNetwork network = InMemoryNetwork.builder().build();
    InMemoryTransport server = network.newTransport();
    List<io.loudp2p.spi.ControlResponder> held = new ArrayList<>();
    TransportServer listening =
        server.listen(ANY, (request, remote, method, responder) -> held.add(responder)).join();
    CompletableFuture<byte[]> call =
        network.newTransport().call(listening.address(), ControlMethod.EXCHANGE_PEERS, bytes("x"), Duration.ofMillis(500));
    network.advance(Duration.ofMillis(499));
    assertThat(call).isNotDone();
    assertThat(held.get(0).isCancelled()).isFalse();
    network.advance(Duration.ofMillis(1));
    assertThat(failure(call)).isInstanceOf(TimeoutException.class);
    assertThat(held.get(0).isCancelled()).isTrue();
    held.get(0).reply(bytes("too late")); // accepted and ignored
    assertThatThrownBy(
            () -> network.newTransport().call(listening.address(), ControlMethod.EXCHANGE_PEERS, bytes("x"), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deadline");
  }

  @Test
  void aKilledPeerNeverAnswers() {
    InMemoryNetwork network = InMemoryNetwork.builder().build();
    InMemoryTransport server = network.newTransport();
    TransportServer listening =
        server.listen(ANY, (request, remote, method, r) -> r.reply(request)).join();
    network.kill(listening.address());
    CompletableFuture<byte[]> call =
        network.newTransport().call(listening.address(), ControlMethod.EXCHANGE_PEERS, bytes("x"), Duration.ofSeconds(1));
    assertThat(call).isNotDone();
    network.advance(Duration.ofSeconds(1));
    assertThat(failure(call)).isInstanceOf(TimeoutException.class);
  }

  @Test
  void closingFailsOutstandingCallsAndLaterOnes() {
    InMemoryNetwork network = InMemoryNetwork.builder().build();
    InMemoryTransport server = network.newTransport();
    InMemoryTransport client = network.newTransport();
    TransportServer listening = server.listen(ANY, (request, remote, method, r) -> {}).join();
    CompletableFuture<byte[]> pending = client.call(listening.address(), ControlMethod.EXCHANGE_PEERS, bytes("x"), DEADLINE);
    client.close();
    client.close();
    assertThat(failure(pending)).hasMessageContaining("UNAVAILABLE");
    assertThat(failure(client.call(listening.address(), ControlMethod.EXCHANGE_PEERS, bytes("x"), DEADLINE)))
        .hasMessageContaining("transport closed");
    CompletableFuture<byte[]> held =
        network.newTransport().call(listening.address(), ControlMethod.EXCHANGE_PEERS, bytes("x"), DEADLINE);
    assertThat(held).isNotDone();
    server.close();
    assertThat(failure(held)).hasMessage("UNAVAILABLE: server closed");
    assertThat(failure(network.newTransport().call(listening.address(), ControlMethod.EXCHANGE_PEERS, bytes("x"), DEADLINE)))
        .hasMessageContaining("nothing listens");
  }

  @Test
  void refusesAnAddressInUseAndOversizedRequests() {
    InMemoryNetwork network = InMemoryNetwork.builder().build();
    InMemoryTransport server = network.newTransport();
    TransportServer first =
        server.listen(ANY, (request, remote, method, r) -> r.reply(request)).join();
    assertThat(failure(server.listen(first.address(), (request, remote, method, r) -> {})))
        .hasMessageContaining("address in use");
    byte[] huge = new byte[io.loudp2p.spi.TransportOptions.DEFAULT_MAX_MESSAGE_BYTES + 1];
    assertThat(failure(network.newTransport().call(first.address(), ControlMethod.EXCHANGE_PEERS, huge, DEADLINE)))
        .isInstanceOfSatisfying(
            ControlException.class,
            e -> assertThat(e.code()).isEqualTo(ControlErrorCode.RESOURCE_EXHAUSTED));
  }
}
