package io.loudp2p.transport.grpc.internal;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Makes the caller's address available to handlers, and refuses with {@code RESOURCE_EXHAUSTED}
 * a call that would give one remote address more than its share of concurrent calls.
 *
 * <p>Thread-safe.
 */
final class PeerCallLimiter implements ServerInterceptor {
  static final Context.Key<InetSocketAddress> REMOTE = Context.key("loudp2p-remote");

  private final int maxConcurrentCallsPerPeer;
  private final ConcurrentHashMap<InetAddress, AtomicInteger> inFlight = new ConcurrentHashMap<>();

  PeerCallLimiter(int maxConcurrentCallsPerPeer) {
    this.maxConcurrentCallsPerPeer = maxConcurrentCallsPerPeer;
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(
      ServerCall<ReqT, RespT> call, Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
    InetSocketAddress remote = address instanceof InetSocketAddress
        ? (InetSocketAddress) address
        : new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    AtomicInteger count = inFlight.computeIfAbsent(remote.getAddress(), a -> new AtomicInteger());
    if (count.incrementAndGet() > maxConcurrentCallsPerPeer) {
      release(remote.getAddress(), count);
      call.close(Status.RESOURCE_EXHAUSTED.withDescription(
          "more than " + maxConcurrentCallsPerPeer + " concurrent calls from " + remote.getAddress()
              + "; retry later"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable done = () -> {
      if (released.compareAndSet(false, true)) {
        release(remote.getAddress(), count);
      }
    };
    Context context = Context.current().withValue(REMOTE, remote);
    ServerCall.Listener<ReqT> delegate;
    try {
      delegate = Contexts.interceptCall(context, call, headers, next);
    } catch (RuntimeException e) {
      done.run();
      throw e;
    }
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onComplete() {
        done.run();
        super.onComplete();
      }

      @Override
      public void onCancel() {
        done.run();
        super.onCancel();
      }
    };
  }

  private void release(InetAddress address, AtomicInteger count) {
    if (count.decrementAndGet() == 0) {
      inFlight.remove(address, count);
    }
  }

  /** The caller of the current call. */
  static InetSocketAddress remote() {
    InetSocketAddress remote = REMOTE.get();
    return remote != null ? remote : new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }
}
