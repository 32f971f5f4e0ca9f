package io.loudp2p.core.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.loudp2p.core.testing.Await;
import io.loudp2p.core.testing.FakeClock;
import java.time.Duration;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class AgentRunnerTest {
  private static final long AN_HOUR_NS = TimeUnit.HOURS.toNanos(1);

  /** Counts down its work items; done when told to be. */
  private static final class Worker implements Agent {
    final ConcurrentLinkedQueue<Long> seen = new ConcurrentLinkedQueue<>();
    final AtomicInteger queued = new AtomicInteger();
    final AtomicReference<Thread> closedOn = new AtomicReference<>();
    final CountDownLatch closed = new CountDownLatch(1);
    volatile boolean done;

    @Override
    public int doWork(long nowNs) {
      int work = queued.getAndSet(0);
      if (work > 0) {
        seen.add(nowNs);
      }
      return work;
    }

    @Override
    public boolean isDone() {
      return done;
    }

    @Override
    public void onClose() {
      closedOn.set(Thread.currentThread());
      closed.countDown();
    }

    @Override
    public String roleName() {
      return "worker";
    }
  }

  @Test
  void wakingUpEndsAnIdleParkAndTheAgentSeesTheClocksTime() throws Exception {
    Worker worker = new Worker();
    FakeClock clock = new FakeClock();
    clock.advance(Duration.ofSeconds(42));
    try (AgentRunner runner = new AgentRunner(worker, clock.nanoSource(), AN_HOUR_NS).start()) {
      worker.queued.set(1);
      runner.wakeUp();
      Await.until(() -> !worker.seen.isEmpty(), Duration.ofSeconds(10),
          "work picked up long before the hour-long idle park ends");
      assertThat(worker.seen).containsExactly(TimeUnit.SECONDS.toNanos(42));
    }
    assertThat(worker.closed.await(10, TimeUnit.SECONDS)).as("onClose after close()").isTrue();
    assertThat(worker.closedOn.get().getName()).isEqualTo("worker");
  }

  @Test
  void stopsWhenTheAgentIsDoneAndClosesItOnItsOwnThread() throws Exception {
    Worker worker = new Worker();
    AgentRunner runner = new AgentRunner(worker, new FakeClock().nanoSource(), AN_HOUR_NS).start();
    worker.done = true;
    runner.wakeUp();

    assertThat(worker.closed.await(10, TimeUnit.SECONDS)).isTrue();
    Await.until(() -> !runner.isRunning(), Duration.ofSeconds(10), "the runner's thread ends");
    assertThat(worker.closedOn.get()).isNotSameAs(Thread.currentThread());
  }
}
