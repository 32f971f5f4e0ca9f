package io.loudp2p.transport.grpc.internal;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.loudp2p.transport.grpc.internal.proto.v1.RelayFrame;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jspecify.annotations.Nullable;

/**
 * One relayed connection: the frames of the dialling peer's {@code Connect} call go out on the
 * reserving peer's {@code Accept} call and the other way round, one frame in flight per direction
 * (a side is asked for its next frame only once the other side can take one, so a slow reader
 * slows the writer down instead of making the relay buffer), paced to the limits' rate, and ended
 * for both at the first end of either, or past the byte or time limit.
 *
 * <p>Thread-safe: both calls' callbacks and the pacing timer run under the splice's lock.
 */
final class RelaySplice {
  /** One call of the two: where its frames come from and where the other's go. */
  private final class Side {
    final ServerCallStreamObserver<RelayFrame> call;
    final RelayPacer pacer;
    /** The call's next frame waits for the other side to be ready. */
    boolean waiting;

    Side(ServerCallStreamObserver<RelayFrame> call) {
      this.call = call;
      this.pacer = new RelayPacer(limits.bytesPerSecond(), limits.burstBytes(), nanoTime);
    }
  }

  private final RelayLimits limits;
  private final LongSupplier nanoTime;
  private final ScheduledExecutorService timer;
  private final Side dialer;
  private final Side acceptor;
  private final Runnable onEnd;
  private final Consumer<ByteString> tap;
  private long bytes;
  private boolean ended;
  private @Nullable ScheduledFuture<?> deadline;

  RelaySplice(RelayLimits limits, LongSupplier nanoTime, ScheduledExecutorService timer,
      ServerCallStreamObserver<RelayFrame> dialer, ServerCallStreamObserver<RelayFrame> acceptor,
      Runnable onEnd, Consumer<ByteString> tap) {
    this.limits = limits;
    this.nanoTime = nanoTime;
    this.timer = timer;
    this.dialer = new Side(dialer);
    this.acceptor = new Side(acceptor);
    this.onEnd = onEnd;
    this.tap = tap;
  }

  /** Starts relaying: each side is asked for its first data frame. */
  synchronized void start() {
    deadline = timer.schedule(() -> end(Status.DEADLINE_EXCEEDED.withDescription(
        "a relayed connection lasts at most " + limits.maxConnection().toSeconds() + " s")),
        limits.maxConnection().toNanos(), TimeUnit.NANOSECONDS);
    dialer.call.request(1);
    acceptor.call.request(1);
  }

  /** A frame from the dialling side (true) or the accepting side (false). */
  synchronized void frame(boolean fromDialer, RelayFrame frame) {
    if (ended) {
      return;
    }
    Side from = fromDialer ? dialer : acceptor;
    Side to = fromDialer ? acceptor : dialer;
    ByteString data = frame.getData();
    if (!frame.getTargetPeerId().isEmpty() || !frame.getConnectionId().isEmpty()
        || frame.getTargetPort() != 0) {
      end(Status.INVALID_ARGUMENT.withDescription(
          "only the first frame of a call names a peer or a connection"));
      return;
    }
    if (data.size() > limits.maxFrameBytes()) {
      end(Status.INVALID_ARGUMENT.withDescription("a frame of " + data.size()
          + " bytes; at most " + limits.maxFrameBytes()));
      return;
    }
    bytes += data.size();
    if (bytes > limits.maxBytesPerConnection()) {
      end(Status.RESOURCE_EXHAUSTED.withDescription("a relayed connection carries at most "
          + limits.maxBytesPerConnection() + " bytes"));
      return;
    }
    tap.accept(data);
    to.call.onNext(RelayFrame.newBuilder().setData(data).build());
    long waitNs = from.pacer.take(data.size());
    if (waitNs > 0) {
      timer.schedule(() -> next(from), waitNs, TimeUnit.NANOSECONDS);
    } else {
      next(from);
    }
  }

  /** Asks {@code from} for its next frame once the other side can take it. */
  private synchronized void next(Side from) {
    if (ended) {
      return;
    }
    Side to = from == dialer ? acceptor : dialer;
    if (to.call.isReady()) {
      from.call.request(1);
    } else {
      from.waiting = true;
    }
  }

  /** The dialling side (true) or the accepting side (false) can take frames again. */
  synchronized void ready(boolean dialerSide) {
    Side from = dialerSide ? acceptor : dialer;
    if (!ended && from.waiting) {
      from.waiting = false;
      from.call.request(1);
    }
  }

  /** One side ended its call (null: completed); the connection ends for both. */
  synchronized void closed(boolean byDialer, @Nullable Throwable t) {
    if (t == null) {
      end(Status.OK);
    } else {
      end(Status.CANCELLED.withDescription("the " + (byDialer ? "dialling" : "accepting")
          + " peer ended the connection: " + Status.fromThrowable(t).getCode()));
    }
  }

  /** Ends both calls with {@code status} (once). */
  synchronized void end(Status status) {
    if (ended) {
      return;
    }
    ended = true;
    if (deadline != null) {
      deadline.cancel(false);
    }
    RelayService.end(dialer.call, status);
    RelayService.end(acceptor.call, status);
    onEnd.run();
  }
}
