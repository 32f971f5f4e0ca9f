package io.loudp2p.transport.grpc.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The bound on the gRPC-Web server's writes, on a clock the test moves: a write past the limit is
 * interrupted and fails, and the interrupt never outlives it; a write that ended, or one still
 * within the limit, is left alone; a large write is bounded piece by piece.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class StalledWritesTest {
  private static final Duration LIMIT = Duration.ofSeconds(10);

  private final long[] now = {0};
  private final StalledWrites writes = new StalledWrites(LIMIT, () -> now[0]);

  /** A write blocked as one on a full socket is, until its thread is interrupted. */
  private static void blockUntilInterrupted(CountDownLatch entered) throws IOException {
    entered.countDown();
    while (!Thread.currentThread().isInterrupted()) {
      LockSupport.park();
    }
    throw new ClosedByInterruptException();
  }

  @Test
  void aWritePastTheLimitFailsAndItsThreadIsLeftWithoutTheInterrupt() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    CompletableFuture<String> after = new CompletableFuture<>();
    Thread writer = new Thread(() -> {
      try {
        writes.run("a caller", () -> blockUntilInterrupted(entered));
        after.complete("the write went through");
      } catch (IOException e) {
        after.complete(e.getClass().getSimpleName() + ", interrupted after: "
            + Thread.currentThread().isInterrupted());
      }
    });
    writer.start();
    entered.await();

    now[0] += LIMIT.toNanos() - 1;
    assertThat(writes.sweep()).as("within the limit").isZero();
    now[0] += 1;
    assertThat(writes.sweep()).isEqualTo(1);
    assertThat(after.get(10, TimeUnit.SECONDS))
        .isEqualTo("ClosedByInterruptException, interrupted after: false");
    assertThat(writes.ended()).isEqualTo(1);
    assertThat(writes.sweep()).as("nothing left to end").isZero();
  }

  @Test
  void aWriteThatEndedIsNeverInterruptedLater() throws Exception {
    writes.run("a caller", () -> { });
    now[0] += 10 * LIMIT.toNanos();

    assertThat(writes.sweep()).isZero();
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    // The next write of this thread, begun now, has the whole limit.
    writes.run("a caller", () -> {
      now[0] += LIMIT.toNanos() / 2;
      assertThat(writes.sweep()).isZero();
    });
    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    assertThat(writes.ended()).isZero();
  }

  @Test
  void anInterruptThatCameAsTheWriteEndedIsCleared() throws Exception {
    // The sweep ends the write just as it goes through: it returns, and the interrupt is cleared.
    writes.run("a caller", () -> {
      now[0] += LIMIT.toNanos();
      assertThat(writes.sweep()).isEqualTo(1);
    });

    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    assertThat(writes.ended()).as("a write that went through ended no call").isZero();
  }

  @Test
  void aLargeWriteIsBoundedPieceByPiece() throws Exception {
    List<Integer> pieces = new ArrayList<>();
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    OutputStream slow = new OutputStream() {
      @Override
      public void write(int b) {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) {
        // Each piece takes most of the limit: the whole write takes far more than it.
        now[0] += LIMIT.toNanos() * 9 / 10;
        writes.sweep();
        pieces.add(len);
        sink.write(b, off, len);
      }
    };
    byte[] answer = new byte[5 * StalledWrites.PIECE + 7];
    new java.util.Random(5).nextBytes(answer);

    try (OutputStream out = writes.bounded(slow, "a caller")) {
      out.write(answer, 0, answer.length);
    }

    assertThat(Thread.currentThread().isInterrupted()).isFalse();
    assertThat(pieces).hasSize(6).allMatch(n -> n <= StalledWrites.PIECE);
    assertThat(sink.toByteArray()).isEqualTo(answer);
    assertThat(writes.ended()).isZero();
  }

  @Test
  void aStuckPieceOfALargeWriteEndsIt() throws Exception {
    CountDownLatch entered = new CountDownLatch(1);
    OutputStream stuck = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        blockUntilInterrupted(entered);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        blockUntilInterrupted(entered);
      }
    };
    CompletableFuture<Throwable> failed = new CompletableFuture<>();
    Thread writer = new Thread(() -> {
      try {
        writes.bounded(stuck, "a caller").write(new byte[3 * StalledWrites.PIECE]);
        failed.complete(null);
      } catch (IOException e) {
        failed.complete(e);
      }
    });
    writer.start();
    entered.await();
    now[0] += LIMIT.toNanos();
    writes.sweep();

    assertThat(failed.get(10, TimeUnit.SECONDS)).isInstanceOf(ClosedByInterruptException.class);
    assertThat(writes.ended()).isEqualTo(1);
  }
}
