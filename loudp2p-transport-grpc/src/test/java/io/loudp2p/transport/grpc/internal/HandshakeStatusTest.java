package io.loudp2p.transport.grpc.internal;

import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.WAIT;
import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.handshake;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.loudp2p.core.testing.Await;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.transport.grpc.internal.ChunkEndpoint.RawStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What the first request of a FetchChunks stream gets when the source does not serve it
 * (PROTOCOL.md section 5): a session it does not know, a handshake that is not the agreed one, and
 * a second stream of a session already open each end with their own status, named in the
 * description.
 */
class HandshakeStatusTest {
  private ChunkEndpoint endpoint;

  @BeforeEach
  void setUp() throws Exception {
    endpoint = new ChunkEndpoint(4);
  }

  @AfterEach
  void tearDown() throws Exception {
    endpoint.close();
  }

  private Status endOf(RawStream s) throws Exception {
    return s.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Test
  void aSessionTheSourceDoesNotKnowIsAFailedPrecondition() throws Exception {
    byte[] b = new byte[DataSessionId.LENGTH];
    b[0] = 0x77;
    DataSessionId unknown = DataSessionId.fromBytes(b);
    Status status = endOf(RawStream.open(endpoint.channel(), true).send(handshake(unknown, 0)));
    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).contains("knows no session " + unknown);
  }

  @Test
  void aHandshakeThatIsNotTheAgreedOneIsUnauthenticated() throws Exception {
    DataSessionId id = endpoint.provider.session(ChunkEndpoint.peer(1));
    Status status = endOf(RawStream.open(endpoint.channel(), true)
        .send(handshake(id, 0).toBuilder().setHandshake(ByteString.copyFromUtf8("forged")).build()));
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(status.getDescription()).contains("handshake");
  }

  @Test
  void aSecondStreamOfAnOpenSessionIsUnauthenticatedAndTheFirstGoesOn() throws Exception {
    DataSessionId id = endpoint.provider.session(ChunkEndpoint.peer(1));
    endpoint.provider.acceptOnce(id);
    RawStream first = RawStream.open(endpoint.channel(), true).send(handshake(id));
    first.accepted.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    Status second = endOf(RawStream.open(endpoint.channel(), true).send(handshake(id, 0)));
    assertThat(second.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(second.getDescription()).contains("open already");
    first.send(ChunkEndpoint.want(1));
    assertThat(first.closed).isNotDone();
    Await.until(() -> first.bytesOf(1) == ChunkEndpoint.CHUNK, WAIT,
        "the first stream still served");
  }
}
