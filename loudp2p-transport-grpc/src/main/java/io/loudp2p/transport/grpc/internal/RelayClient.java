package io.loudp2p.transport.grpc.internal;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.bootstrap.Bootstrap;
import io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.channel.ChannelInitializer;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import io.grpc.netty.shaded.io.netty.channel.DefaultEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.local.LocalAddress;
import io.grpc.netty.shaded.io.netty.channel.local.LocalChannel;
import io.grpc.netty.shaded.io.netty.channel.local.LocalServerChannel;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.SocketChannel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContext;
import io.grpc.stub.StreamObserver;
import io.loudp2p.PeerId;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayEvent;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayFrame;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayGrpc;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayIncoming;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayReservation;
import io.loudp2p.transport.grpc.internal.proto.v1.ReserveRequest;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer's side of relays (PROTOCOL.md section 10). A peer that cannot be dialled {@link
 * #reserve}s at a relay and joins each connection the relay announces to its own gRPC server, as
 * if the dialling peer had connected to it; a peer that wants to reach such a peer {@link #dial}s
 * it through the relay and gets a gRPC channel whose TLS 1.3 connection runs end to end through
 * the relayed byte stream, checked against the peer expected, so the relay forwards what it
 * cannot read or forge.
 *
 * <p>Thread-safe.
 */
final class RelayClient implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(GrpcLoggers.RELAY);

  /** A reservation kept at a relay: granted with its limits, ended when its call ends. */
  record Reservation(CompletableFuture<RelayReservation> granted, CompletableFuture<Status> ended,
      Runnable cancel) {}

  private final int maxFrameBytes;
  private final int flowControlWindow;
  private final EventLoopGroup local = new DefaultEventLoopGroup(1);
  private final EventLoopGroup sockets = new NioEventLoopGroup(1);

  RelayClient(int maxFrameBytes) {
    this(maxFrameBytes, 0);
  }

  /** As above; channels it dials get a fixed HTTP/2 window of {@code flowControlWindow} (0: not). */
  RelayClient(int maxFrameBytes, int flowControlWindow) {
    this.maxFrameBytes = maxFrameBytes;
    this.flowControlWindow = flowControlWindow;
  }

  /**
   * Reserves at the relay {@code toRelay} reaches; each connection the relay announces is joined
   * to the one of {@code servers}, this peer's gRPC servers, whose port the dialler named, which
   * runs its TLS handshake with the dialler. A connection that names another port is accepted and
   * ended at once.
   */
  Reservation reserve(ManagedChannel toRelay, java.util.List<InetSocketAddress> servers) {
    CompletableFuture<RelayReservation> granted = new CompletableFuture<>();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    io.grpc.Context.CancellableContext context = io.grpc.Context.current().withCancellation();
    context.run(() -> RelayGrpc.newStub(toRelay).reserve(ReserveRequest.getDefaultInstance(),
        new StreamObserver<>() {
          @Override
          public void onNext(RelayEvent event) {
            if (event.hasReservation()) {
              granted.complete(event.getReservation());
            } else if (event.hasIncoming()) {
              int port = event.getIncoming().getTargetPort();
              InetSocketAddress server = servers.stream().filter(a -> a.getPort() == port)
                  .findFirst().orElse(null);
              if (server == null) {
                log.debug("a relayed connection asks for port {}, where this peer serves nothing",
                    port);
                refuse(toRelay, event.getIncoming().getConnectionId());
              } else {
                join(toRelay, event.getIncoming(), server);
              }
            }
          }

          @Override
          public void onError(Throwable t) {
            Status status = Status.fromThrowable(t);
            granted.completeExceptionally(status.asRuntimeException());
            ended.complete(status);
          }

          @Override
          public void onCompleted() {
            granted.completeExceptionally(Status.UNAVAILABLE
                .withDescription("the relay ended the reservation before granting it")
                .asRuntimeException());
            ended.complete(Status.OK);
          }
        }));
    return new Reservation(granted, ended, () -> context.cancel(null));
  }

  /** Accepts the announced connection {@code id} and ends it at once: it asked for nothing here. */
  private static void refuse(ManagedChannel toRelay, ByteString id) {
    StreamObserver<RelayFrame> accept =
        RelayGrpc.newStub(toRelay).accept(new NoopObserver<>());
    accept.onNext(RelayFrame.newBuilder().setConnectionId(id).build());
    accept.onCompleted();
  }

  /**
   * Joins the announced connection {@code incoming} to {@code ownServer}, which sees it come from
   * the dialler's address the relay named ({@link RelayedRemotes}).
   */
  private void join(ManagedChannel toRelay, RelayIncoming incoming, InetSocketAddress ownServer) {
    RelayFrame first = RelayFrame.newBuilder().setConnectionId(incoming.getConnectionId()).build();
    InetSocketAddress dialler = dialler(incoming);
    new Bootstrap().group(sockets).channel(NioSocketChannel.class)
        .handler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            if (dialler != null) {
              // Mapped before the bridge passes a byte: the server's TLS handshake, after which
              // it reads its connection's remote address, needs the dialler's bytes.
              ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
                @Override
                public void channelActive(ChannelHandlerContext ctx) {
                  RelayedRemotes.joined(ctx.channel().localAddress(), dialler);
                  ctx.fireChannelActive();
                }

                @Override
                public void channelInactive(ChannelHandlerContext ctx) {
                  RelayedRemotes.left(ctx.channel().localAddress());
                  ctx.fireChannelInactive();
                }
              });
            }
            ch.pipeline().addLast(
                new RelayBridge(toRelay, RelayGrpc.getAcceptMethod(), first, maxFrameBytes));
          }
        })
        .connect(ownServer).addListener(f -> {
          if (!f.isSuccess()) {
            log.warn("cannot join a relayed connection to this peer's server at {}: {}",
                ownServer, f.cause().getMessage());
          }
        });
  }

  /**
   * A channel to {@code target}'s gRPC endpoint at {@code port} through the relay {@code toRelay}
   * reaches, speaking TLS with {@code tls} (which must expect {@code target}) over the relayed
   * connection.
   */
  RelayedChannel dial(ManagedChannel toRelay, PeerId target, int port, SslContext tls,
      int maxMessageBytes) {
    LocalAddress address = new LocalAddress("loudp2p-relay-" + UUID.randomUUID());
    RelayFrame first = RelayFrame.newBuilder()
        .setTargetPeerId(ByteString.copyFrom(target.bytes())).setTargetPort(port).build();
    Channel bridge = new ServerBootstrap().group(local).channel(LocalServerChannel.class)
        .childHandler(new ChannelInitializer<LocalChannel>() {
          @Override
          protected void initChannel(LocalChannel ch) {
            ch.pipeline().addLast(
                new RelayBridge(toRelay, RelayGrpc.getConnectMethod(), first, maxFrameBytes));
          }
        })
        .bind(address).syncUninterruptibly().channel();
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(address);
    if (flowControlWindow > 0) {
      builder.flowControlWindow(flowControlWindow);
    }
    ManagedChannel channel = builder
        .channelType(LocalChannel.class)
        // gRPC sets SO_KEEPALIVE on every channel; a local one has no socket (netty would warn)
        .withOption(ChannelOption.SO_KEEPALIVE, null)
        .eventLoopGroup(local)
        .overrideAuthority("relayed.loudp2p")
        .sslContext(tls)
        .maxInboundMessageSize(maxMessageBytes)
        .build();
    return new RelayedChannel(channel, bridge);
  }

  /** The dialler's address {@code incoming} names, or null when it names none. */
  static @Nullable InetSocketAddress dialler(RelayIncoming incoming) {
    byte[] ip = incoming.getFromIp().toByteArray();
    int port = incoming.getFromPort();
    if ((ip.length != 4 && ip.length != 16) || port < 1 || port > 65535) {
      return null;
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(ip), port);
    } catch (UnknownHostException e) {
      return null; // not reached: the length is checked
    }
  }

  @Override
  public void close() {
    local.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    sockets.shutdownGracefully(0, 2, TimeUnit.SECONDS);
  }
}
