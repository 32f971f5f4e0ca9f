package io.loudp2p.transport.grpc.internal;

import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ClientResponseObserver;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayFrame;
import org.jspecify.annotations.Nullable;

/**
 * Joins a netty channel to one relayed call (Connect or Accept) at a relay: the channel's bytes
 * go out as frames of at most {@link RelayLimits#maxFrameBytes()} and the frames that come back
 * are written to the channel. Reads from the channel wait while the call cannot take more, and
 * the call's next frame is asked for once the last one was written, so neither side buffers.
 * Closing either closes the other.
 *
 * <p>Confined to the channel's event loop, except gRPC's callbacks, which hop onto it.
 */
final class RelayBridge extends ChannelInboundHandlerAdapter {
  private final ManagedChannel relay;
  private final MethodDescriptor<RelayFrame, RelayFrame> method;
  private final RelayFrame first;
  private final int maxFrameBytes;
  private @Nullable ClientCallStreamObserver<RelayFrame> call;
  private boolean closed;

  /**
   * @param first the call's first frame: the peer to reach (Connect) or the connection (Accept)
   */
  RelayBridge(ManagedChannel relay, MethodDescriptor<RelayFrame, RelayFrame> method,
      RelayFrame first, int maxFrameBytes) {
    this.relay = relay;
    this.method = method;
    this.first = first;
    this.maxFrameBytes = maxFrameBytes;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.channel().config().setAutoRead(false);
    ClientCalls.asyncBidiStreamingCall(relay.newCall(method, CallOptions.DEFAULT),
        new ClientResponseObserver<RelayFrame, RelayFrame>() {
          @Override
          public void beforeStart(ClientCallStreamObserver<RelayFrame> requests) {
            call = requests;
            requests.disableAutoRequestWithInitial(1);
            requests.setOnReadyHandler(() -> ctx.executor().execute(() -> {
              if (!closed && requests.isReady()) {
                ctx.read();
              }
            }));
          }

          @Override
          public void onNext(RelayFrame frame) {
            ByteString data = frame.getData();
            ctx.executor().execute(() -> {
              if (closed) {
                return;
              }
              ctx.writeAndFlush(Unpooled.wrappedBuffer(data.asReadOnlyByteBuffer()))
                  .addListener(f -> {
                    ClientCallStreamObserver<RelayFrame> c = call;
                    if (f.isSuccess() && c != null) {
                      c.request(1);
                    }
                  });
            });
          }

          @Override
          public void onError(Throwable t) {
            ctx.executor().execute(() -> close(ctx, null));
          }

          @Override
          public void onCompleted() {
            ctx.executor().execute(() -> close(ctx, null));
          }
        });
    ClientCallStreamObserver<RelayFrame> c = call;
    if (c != null) {
      c.onNext(first);
    }
    ctx.read();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    ByteBuf buf = (ByteBuf) msg;
    try {
      ClientCallStreamObserver<RelayFrame> c = call;
      if (c == null || closed) {
        return;
      }
      while (buf.isReadable()) {
        int n = Math.min(maxFrameBytes, buf.readableBytes());
        byte[] bytes = new byte[n];
        buf.readBytes(bytes);
        c.onNext(RelayFrame.newBuilder().setData(ByteString.copyFrom(bytes)).build());
      }
    } finally {
      buf.release();
    }
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    ClientCallStreamObserver<RelayFrame> c = call;
    if (c != null && !closed && c.isReady()) {
      ctx.read();
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    close(ctx, null);
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    close(ctx, cause);
  }

  private void close(ChannelHandlerContext ctx, @Nullable Throwable cause) {
    if (closed) {
      return;
    }
    closed = true;
    ClientCallStreamObserver<RelayFrame> c = call;
    if (c != null) {
      try {
        if (cause == null) {
          c.onCompleted();
        } else {
          c.onError(Status.CANCELLED.withDescription(cause.getMessage()).asRuntimeException());
        }
      } catch (RuntimeException alreadyEnded) {
        // The call ended first.
      }
    }
    ctx.close();
  }
}
