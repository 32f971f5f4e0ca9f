package io.loudp2p.core.testing;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Delayed;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ScheduledExecutorService} on an {@link InMemoryNetwork}'s {@link FakeClock}: tasks run
 * as the network's tasks, on whichever thread runs the network, when {@link InMemoryNetwork#runFor}
 * or {@link InMemoryNetwork#advance} reaches their time. One per simulated peer, so that shutting one
 * peer's timer down cancels its tasks alone.
 *
 * <p>Nothing blocks: {@code get()} on a future that has not run fails at once rather than wait
 * for a clock that only the calling thread can move. A periodic task that throws is logged and
 * keeps its schedule. Not for use from several threads at once, like the network it runs on.
 */
public final class VirtualTimer extends AbstractExecutorService implements ScheduledExecutorService {
  private static final Logger LOG = LoggerFactory.getLogger(VirtualTimer.class);

  private final InMemoryNetwork network;
  private final Set<Task<?>> pending = new HashSet<>();
  private boolean shutdown;

  /** A timer on {@code network}'s clock. */
  public VirtualTimer(InMemoryNetwork network) {
    this.network = network;
  }

  private final class Task<V> implements ScheduledFuture<V>, Runnable {
    private final Callable<V> body;
    private final long periodNs;
    private long dueNs;
    private InMemoryNetwork.@Nullable Timer timer;
    private boolean cancelled;
    private boolean done;
    private @Nullable V value;
    private @Nullable Throwable failure;

    Task(Callable<V> body, long delayNs, long periodNs) {
      this.body = body;
      this.periodNs = periodNs;
      this.dueNs = network.nowNs() + Math.max(0, delayNs);
    }

    void arm() {
      timer = network.schedule(Math.max(0, dueNs - network.nowNs()), this);
    }

    @Override
    public void run() {
      if (cancelled || shutdown) {
        return;
      }
      try {
        V v = body.call();
        if (periodNs == 0) {
          value = v;
        }
      } catch (Exception | Error e) {
        if (periodNs == 0) {
          failure = e;
        } else {
          LOG.warn("periodic task threw; it keeps its schedule", e);
        }
      }
      if (periodNs > 0 && !cancelled && !shutdown) {
        dueNs += periodNs;
        arm();
      } else {
        done = true;
        pending.remove(this);
      }
    }

    @Override
    public long getDelay(TimeUnit unit) {
      return unit.convert(dueNs - network.nowNs(), TimeUnit.NANOSECONDS);
    }

    @Override
    public int compareTo(Delayed o) {
      return Long.compare(getDelay(TimeUnit.NANOSECONDS), o.getDelay(TimeUnit.NANOSECONDS));
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
      if (done) {
        return false;
      }
      cancelled = true;
      done = true;
      pending.remove(this);
      InMemoryNetwork.Timer t = timer;
      if (t != null) {
        network.cancel(t);
      }
      return true;
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }

    @Override
    public boolean isDone() {
      return done;
    }

    @Override
    public V get() throws ExecutionException {
      if (cancelled) {
        throw new CancellationException();
      }
      if (!done) {
        throw new IllegalStateException("not run yet: virtual time moves only when the network runs");
      }
      if (failure != null) {
        throw new ExecutionException(failure);
      }
      return value;
    }

    @Override
    public V get(long timeout, TimeUnit unit) throws ExecutionException, TimeoutException {
      if (!done) {
        throw new TimeoutException("not run yet: virtual time moves only when the network runs");
      }
      return get();
    }
  }

  private <V> Task<V> add(Callable<V> body, long delayNs, long periodNs) {
    if (shutdown) {
      throw new RejectedExecutionException("timer shut down");
    }
    Task<V> t = new Task<>(body, delayNs, periodNs);
    pending.add(t);
    t.arm();
    return t;
  }

  @Override
  public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
    return add(() -> {
      command.run();
      return null;
    }, unit.toNanos(delay), 0);
  }

  @Override
  public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
    return add(callable, unit.toNanos(delay), 0);
  }

  @Override
  public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period,
      TimeUnit unit) {
    if (period <= 0) {
      throw new IllegalArgumentException("period must be positive: " + period);
    }
    return add(() -> {
      command.run();
      return null;
    }, unit.toNanos(initialDelay), unit.toNanos(period));
  }

  @Override
  public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay,
      TimeUnit unit) {
    // Tasks take no virtual time, so a fixed delay and a fixed rate are the same schedule.
    return scheduleAtFixedRate(command, initialDelay, delay, unit);
  }

  @Override
  public void execute(Runnable command) {
    schedule(command, 0, TimeUnit.NANOSECONDS);
  }

  /** Stops the timer: unlike a thread pool's, no task waiting for its time runs afterwards. */
  @Override
  public void shutdown() {
    shutdownNow();
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> never = new ArrayList<>();
    for (Task<?> t : new ArrayList<>(pending)) {
      t.cancel(false);
      never.add(t);
    }
    return never;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown && pending.isEmpty();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }
}
