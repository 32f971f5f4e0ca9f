package io.loudp2p.transport.grpc.internal;

import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.CHUNK;
import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.WAIT;
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

/** Every want gets its chunk or a documented refusal, whatever the index. */
class EveryWantAnsweredTest {
  private ChunkEndpoint endpoint;

  @BeforeEach
  void setUp() throws Exception {
    endpoint = new ChunkEndpoint(24);
  }

  @AfterEach
  void tearDown() throws Exception {
    endpoint.close();
  }

  private RawStream open(int... wants) {
    DataSessionId id = endpoint.provider.session(ChunkEndpoint.peer(1));
    return RawStream.open(endpoint.channel(), true).send(handshake(id, wants));
  }

  private static void await(java.util.concurrent.CompletableFuture<?> f) throws Exception {
    f.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Test
  void wantsPastTheSignedIntRangeAreAnsweredUnavailable() throws Exception {
    // uint32 4294967295 and 2147483648 on the wire: -1 and Integer.MIN_VALUE as Java ints.
    RawStream s = open(-1);
    await(s.unavailable(-1));
    s.send(want(Integer.MIN_VALUE, 24, 1));
    await(s.unavailable(Integer.MIN_VALUE));
    await(s.unavailable(24)); // one past the last chunk
    Await.until(() -> s.bytesOf(1) == CHUNK, WAIT, "chunk 1 still served");
    assertThat(s.closed).isNotDone();
  }

  @Test
  void aChunkOfNoBytesIsAnsweredUnavailable() throws Exception {
    endpoint.provider.empty.add(2);
    RawStream s = open(2, 3);
    await(s.unavailable(2));
    Await.until(() -> s.bytesOf(3) == CHUNK, WAIT, "chunk 3 served");
  }

  @Test
  void wantsSentBeforeTheReceiverHalfClosesAreAnsweredBeforeTheEnd() throws Exception {
    int[] all = new int[24];
    for (int i = 0; i < all.length; i++) {
      all[i] = i;
    }
    RawStream s = open(all);
    s.halfClose();

    Status status = s.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.OK);
    for (int c : all) {
      assertThat(s.bytesOf(c)).as("chunk %d", c).isEqualTo(CHUNK);
    }
  }
}
