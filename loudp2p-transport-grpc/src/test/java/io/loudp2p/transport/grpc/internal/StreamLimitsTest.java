package io.loudp2p.transport.grpc.internal;

import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.CHUNK;
import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.WAIT;
import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.handshake;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.loudp2p.PeerId;
import io.loudp2p.core.testing.Await;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.transport.grpc.GrpcTransportOptions;
import io.loudp2p.transport.grpc.internal.ChunkEndpoint.RawStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Streams that hold a source's slots without using them: shared out, timed out, freed. */
class StreamLimitsTest {
  /** Every chunk of the track: far more than a receiver's flow-control window holds. */
  private static final int CHUNKS = 128;

  private ChunkEndpoint endpoint;

  @AfterEach
  void tearDown() throws Exception {
    endpoint.close();
  }

  private static int[] everyChunk() {
    int[] all = new int[CHUNKS];
    for (int i = 0; i < CHUNKS; i++) {
      all[i] = i;
    }
    return all;
  }

  private static TransportOptions timeouts(int handshakeMs, int stallMs) {
    return TransportOptions.builder()
        .settings(GrpcTransportOptions.builder()
            .dataHandshakeTimeout(Duration.ofMillis(handshakeMs))
            .dataStallTimeout(Duration.ofMillis(stallMs))
            .build())
        .build();
  }

  /**
   * Opens a session of {@code peer} that wants the whole track and reads no frame after the
   * first (the acceptance); returns once it was accepted or ended.
   */
  private RawStream neverRead(ManagedChannel channel, PeerId peer) throws Exception {
    DataSessionId id = endpoint.provider.session(peer);
    RawStream s = RawStream.open(channel, false);
    s.readOne();
    s.send(handshake(id, everyChunk()));
    CompletableFuture.anyOf(s.accepted, s.closed).get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    return s;
  }

  private void fetchesChunkZero(ManagedChannel channel, PeerId peer) throws Exception {
    DataSessionId id = endpoint.provider.session(peer);
    RawStream s = RawStream.open(channel, true).send(handshake(id, 0));
    Await.until(() -> s.bytesOf(0) == CHUNK || s.closed.isDone(), WAIT, "chunk 0 or an end");
    assertThat(s.closed).as("the session of %s", peer).isNotDone();
    assertThat(s.bytesOf(0)).isEqualTo(CHUNK);
  }

  @Test
  void onePeerThatNeverReadsCannotTakeTheWholeAddress() throws Exception {
    // Timeouts far beyond the test: only the shares keep room here.
    endpoint = new ChunkEndpoint(CHUNKS, timeouts(60_000, 60_000));
    int budget = GrpcTransportOptions.DEFAULT_MAX_CONCURRENT_CALLS_PER_PEER;
    ManagedChannel attacker = endpoint.channel(64 * 1024);
    PeerId greedy = ChunkEndpoint.peer(1);
    List<RawStream> held = new ArrayList<>();
    for (int i = 0; i < budget; i++) {
      held.add(neverRead(attacker, greedy));
    }
    // The streams past the peer's share are refused; the others stay open, unread.
    for (int i = 0; i < budget; i++) {
      RawStream s = held.get(i);
      if (i < ChunkStreamSource.MAX_SESSIONS_PER_PEER) {
        assertThat(s.accepted).isDone();
        assertThat(s.closed).isNotDone();
      } else {
        Status status = s.closed.get();
        assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
        assertThat(status.getDescription()).contains("sessions of peer");
      }
    }

    // Another client behind the same address (127.0.0.1) is served.
    fetchesChunkZero(endpoint.channel(), ChunkEndpoint.peer(2));
  }

  @Test
  void streamsWhoseReceiverDoesNotReadAreEndedAfterTheStallTimeout() throws Exception {
    endpoint = new ChunkEndpoint(CHUNKS, timeouts(60_000, 300));
    ManagedChannel attacker = endpoint.channel(64 * 1024);
    List<RawStream> held = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      held.add(neverRead(attacker, ChunkEndpoint.peer(10 + i)));
    }

