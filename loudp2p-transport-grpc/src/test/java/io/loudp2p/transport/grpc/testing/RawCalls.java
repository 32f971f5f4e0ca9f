package io.loudp2p.transport.grpc.testing;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.loudp2p.core.wire.RejectReason;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Calls of the fuzzer, bytes in and bytes out, on gRPC channels of its own: what came back, and
 * the outcome key a status counts under.
 */
final class RawCalls {
  /** How long past its deadline a call may take to end before it counts as hung. */
  static final Duration GRACE = Duration.ofSeconds(5);
  /** The outcome of a validly signed request whose body belongs to another method. */
  static final String WRONG_METHOD_OUTCOME = "INVALID_ARGUMENT/WRONG_METHOD";

  private RawCalls() {}

  /** A TLS channel to {@code to}, as a fresh identity, that reads answers of up to 8 MiB. */
  static ManagedChannel channel(InetSocketAddress to) {
    return TestTls.channel(to, 8 << 20);
  }

  /** What one call got: its status (null: none in time) and what came back before it. */
  record Answer(@Nullable Status status, List<byte[]> messages, long millis) {}

  /** Sends one request on {@code m}, half-closes, and waits for the status up to the deadline. */
  static Answer call(ManagedChannel channel, Method m, byte[] request, Duration deadline)
      throws InterruptedException {
    ClientCall<byte[], byte[]> call = channel.newCall(m.raw, CallOptions.DEFAULT
        .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
    Collector c = new Collector();
    long start = System.nanoTime();
    call.start(c, new Metadata());
    call.request(Integer.MAX_VALUE);
    call.sendMessage(request);
    call.halfClose();
    Status s = c.await(deadline.plus(GRACE));
    if (s == null) {
      call.cancel("no status in time", null);
    }
    return new Answer(s, c.messages(), (System.nanoTime() - start) / 1_000_000);
  }

  /** Collects a call's messages and status. */
  static class Collector extends ClientCall.Listener<byte[]> {
    private final List<byte[]> messages = new ArrayList<>();
    private @Nullable Status status;

    @Override
    public synchronized void onMessage(byte[] message) {
      messages.add(message);
      received(message);
      notifyAll();
    }

    /** Looks at a message as it arrives, under this collector's lock. */
    void received(byte[] message) {}

    @Override
    public synchronized void onClose(Status status, Metadata trailers) {
      this.status = status;
      notifyAll();
    }

    synchronized boolean closed() {
      return status != null;
    }

    synchronized @Nullable Status await(Duration timeout) throws InterruptedException {
      long until = System.nanoTime() + timeout.toNanos();
      while (status == null) {
        long left = until - System.nanoTime();
        if (left <= 0) {
          return null;
        }
        TimeUnit.NANOSECONDS.timedWait(this, left);
      }
      return status;
    }

    synchronized List<byte[]> messages() {
      return new ArrayList<>(messages);
    }
  }

  /** The outcome key of a status: its code, and the documented rejection reasons it names. */
  static String outcome(@Nullable Status s) {
    if (s == null) {
      return "!NO_STATUS";
    }
    String d = s.getDescription();
    StringBuilder reasons = new StringBuilder();
    if (d != null) {
      for (RejectReason reason : RejectReason.values()) {
        if (d.contains(reason.name())) {
          reasons.append(reasons.length() == 0 ? "/" : "|").append(reason.name());
        }
      }
    }
    return s.getCode() + reasons.toString();
  }

  /** A request as hex (its first 120 bytes) with what it was meant to be, to reproduce a case. */
  static String describe(byte[] request, String detail) {
    String hex = HexFormat.of().formatHex(request, 0, Math.min(request.length, 120));
    return request.length + " bytes " + hex + (request.length > 120 ? "..." : "")
        + (detail.isEmpty() ? "" : "; " + detail);
  }
}
