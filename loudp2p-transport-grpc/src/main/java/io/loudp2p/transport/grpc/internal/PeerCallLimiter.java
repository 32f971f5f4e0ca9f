package io.loudp2p.transport.grpc.internal;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
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

/**
 * Makes the caller's address available to handlers, and refuses with {@code RESOURCE_EXHAUSTED}
 * a call that would give one remote address more than its share of concurrent calls.
 *
 * <p>Thread-safe.
 */
final class PeerCallLimiter implements ServerInterceptor {
  static final Context.Key<InetSocketAddress> REMOTE = Context.key("loudp2p-remote");

  private final int maxConcurrentCallsPerPeer;
  /** Calls in flight per remote address; an address leaves the map with its last call. */
  private final ConcurrentHashMap<InetAddress, Integer> inFlight = new ConcurrentHashMap<>();

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
    InetAddress ip = remote.getAddress();
    if (!acquire(ip)) {
      call.close(Status.RESOURCE_EXHAUSTED.withDescription(
          "more than " + maxConcurrentCallsPerPeer + " concurrent calls from " + ip
              + "; retry later"), new Metadata());
      return new ServerCall.Listener<>() {};
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable done = () -> {
      if (released.compareAndSet(false, true)) {
        release(ip);
      }
    };
    // The slot is free once the call closes, before the caller can see its status: a caller that
    // waits for one call to end before it starts the next is never refused.
    ServerCall<ReqT, RespT> releasing = new ForwardingServerCall.SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        done.run();
        super.close(status, trailers);
      }
    };
    Context context = Context.current().withValue(REMOTE, remote);
    ServerCall.Listener<ReqT> delegate;
    try {
      delegate = Contexts.interceptCall(context, releasing, headers, next);
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

  private boolean acquire(InetAddress ip) {
    boolean[] taken = {false};
    inFlight.compute(ip, (a, n) -> {
      int calls = n == null ? 0 : n;
      if (calls >= maxConcurrentCallsPerPeer) {
        return n;
      }
      taken[0] = true;
      return calls + 1;
    });
    return taken[0];
  }

  private void release(InetAddress ip) {
    inFlight.computeIfPresent(ip, (a, n) -> n <= 1 ? null : n - 1);
  }

  /** The caller of the current call. */
  static InetSocketAddress remote() {
    InetSocketAddress remote = REMOTE.get();
    return remote != null ? remote : new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
  }
}