    ChunkStreamSource source = endpoint.source();
    Await.until(() -> source.liveSessions() == 0, WAIT,
        "stalled sessions ended, " + source.liveSessions() + " live");
    // Their unsent frames wait in the connection for a receiver that does not read: the calls
    // are not over until it reads or leaves (what MAX_STREAMS_PER_CONNECTION bounds).
    assertThat(source.openCalls()).isEqualTo(8);
    Await.until(() -> endpoint.provider.closed.get() == 8, WAIT, "the provider told of each end");
    for (RawStream s : held) {
      s.read(); // the status comes after the frames in flight
      Status status = s.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(status.getDescription()).contains("did not read");
    }
    Await.until(() -> source.openCalls() == 0, WAIT, "the calls over once read");
  }

  @Test
  void oneConnectionKeepsAtMostItsShareOfStreamsEndedButNotRead() throws Exception {
    endpoint = new ChunkEndpoint(CHUNKS, timeouts(60_000, 200));
    ManagedChannel attacker = endpoint.channel(64 * 1024);
    ChunkStreamSource source = endpoint.source();
    int cap = ChunkStreamSource.MAX_STREAMS_PER_CONNECTION;
    int batch = ChunkStreamSource.MAX_SESSIONS_PER_PEER;
    for (int i = 0; i < cap; i++) {
      neverRead(attacker, ChunkEndpoint.peer(1000 + i / batch));
      if ((i + 1) % batch == 0) {
        // Those stall and are ended before the next batch: the live shares never refuse one.
        Await.until(() -> source.liveSessions() == 0, WAIT, "streams ended on their stall");
      }
    }
    assertThat(source.openCalls()).isEqualTo(cap);

    // HTTP/2 lets the connection carry no more: the next call never reaches the source.
    RawStream past = RawStream.open(attacker, true, Duration.ofMillis(500));
    Status status = past.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(source.openCalls()).isEqualTo(cap);
    // Other clients are served.
    fetchesChunkZero(endpoint.channel(), ChunkEndpoint.peer(3));
  }

  @Test
  void streamsThatNeverHandshakeAreEndedAfterTheHandshakeTimeout() throws Exception {
    endpoint = new ChunkEndpoint(CHUNKS, timeouts(300, 60_000));
    ManagedChannel attacker = endpoint.channel();
    List<RawStream> held = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      held.add(RawStream.open(attacker, true));
    }

    for (RawStream s : held) {
      Status status = s.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
      assertThat(status.getDescription()).contains("handshake");
    }
    ChunkStreamSource source = endpoint.source();
    Await.until(() -> source.liveSessions() == 0 && source.openCalls() == 0, WAIT,
        "streams without a handshake freed");
  }

  @Test
  void streamsWithoutAHandshakeHaveAShareOfTheirConnection() throws Exception {
    endpoint = new ChunkEndpoint(CHUNKS, timeouts(60_000, 60_000));
    ManagedChannel attacker = endpoint.channel();
    int share = ChunkStreamSource.MAX_UNIDENTIFIED_PER_CLIENT;
    List<RawStream> held = new ArrayList<>();
    for (int i = 0; i < share; i++) {
      held.add(RawStream.open(attacker, true));
    }
    Await.until(() -> endpoint.source().liveSessions() == share, WAIT, "the silent streams open");
    RawStream oneTooMany = RawStream.open(attacker, true);

    Status status = oneTooMany.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("without a handshake");
    assertThat(held).allSatisfy(s -> assertThat(s.closed).isNotDone());
    // Another client at that address is served.
    fetchesChunkZero(endpoint.channel(), ChunkEndpoint.peer(3));
  }

  @Test
  void oneConnectionLeavesAShareOfItsAddressToOthers() throws Exception {
    endpoint = new ChunkEndpoint(CHUNKS, timeouts(60_000, 60_000));
    ManagedChannel greedy = endpoint.channel();
    int share = ChunkStreamSource.MAX_STREAMS_PER_CLIENT;
    List<RawStream> held = new ArrayList<>();
    for (int i = 0; i < share; i++) {
      // Several peer IDs on one connection, each within its own share, all accepted.
      DataSessionId id = endpoint.provider.session(
          ChunkEndpoint.peer(100 + i / ChunkStreamSource.MAX_SESSIONS_PER_PEER));
      RawStream s = RawStream.open(greedy, true).send(handshake(id));
      s.accepted.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      held.add(s);
    }
    DataSessionId more = endpoint.provider.session(ChunkEndpoint.peer(999));
    RawStream oneTooMany = RawStream.open(greedy, true).send(handshake(more));

    Status status = oneTooMany.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("on one connection");
    assertThat(held).allSatisfy(s -> assertThat(s.closed).isNotDone());
    // The address's remaining calls are another client's.
    fetchesChunkZero(endpoint.channel(), ChunkEndpoint.peer(3));
  }
}
