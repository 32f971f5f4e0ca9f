package io.loudp2p.transport.grpc.internal;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.MethodDescriptor;
import io.grpc.netty.shaded.io.netty.channel.Channel;
import java.util.concurrent.TimeUnit;

/**
 * A channel to a peer through a relay: the gRPC channel that runs TLS over the relayed byte
 * stream, and the local end it dials, closed with it.
 */
final class RelayedChannel extends ManagedChannel {
  private final ManagedChannel channel;
  private final Channel bridge;

  RelayedChannel(ManagedChannel channel, Channel bridge) {
    this.channel = channel;
    this.bridge = bridge;
  }

  @Override
  public ManagedChannel shutdown() {
    channel.shutdown();
    bridge.close();
    return this;
  }

  @Override
  public boolean isShutdown() {
    return channel.isShutdown();
  }

  @Override
  public boolean isTerminated() {
    return channel.isTerminated();
  }

  @Override
  public ManagedChannel shutdownNow() {
    channel.shutdownNow();
    bridge.close();
    return this;
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
    return channel.awaitTermination(timeout, unit);
  }

  @Override
  public <Q, A> ClientCall<Q, A> newCall(MethodDescriptor<Q, A> method, CallOptions options) {
    return channel.newCall(method, options);
  }

  @Override
  public String authority() {
    return channel.authority();
  }

  @Override
  public ConnectivityState getState(boolean requestConnection) {
    return channel.getState(requestConnection);
  }
}
