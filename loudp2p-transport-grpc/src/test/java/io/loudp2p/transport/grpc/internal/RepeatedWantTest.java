package io.loudp2p.transport.grpc.internal;

import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.CHUNK;
import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.WAIT;
import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.cancel;
import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.handshake;
import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.want;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.loudp2p.core.testing.Await;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.transport.grpc.internal.ChunkEndpoint.RawStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Wants of a chunk already queued, being sent or sent: no copies without end. */
class RepeatedWantTest {
  private ChunkEndpoint endpoint;

  @BeforeEach
  void setUp() throws Exception {
    endpoint = new ChunkEndpoint(64);
  }

  @AfterEach
  void tearDown() throws Exception {
    endpoint.close();
  }

  private RawStream open() throws Exception {
    DataSessionId id = endpoint.provider.session(ChunkEndpoint.peer(1));
    RawStream s = RawStream.open(endpoint.channel(), true).send(handshake(id));
    s.accepted.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    return s;
  }

  @Test
  void wantingOneChunkOverAndOverEndsTheSessionWithoutSendingItOverAndOver() throws Exception {
    RawStream s = open();
    int wants = 20_000;
    for (int i = 0; i < wants && !s.closed.isDone(); i++) {
      s.send(want(0));
    }

    Status status = s.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription()).contains("wanted again");
    // At most one copy for the first want and one for each repeat the session was allowed.
    assertThat(s.bytesOf(0)).isLessThanOrEqualTo((WantLedger.MAX_REPEATED_WANTS + 1L) * CHUNK);
    Await.until(() -> endpoint.source().liveSessions() == 0, WAIT, "the session freed");
  }

  @Test
  void aChunkWantedTwiceInOneRequestIsSentOnce() throws Exception {
    RawStream s = open();
    s.send(want(3, 3, 3, 4));
    Await.until(() -> s.bytesOf(4) == CHUNK, WAIT, "chunk 4 delivered");
    assertThat(s.bytesOf(3)).isEqualTo(CHUNK);
    assertThat(s.closed).isNotDone();
  }

  @Test
  void endgameCancelsAndRequestsAgainAreNotCounted() throws Exception {
    RawStream s = open();
    // Far more rounds than the repeat limit: each cancel makes the next want a new one.
    int rounds = 3 * WantLedger.MAX_REPEATED_WANTS;
    for (int i = 0; i < rounds; i++) {
      s.send(want(5)).send(cancel(5));
    }
    s.send(want(5));
    // And cancels of chunks already delivered, then wanted again, are new wants too.
    for (int i = 0; i < 20; i++) {
      long had = s.bytesOf(6);
      s.send(want(6));
      Await.until(() -> s.bytesOf(6) >= had + CHUNK, WAIT, "chunk 6 delivered again");
      s.send(cancel(6));
    }
    Await.until(() -> s.bytesOf(5) >= CHUNK, WAIT, "chunk 5 delivered after the last want");
    assertThat(s.closed).isNotDone();
  }

  @Test
  void seekingBackGetsChunksAlreadySentAgain() throws Exception {
    RawStream s = open();
    int[] all = new int[32];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    // A player that reads them, releases them and seeks back to the start, a dozen times over:
    // every pass is answered in full.
    int passes = 12;
    for (int pass = 1; pass <= passes; pass++) {
      s.send(want(all));
      long expected = (long) pass * CHUNK;
      Await.until(() -> s.bytesOf(31) == expected, WAIT, "pass " + pass + " delivered");
    }
    for (int c : all) {
      assertThat(s.bytesOf(c)).as("chunk %d", c).isEqualTo((long) passes * CHUNK);
    }
    assertThat(s.closed).isNotDone();
  }
}
