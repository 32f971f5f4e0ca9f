package io.loudp2p.core.testing;

import io.loudp2p.spi.ControlErrorCode;
import io.loudp2p.spi.ControlException;
import io.loudp2p.spi.ControlMethod;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The caller's side of one control request on an {@link InMemoryTransport}: it carries a copy of
 * the request to the server listening at the endpoint, carries the responses back, and ends the
 * call at its deadline.
 *
 * <p>Everything it delivers is a network task. Completion is guarded by the call's future: once it
 * is done, whatever still arrives is dropped. Made and started once per call.
 */
final class InMemoryExchange {
  private static final byte[] EMPTY = new byte[0];

  private final InMemoryTransportState state;
  private final InMemoryNetwork network;
  private final ControlMethod method;
  private final boolean streaming;
  private final CompletableFuture<?> result;
  private final Consumer<byte[]> onResponse;
  private InMemoryNetwork.@Nullable Timer timer;
  /** One latency each way per exchange, so that a stream's responses keep their order. */
  private final long requestLatencyNs;
  private final long responseLatencyNs;

  /**
   * An exchange for {@code method} that completes {@code result} and hands each response to
   * {@code onResponse}. It draws its latencies now, request first, from the network's seeded
   * source.
   */
  InMemoryExchange(InMemoryTransportState state, ControlMethod method,
      CompletableFuture<?> result, Consumer<byte[]> onResponse) {
    this.state = state;
    this.network = state.network();
    this.method = method;
    this.streaming = method.streaming();
    this.result = result;
    this.onResponse = onResponse;
    this.requestLatencyNs = network.latencyNs();
    this.responseLatencyNs = network.latencyNs();
  }

  /** Whether the method streams its responses. */
  boolean streaming() {
    return streaming;
  }

  /** Whether the call is over, answered or not. */
  boolean isDone() {
    return result.isDone();
  }

  /** Runs {@code action} when the call is over, however it ended. */
  void whenDone(Runnable action) {
    result.whenComplete((r, e) -> action.run());
  }

  /** Sends the request to {@code endpoint}; the call fails if no answer ends it by the deadline. */
  void start(InetSocketAddress endpoint, byte[] request, Duration deadline) {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(request, "request");
    if (deadline.isNegative() || deadline.isZero()) {
      throw new IllegalArgumentException("deadline must be positive, got " + deadline);
    }
    if (!state.addCall(result)) {
      result.completeExceptionally(InMemoryTransportState.transportClosed());
      return;
    }
    result.whenComplete(
        (r, e) -> {
          state.removeCall(result);
          InMemoryNetwork.Timer t = timer;
          if (t != null) {
            network.cancel(t);
          }
        });
    int maxMessageBytes = state.maxMessageBytes();
    if (request.length > maxMessageBytes) {
      result.completeExceptionally(
          new ControlException(
              ControlErrorCode.RESOURCE_EXHAUSTED,
              "TOO_LARGE: a request of " + request.length + " bytes, the limit is "
                  + maxMessageBytes));
      return;
    }
    timer =
        network.schedule(
            deadline.toNanos(),
            () ->
                result.completeExceptionally(
                    new TimeoutException("no answer from " + endpoint + " within " + deadline)));
    byte[] wire = request.clone();
    network.deliverControl(requestLatencyNs, wire,
        () -> {
          if (result.isDone()) {
            return;
          }
          boolean silent = network.isSilent(state.clientAddress().getAddress(), endpoint);
          InMemoryControlServer server = silent ? null : network.controlServer(endpoint);
          if (server == null) {
            if (!silent) {
              result.completeExceptionally(
                  new ControlException(
                      ControlErrorCode.UNAVAILABLE, "nothing listens at " + endpoint));
            }
            return; // a killed peer never answers: the deadline ends the call
          }
          server.handle(wire, state.clientAddress(), method,
              new InMemoryResponder(network, this, endpoint));
        });
  }

  /** Carries one response back to the caller. */
  void deliver(byte[] response) {
    network.deliverControl(responseLatencyNs, response,
        () -> {
          if (!result.isDone()) {
            InMemoryTransportState.guard(() -> onResponse.accept(response));
          }
        });
  }

  /** Carries the end of the responses back: the call completes. */
  @SuppressWarnings("unchecked")
  void finish() {
    network.deliverControl(responseLatencyNs, EMPTY,
        () -> ((CompletableFuture<Object>) result).complete(null));
  }

  /** Carries a failure back: the call fails with {@code e}. */
  void fail(ControlException e) {
    network.deliverControl(responseLatencyNs, EMPTY, () -> result.completeExceptionally(e));
  }
}
