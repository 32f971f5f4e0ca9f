package io.loudp2p.transport.grpc.internal;

import static io.loudp2p.transport.grpc.internal.ChunkEndpoint.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.loudp2p.spi.DataSessionId;
import io.loudp2p.spi.TransportOptions;
import io.loudp2p.spi.TransportServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where each method is served (PROTOCOL.md section 5): the control methods at a peer's control
 * address, {@code FetchChunks} at the data endpoint a stream's acceptance names; the data server
 * answers the control methods {@code UNIMPLEMENTED}, and the control server answers {@code
 * FetchChunks} {@code FAILED_PRECONDITION}, saying where chunks are fetched.
 */
class ServiceSeparationTest {
  private static final MethodDescriptor<byte[], byte[]> EXCHANGE_RAW =
      MethodDescriptor.newBuilder(RawBytesMarshaller.INSTANCE, RawBytesMarshaller.INSTANCE)
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName("loudp2p.v1.Loudp2p/ExchangePeers")
          .build();

  private final GrpcControlTransport control = new GrpcControlTransport(TransportOptions.defaults());
  private ChunkEndpoint data;
  private ManagedChannel toControl;

  @AfterEach
  void tearDown() throws Exception {
    if (toControl != null) {
      toControl.shutdownNow();
    }
    control.close();
    if (data != null) {
      data.close();
    }
  }

  @Test
  void theDataEndpointServesOnlyFetchChunks() throws Exception {
    data = new ChunkEndpoint(4);
    assertThatThrownBy(() -> ClientCalls.blockingUnaryCall(data.channel(), EXCHANGE_RAW,
        CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS), new byte[] {1, 2, 3}))
        .isInstanceOfSatisfying(StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED));
  }

  @Test
  void theControlAddressDoesNotServeFetchChunks() throws Exception {
    TransportServer server = control.listen(
        new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
        (request, remote, method, responder) -> responder.reply(request))
        .get(5, TimeUnit.SECONDS);
    toControl = NettyChannelBuilder.forAddress(server.address()).usePlaintext().build();
    byte[] id = new byte[DataSessionId.LENGTH];
    ChunkEndpoint.RawStream s = ChunkEndpoint.RawStream.open(toControl, true)
        .send(ChunkEndpoint.handshake(DataSessionId.fromBytes(id), 0));
    Status status = s.closed.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(status.getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    assertThat(status.getDescription()).contains("data endpoint");
  }
}
